// Original file: proto/plinth/v1/admin.proto


export interface ApplyPlanRequest__Input {
  'token'?: (string);
}

export interface ApplyPlanRequest {
  'token': (string);
}
