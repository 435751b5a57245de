// Original file: proto/plinth/v1/admin.proto

import type { EvacuationVmWait__Input as _plinth_v1_EvacuationVmWait__Input, EvacuationVmWait as _plinth_v1_EvacuationVmWait } from '../../plinth/v1/EvacuationVmWait.js';
import type { EvacuationRelocated__Input as _plinth_v1_EvacuationRelocated__Input, EvacuationRelocated as _plinth_v1_EvacuationRelocated } from '../../plinth/v1/EvacuationRelocated.js';
import type { Long } from '@grpc/proto-loader';

export interface EvacuationHost__Input {
  'hostId'?: (string);
  'state'?: (string);
  'fencePhase'?: (string);
  'fenceBy'?: (string);
  'fenceManual'?: (boolean);
  'fenceAlreadyOff'?: (boolean);
  'fenceCode'?: (string);
  'fenceMessage'?: (string);
  'fenceAgeMs'?: (number | string | Long);
  'waiting'?: (_plinth_v1_EvacuationVmWait__Input)[];
  'relocated'?: (_plinth_v1_EvacuationRelocated__Input)[];
}

export interface EvacuationHost {
  'hostId': (string);
  'state': (string);
  'fencePhase': (string);
  'fenceBy': (string);
  'fenceManual': (boolean);
  'fenceAlreadyOff': (boolean);
  'fenceCode': (string);
  'fenceMessage': (string);
  'fenceAgeMs': (number);
  'waiting': (_plinth_v1_EvacuationVmWait)[];
  'relocated': (_plinth_v1_EvacuationRelocated)[];
}
