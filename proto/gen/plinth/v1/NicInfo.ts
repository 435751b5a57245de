// Original file: proto/plinth/v1/agent.proto


export interface NicInfo__Input {
  'name'?: (string);
  'mac'?: (string);
  'speedMbps'?: (number);
  'virtual'?: (boolean);
}

export interface NicInfo {
  'name': (string);
  'mac': (string);
  'speedMbps': (number);
  'virtual': (boolean);
}
