// Original file: proto/plinth/v1/admin.proto

import type { ApplyResult__Input as _plinth_v1_ApplyResult__Input, ApplyResult as _plinth_v1_ApplyResult } from '../../plinth/v1/ApplyResult.js';
import type { Long } from '@grpc/proto-loader';

export interface DesiredState__Input {
  'hostId'?: (string);
  'generation'?: (number | string | Long);
  'specJson'?: (string);
  'appliedGeneration'?: (number | string | Long);
  'results'?: (_plinth_v1_ApplyResult__Input)[];
}

export interface DesiredState {
  'hostId': (string);
  'generation': (number);
  'specJson': (string);
  'appliedGeneration': (number);
  'results': (_plinth_v1_ApplyResult)[];
}
