// Original file: proto/plinth/v1/admin.proto


export interface Condition__Input {
  'type'?: (string);
  'status'?: (boolean);
  'reason'?: (string);
  'message'?: (string);
  'source'?: (string);
}

export interface Condition {
  'type': (string);
  'status': (boolean);
  'reason': (string);
  'message': (string);
  'source': (string);
}
