// Original file: proto/plinth/v1/agent.proto


export interface CpuInfo__Input {
  'vendor'?: (string);
  'model'?: (string);
  'sockets'?: (number);
  'cores'?: (number);
  'threads'?: (number);
  'flags'?: (string)[];
  'mhz'?: (number | string);
}

export interface CpuInfo {
  'vendor': (string);
  'model': (string);
  'sockets': (number);
  'cores': (number);
  'threads': (number);
  'flags': (string)[];
  'mhz': (number);
}
