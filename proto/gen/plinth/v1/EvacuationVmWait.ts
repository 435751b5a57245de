// Original file: proto/plinth/v1/admin.proto


export interface EvacuationVmWait__Input {
  'vm'?: (string);
  'reason'?: (string);
  'message'?: (string);
}

export interface EvacuationVmWait {
  'vm': (string);
  'reason': (string);
  'message': (string);
}
