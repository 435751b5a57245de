// Original file: proto/plinth/v1/agent.proto

import type { HostInventory__Input as _plinth_v1_HostInventory__Input, HostInventory as _plinth_v1_HostInventory } from '../../plinth/v1/HostInventory.js';
import type { Snapshot__Input as _plinth_v1_Snapshot__Input, Snapshot as _plinth_v1_Snapshot } from '../../plinth/v1/Snapshot.js';
import type { Long } from '@grpc/proto-loader';

export interface Hello__Input {
  'hostId'?: (string);
  'version'?: (string);
  'incarnation'?: (string);
  'inventory'?: (_plinth_v1_HostInventory__Input | null);
  'appliedGeneration'?: (number | string | Long);
  'snapshot'?: (_plinth_v1_Snapshot__Input | null);
}

export interface Hello {
  'hostId': (string);
  'version': (string);
  'incarnation': (string);
  'inventory': (_plinth_v1_HostInventory | null);
  'appliedGeneration': (number);
  'snapshot': (_plinth_v1_Snapshot | null);
}
