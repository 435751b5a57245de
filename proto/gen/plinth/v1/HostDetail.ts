// Original file: proto/plinth/v1/admin.proto

import type { HostSummary__Input as _plinth_v1_HostSummary__Input, HostSummary as _plinth_v1_HostSummary } from '../../plinth/v1/HostSummary.js';
import type { HostInventory__Input as _plinth_v1_HostInventory__Input, HostInventory as _plinth_v1_HostInventory } from '../../plinth/v1/HostInventory.js';
import type { ObjectState__Input as _plinth_v1_ObjectState__Input, ObjectState as _plinth_v1_ObjectState } from '../../plinth/v1/ObjectState.js';
import type { ApplyResult__Input as _plinth_v1_ApplyResult__Input, ApplyResult as _plinth_v1_ApplyResult } from '../../plinth/v1/ApplyResult.js';

export interface HostDetail__Input {
  'summary'?: (_plinth_v1_HostSummary__Input | null);
  'inventory'?: (_plinth_v1_HostInventory__Input | null);
  'objects'?: (_plinth_v1_ObjectState__Input)[];
  'lastResults'?: (_plinth_v1_ApplyResult__Input)[];
}

export interface HostDetail {
  'summary': (_plinth_v1_HostSummary | null);
  'inventory': (_plinth_v1_HostInventory | null);
  'objects': (_plinth_v1_ObjectState)[];
  'lastResults': (_plinth_v1_ApplyResult)[];
}
