// Original file: proto/plinth/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Desired__Input {
  'generation'?: (number | string | Long);
  'specJson'?: (string);
}

export interface Desired {
  'generation': (number);
  'specJson': (string);
}
