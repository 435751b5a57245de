// Original file: proto/plinth/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface BmcInfo__Input {
  'hostId'?: (string);
  'protocol'?: (string);
  'address'?: (string);
  'user'?: (string);
  'trust'?: (string);
  'updatedMs'?: (number | string | Long);
}

export interface BmcInfo {
  'hostId': (string);
  'protocol': (string);
  'address': (string);
  'user': (string);
  'trust': (string);
  'updatedMs': (number);
}
