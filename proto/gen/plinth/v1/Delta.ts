// Original file: proto/plinth/v1/agent.proto

import type { ObjectState__Input as _plinth_v1_ObjectState__Input, ObjectState as _plinth_v1_ObjectState } from '../../plinth/v1/ObjectState.js';
import type { Event__Input as _plinth_v1_Event__Input, Event as _plinth_v1_Event } from '../../plinth/v1/Event.js';
import type { Long } from '@grpc/proto-loader';

export interface Delta__Input {
  'seq'?: (number | string | Long);
  'changes'?: (_plinth_v1_ObjectState__Input)[];
  'events'?: (_plinth_v1_Event__Input)[];
}

export interface Delta {
  'seq': (number);
  'changes': (_plinth_v1_ObjectState)[];
  'events': (_plinth_v1_Event)[];
}
