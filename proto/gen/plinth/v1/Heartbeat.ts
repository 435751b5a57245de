// Original file: proto/plinth/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Heartbeat__Input {
  'lastSeq'?: (number | string | Long);
}

export interface Heartbeat {
  'lastSeq': (number);
}
