// Original file: proto/plinth/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface DiskInfo__Input {
  'name'?: (string);
  'sizeBytes'?: (number | string | Long);
  'model'?: (string);
  'rotational'?: (boolean);
  'type'?: (string);
}

export interface DiskInfo {
  'name': (string);
  'sizeBytes': (number);
  'model': (string);
  'rotational': (boolean);
  'type': (string);
}
