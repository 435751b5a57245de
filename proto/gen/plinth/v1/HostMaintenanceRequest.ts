// Original file: proto/plinth/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface HostMaintenanceRequest__Input {
  'hostId'?: (string);
  'action'?: (string);
  'deadlineMs'?: (number | string | Long);
  'parallel'?: (number);
}

export interface HostMaintenanceRequest {
  'hostId': (string);
  'action': (string);
  'deadlineMs': (number);
  'parallel': (number);
}
