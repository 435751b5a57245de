// Original file: proto/plinth/v1/admin.proto

import type { Condition__Input as _plinth_v1_Condition__Input, Condition as _plinth_v1_Condition } from '../../plinth/v1/Condition.js';
import type { DriverStatus__Input as _plinth_v1_DriverStatus__Input, DriverStatus as _plinth_v1_DriverStatus } from '../../plinth/v1/DriverStatus.js';
import type { Long } from '@grpc/proto-loader';

export interface HostSummary__Input {
  'id'?: (string);
  'state'?: (string);
  'connected'?: (boolean);
  'lastSeenAgeMs'?: (number | string | Long);
  'labels'?: ({[key: string]: string});
  'version'?: (string);
  'desiredGeneration'?: (number | string | Long);
  'appliedGeneration'?: (number | string | Long);
  'conditions'?: (_plinth_v1_Condition__Input)[];
  'drivers'?: (_plinth_v1_DriverStatus__Input)[];
  'cpuModel'?: (string);
  'cpuThreads'?: (number);
  'memoryBytes'?: (number | string | Long);
  'kernel'?: (string);
  'stateSinceMs'?: (number | string | Long);
}

export interface HostSummary {
  'id': (string);
  'state': (string);
  'connected': (boolean);
  'lastSeenAgeMs': (number);
  'labels': ({[key: string]: string});
  'version': (string);
  'desiredGeneration': (number);
  'appliedGeneration': (number);
  'conditions': (_plinth_v1_Condition)[];
  'drivers': (_plinth_v1_DriverStatus)[];
  'cpuModel': (string);
  'cpuThreads': (number);
  'memoryBytes': (number);
  'kernel': (string);
  'stateSinceMs': (number);
}
