// Original file: proto/plinth/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface DrainProgress__Input {
  'vm'?: (string);
  'step'?: (string);
  'fromHost'?: (string);
  'toHost'?: (string);
  'message'?: (string);
  'atMs'?: (number | string | Long);
}

export interface DrainProgress {
  'vm': (string);
  'step': (string);
  'fromHost': (string);
  'toHost': (string);
  'message': (string);
  'atMs': (number);
}
