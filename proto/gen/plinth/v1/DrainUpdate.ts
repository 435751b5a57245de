// Original file: proto/plinth/v1/admin.proto

import type { DrainProgress__Input as _plinth_v1_DrainProgress__Input, DrainProgress as _plinth_v1_DrainProgress } from '../../plinth/v1/DrainProgress.js';
import type { DrainResult__Input as _plinth_v1_DrainResult__Input, DrainResult as _plinth_v1_DrainResult } from '../../plinth/v1/DrainResult.js';

export interface DrainUpdate__Input {
  'progress'?: (_plinth_v1_DrainProgress__Input | null);
  'result'?: (_plinth_v1_DrainResult__Input | null);
  'update'?: "progress"|"result";
}

export interface DrainUpdate {
  'progress'?: (_plinth_v1_DrainProgress | null);
  'result'?: (_plinth_v1_DrainResult | null);
  'update'?: "progress"|"result";
}
