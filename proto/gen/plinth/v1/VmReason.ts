// Original file: proto/plinth/v1/admin.proto


export interface VmReason__Input {
  'vm'?: (string);
  'reason'?: (string);
}

export interface VmReason {
  'vm': (string);
  'reason': (string);
}
