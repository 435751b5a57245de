// Original file: proto/plinth/v1/admin.proto


export interface PowerResponse__Input {
  'state'?: (string);
  'alreadyInState'?: (boolean);
}

export interface PowerResponse {
  'state': (string);
  'alreadyInState': (boolean);
}
