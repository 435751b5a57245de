// Original file: proto/plinth/v1/agent.proto

import type { ObjectState__Input as _plinth_v1_ObjectState__Input, ObjectState as _plinth_v1_ObjectState } from '../../plinth/v1/ObjectState.js';
import type { Long } from '@grpc/proto-loader';

export interface Snapshot__Input {
  'seq'?: (number | string | Long);
  'objects'?: (_plinth_v1_ObjectState__Input)[];
}

export interface Snapshot {
  'seq': (number);
  'objects': (_plinth_v1_ObjectState)[];
}
