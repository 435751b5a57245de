// Original file: proto/plinth/v1/admin.proto


export interface CordonHostResponse__Input {
  'hostId'?: (string);
  'cordoned'?: (boolean);
}

export interface CordonHostResponse {
  'hostId': (string);
  'cordoned': (boolean);
}
