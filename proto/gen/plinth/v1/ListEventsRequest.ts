// Original file: proto/plinth/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface ListEventsRequest__Input {
  'afterId'?: (number | string | Long);
  'limit'?: (number);
  'hostId'?: (string);
}

export interface ListEventsRequest {
  'afterId': (number);
  'limit': (number);
  'hostId': (string);
}
