// Original file: proto/plinth/v1/agent.proto


export interface OsInfo__Input {
  'distro'?: (string);
  'release'?: (string);
  'kernel'?: (string);
  'arch'?: (string);
}

export interface OsInfo {
  'distro': (string);
  'release': (string);
  'kernel': (string);
  'arch': (string);
}
