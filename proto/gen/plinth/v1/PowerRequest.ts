// Original file: proto/plinth/v1/admin.proto


export interface PowerRequest__Input {
  'hostId'?: (string);
  'action'?: (string);
}

export interface PowerRequest {
  'hostId': (string);
  'action': (string);
}
