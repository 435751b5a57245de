// Original file: proto/plinth/v1/admin.proto

import type { EvacuationHost__Input as _plinth_v1_EvacuationHost__Input, EvacuationHost as _plinth_v1_EvacuationHost } from '../../plinth/v1/EvacuationHost.js';

export interface EvacuationStatusResponse__Input {
  'enabled'?: (boolean);
  'inStartupGrace'?: (boolean);
  'brakeEngaged'?: (boolean);
  'brakeBy'?: (string);
  'brakeReason'?: (string);
  'relocationsInLastMinute'?: (number);
  'hosts'?: (_plinth_v1_EvacuationHost__Input)[];
}

export interface EvacuationStatusResponse {
  'enabled': (boolean);
  'inStartupGrace': (boolean);
  'brakeEngaged': (boolean);
  'brakeBy': (string);
  'brakeReason': (string);
  'relocationsInLastMinute': (number);
  'hosts': (_plinth_v1_EvacuationHost)[];
}
