// Original file: proto/plinth/v1/agent.proto

import type { Welcome__Input as _plinth_v1_Welcome__Input, Welcome as _plinth_v1_Welcome } from '../../plinth/v1/Welcome.js';
import type { DeltaAck__Input as _plinth_v1_DeltaAck__Input, DeltaAck as _plinth_v1_DeltaAck } from '../../plinth/v1/DeltaAck.js';
import type { Desired__Input as _plinth_v1_Desired__Input, Desired as _plinth_v1_Desired } from '../../plinth/v1/Desired.js';
import type { Command__Input as _plinth_v1_Command__Input, Command as _plinth_v1_Command } from '../../plinth/v1/Command.js';
import type { Resync__Input as _plinth_v1_Resync__Input, Resync as _plinth_v1_Resync } from '../../plinth/v1/Resync.js';

export interface CoordinatorMessage__Input {
  'welcome'?: (_plinth_v1_Welcome__Input | null);
  'deltaAck'?: (_plinth_v1_DeltaAck__Input | null);
  'desired'?: (_plinth_v1_Desired__Input | null);
  'command'?: (_plinth_v1_Command__Input | null);
  'resync'?: (_plinth_v1_Resync__Input | null);
  'body'?: "welcome"|"deltaAck"|"desired"|"command"|"resync";
}

export interface CoordinatorMessage {
  'welcome'?: (_plinth_v1_Welcome | null);
  'deltaAck'?: (_plinth_v1_DeltaAck | null);
  'desired'?: (_plinth_v1_Desired | null);
  'command'?: (_plinth_v1_Command | null);
  'resync'?: (_plinth_v1_Resync | null);
  'body'?: "welcome"|"deltaAck"|"desired"|"command"|"resync";
}
