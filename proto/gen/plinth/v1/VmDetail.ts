// Original file: proto/plinth/v1/admin.proto

import type { Vm__Input as _plinth_v1_Vm__Input, Vm as _plinth_v1_Vm } from '../../plinth/v1/Vm.js';
import type { VmHistoryEntry__Input as _plinth_v1_VmHistoryEntry__Input, VmHistoryEntry as _plinth_v1_VmHistoryEntry } from '../../plinth/v1/VmHistoryEntry.js';

export interface VmDetail__Input {
  'vm'?: (_plinth_v1_Vm__Input | null);
  'history'?: (_plinth_v1_VmHistoryEntry__Input)[];
}

export interface VmDetail {
  'vm': (_plinth_v1_Vm | null);
  'history': (_plinth_v1_VmHistoryEntry)[];
}
