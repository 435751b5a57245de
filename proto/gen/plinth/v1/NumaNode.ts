// Original file: proto/plinth/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface NumaNode__Input {
  'id'?: (number);
  'cpus'?: (string);
  'memoryBytes'?: (number | string | Long);
}

export interface NumaNode {
  'id': (number);
  'cpus': (string);
  'memoryBytes': (number);
}
