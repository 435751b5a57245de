// Original file: proto/plinth/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Welcome__Input {
  'hostId'?: (string);
  'ackedSeq'?: (number | string | Long);
  'heartbeatIntervalMs'?: (number);
}

export interface Welcome {
  'hostId': (string);
  'ackedSeq': (number);
  'heartbeatIntervalMs': (number);
}
