// Original file: proto/plinth/v1/agent.proto

import type { ApplyResult__Input as _plinth_v1_ApplyResult__Input, ApplyResult as _plinth_v1_ApplyResult } from '../../plinth/v1/ApplyResult.js';
import type { Long } from '@grpc/proto-loader';

export interface Ack__Input {
  'generation'?: (number | string | Long);
  'results'?: (_plinth_v1_ApplyResult__Input)[];
}

export interface Ack {
  'generation': (number);
  'results': (_plinth_v1_ApplyResult)[];
}
