// Original file: proto/plinth/v1/admin.proto

import type { Vm__Input as _plinth_v1_Vm__Input, Vm as _plinth_v1_Vm } from '../../plinth/v1/Vm.js';

export interface VmPlacementResponse__Input {
  'ok'?: (boolean);
  'vm'?: (_plinth_v1_Vm__Input | null);
  'placementJson'?: (string);
  'message'?: (string);
  'code'?: (string);
  'hostsOmitted'?: (number);
}

export interface VmPlacementResponse {
  'ok': (boolean);
  'vm': (_plinth_v1_Vm | null);
  'placementJson': (string);
  'message': (string);
  'code': (string);
  'hostsOmitted': (number);
}
