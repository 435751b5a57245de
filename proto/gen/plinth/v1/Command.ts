// Original file: proto/plinth/v1/agent.proto


export interface Command__Input {
  'id'?: (string);
  'kind'?: (string);
  'argsJson'?: (string);
}

export interface Command {
  'id': (string);
  'kind': (string);
  'argsJson': (string);
}
