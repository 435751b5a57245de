// Original file: proto/plinth/v1/admin.proto

import type { HostSummary__Input as _plinth_v1_HostSummary__Input, HostSummary as _plinth_v1_HostSummary } from '../../plinth/v1/HostSummary.js';

export interface ListHostsResponse__Input {
  'hosts'?: (_plinth_v1_HostSummary__Input)[];
}

export interface ListHostsResponse {
  'hosts': (_plinth_v1_HostSummary)[];
}
