// Original file: proto/plinth/v1/admin.proto


export interface RunCommandRequest__Input {
  'hostId'?: (string);
  'kind'?: (string);
  'argsJson'?: (string);
  'timeoutMs'?: (number);
}

export interface RunCommandRequest {
  'hostId': (string);
  'kind': (string);
  'argsJson': (string);
  'timeoutMs': (number);
}
