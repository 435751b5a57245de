// Original file: proto/plinth/v1/agent.proto

import type { Long } from '@grpc/proto-loader';

export interface Event__Input {
  'type'?: (string);
  'severity'?: (string);
  'message'?: (string);
  'objectKind'?: (string);
  'objectId'?: (string);
  'dataJson'?: (string);
  'atMs'?: (number | string | Long);
  'hostId'?: (string);
  'id'?: (number | string | Long);
}

export interface Event {
  'type': (string);
  'severity': (string);
  'message': (string);
  'objectKind': (string);
  'objectId': (string);
  'dataJson': (string);
  'atMs': (number);
  'hostId': (string);
  'id': (number);
}
