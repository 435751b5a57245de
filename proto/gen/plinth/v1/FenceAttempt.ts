// Original file: proto/plinth/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface FenceAttempt__Input {
  'round'?: (number);
  'action'?: (string);
  'ok'?: (boolean);
  'powerState'?: (string);
  'alreadyOff'?: (boolean);
  'code'?: (string);
  'message'?: (string);
  'atMs'?: (number | string | Long);
  'durationMs'?: (number | string | Long);
}

export interface FenceAttempt {
  'round': (number);
  'action': (string);
  'ok': (boolean);
  'powerState': (string);
  'alreadyOff': (boolean);
  'code': (string);
  'message': (string);
  'atMs': (number);
  'durationMs': (number);
}
