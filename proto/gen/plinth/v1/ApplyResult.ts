// Original file: proto/plinth/v1/agent.proto


export interface ApplyResult__Input {
  'kind'?: (string);
  'id'?: (string);
  'ok'?: (boolean);
  'action'?: (string);
  'code'?: (string);
  'message'?: (string);
}

export interface ApplyResult {
  'kind': (string);
  'id': (string);
  'ok': (boolean);
  'action': (string);
  'code': (string);
  'message': (string);
}
