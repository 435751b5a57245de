// Original file: proto/plinth/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface EvacuationRelocated__Input {
  'vm'?: (string);
  'toHost'?: (string);
  'atMs'?: (number | string | Long);
}

export interface EvacuationRelocated {
  'vm': (string);
  'toHost': (string);
  'atMs': (number);
}
