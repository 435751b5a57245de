// Original file: proto/plinth/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface DrainHostRequest__Input {
  'hostId'?: (string);
  'deadlineMs'?: (number | string | Long);
  'parallel'?: (number);
}

export interface DrainHostRequest {
  'hostId': (string);
  'deadlineMs': (number);
  'parallel': (number);
}
