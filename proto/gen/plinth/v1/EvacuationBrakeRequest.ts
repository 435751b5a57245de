// Original file: proto/plinth/v1/admin.proto


export interface EvacuationBrakeRequest__Input {
  'action'?: (string);
}

export interface EvacuationBrakeRequest {
  'action': (string);
}
