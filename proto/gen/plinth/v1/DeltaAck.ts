// Original file: proto/plinth/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface DeltaAck__Input {
  'seq'?: (number | string | Long);
}

export interface DeltaAck {
  'seq': (number);
}
