// Original file: proto/plinth/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface VmHistoryEntry__Input {
  'atMs'?: (number | string | Long);
  'status'?: (string);
  'hostId'?: (string);
  'message'?: (string);
}

export interface VmHistoryEntry {
  'atMs': (number);
  'status': (string);
  'hostId': (string);
  'message': (string);
}
