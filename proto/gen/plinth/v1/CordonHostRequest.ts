// Original file: proto/plinth/v1/admin.proto


export interface CordonHostRequest__Input {
  'hostId'?: (string);
  'cordoned'?: (boolean);
  'reason'?: (string);
}

export interface CordonHostRequest {
  'hostId': (string);
  'cordoned': (boolean);
  'reason': (string);
}
