// Original file: proto/plinth/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface MemoryInfo__Input {
  'totalBytes'?: (number | string | Long);
}

export interface MemoryInfo {
  'totalBytes': (number);
}
