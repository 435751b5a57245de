// Original file: proto/plinth/v1/admin.proto

import type { FenceAttempt__Input as _plinth_v1_FenceAttempt__Input, FenceAttempt as _plinth_v1_FenceAttempt } from '../../plinth/v1/FenceAttempt.js';
import type { Long } from '@grpc/proto-loader';

export interface FenceResponse__Input {
  'ok'?: (boolean);
  'alreadyOff'?: (boolean);
  'powerState'?: (string);
  'elapsedMs'?: (number | string | Long);
  'code'?: (string);
  'message'?: (string);
  'attempts'?: (_plinth_v1_FenceAttempt__Input)[];
}

export interface FenceResponse {
  'ok': (boolean);
  'alreadyOff': (boolean);
  'powerState': (string);
  'elapsedMs': (number);
  'code': (string);
  'message': (string);
  'attempts': (_plinth_v1_FenceAttempt)[];
}
