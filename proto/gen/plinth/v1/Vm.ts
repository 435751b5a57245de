// Original file: proto/plinth/v1/admin.proto

import type { Long } from '@grpc/proto-loader';

export interface Vm__Input {
  'name'?: (string);
  'uuid'?: (string);
  'status'?: (string);
  'reason'?: (string);
  'hostId'?: (string);
  'power'?: (string);
  'fenceToken'?: (number | string | Long);
  'flags'?: (string)[];
  'vcpus'?: (number);
  'memoryMib'?: (number | string | Long);
  'createdMs'?: (number | string | Long);
  'updatedMs'?: (number | string | Long);
  'specJson'?: (string);
  'placementJson'?: (string);
  'hostState'?: (string);
}

export interface Vm {
  'name': (string);
  'uuid': (string);
  'status': (string);
  'reason': (string);
  'hostId': (string);
  'power': (string);
  'fenceToken': (number);
  'flags': (string)[];
  'vcpus': (number);
  'memoryMib': (number);
  'createdMs': (number);
  'updatedMs': (number);
  'specJson': (string);
  'placementJson': (string);
  'hostState': (string);
}
