// Original file: proto/plinth/v1/agent.proto


export interface CommandResult__Input {
  'id'?: (string);
  'ok'?: (boolean);
  'code'?: (string);
  'message'?: (string);
  'resultJson'?: (string);
}

export interface CommandResult {
  'id': (string);
  'ok': (boolean);
  'code': (string);
  'message': (string);
  'resultJson': (string);
}
