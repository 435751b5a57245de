// Original file: proto/plinth/v1/admin.proto

import type { VmReason__Input as _plinth_v1_VmReason__Input, VmReason as _plinth_v1_VmReason } from '../../plinth/v1/VmReason.js';

export interface DrainResult__Input {
  'hostId'?: (string);
  'moved'?: (string)[];
  'refused'?: (_plinth_v1_VmReason__Input)[];
  'failed'?: (_plinth_v1_VmReason__Input)[];
  'left'?: (string)[];
}

export interface DrainResult {
  'hostId': (string);
  'moved': (string)[];
  'refused': (_plinth_v1_VmReason)[];
  'failed': (_plinth_v1_VmReason)[];
  'left': (string)[];
}
