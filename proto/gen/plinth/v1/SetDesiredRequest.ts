// Original file: proto/plinth/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface SetDesiredRequest__Input {
  'id'?: (string);
  'specJson'?: (string);
  'expectGeneration'?: (number | string | Long);
}

export interface SetDesiredRequest {
  'id': (string);
  'specJson': (string);
  'expectGeneration': (number);
}
