// Original file: proto/plinth/v1/admin.proto

import type { Vm__Input as _plinth_v1_Vm__Input, Vm as _plinth_v1_Vm } from '../../plinth/v1/Vm.js';

export interface ListVmsResponse__Input {
  'vms'?: (_plinth_v1_Vm__Input)[];
}

export interface ListVmsResponse {
  'vms': (_plinth_v1_Vm)[];
}
