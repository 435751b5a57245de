// Original file: proto/plinth/v1/agent.proto


export interface Resync__Input {
  'reason'?: (string);
}

export interface Resync {
  'reason': (string);
}
