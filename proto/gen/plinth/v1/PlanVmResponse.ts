// Original file: proto/plinth/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface PlanVmResponse__Input {
  'ok'?: (boolean);
  'token'?: (string);
  'placementJson'?: (string);
  'expiresMs'?: (number | string | Long);
  'message'?: (string);
  'hostsOmitted'?: (number);
}

export interface PlanVmResponse {
  'ok': (boolean);
  'token': (string);
  'placementJson': (string);
  'expiresMs': (number);
  'message': (string);
  'hostsOmitted': (number);
}
