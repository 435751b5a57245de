// Original file: proto/plinth/v1/admin.proto


export interface EvacuationBrakeResponse__Input {
  'engaged'?: (boolean);
  'by'?: (string);
  'reason'?: (string);
}

export interface EvacuationBrakeResponse {
  'engaged': (boolean);
  'by': (string);
  'reason': (string);
}
