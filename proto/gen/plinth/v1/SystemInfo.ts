// Original file: proto/plinth/v1/agent.proto


export interface SystemInfo__Input {
  'vendor'?: (string);
  'model'?: (string);
  'serial'?: (string);
}

export interface SystemInfo {
  'vendor': (string);
  'model': (string);
  'serial': (string);
}
