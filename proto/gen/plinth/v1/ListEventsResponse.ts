// Original file: proto/plinth/v1/admin.proto

import type { Event__Input as _plinth_v1_Event__Input, Event as _plinth_v1_Event } from '../../plinth/v1/Event.js';

export interface ListEventsResponse__Input {
  'events'?: (_plinth_v1_Event__Input)[];
}

export interface ListEventsResponse {
  'events': (_plinth_v1_Event)[];
}
