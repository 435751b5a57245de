// Original file: proto/plinth/v1/agent.proto

import type { Hello__Input as _plinth_v1_Hello__Input, Hello as _plinth_v1_Hello } from '../../plinth/v1/Hello.js';
import type { Delta__Input as _plinth_v1_Delta__Input, Delta as _plinth_v1_Delta } from '../../plinth/v1/Delta.js';
import type { Heartbeat__Input as _plinth_v1_Heartbeat__Input, Heartbeat as _plinth_v1_Heartbeat } from '../../plinth/v1/Heartbeat.js';
import type { Ack__Input as _plinth_v1_Ack__Input, Ack as _plinth_v1_Ack } from '../../plinth/v1/Ack.js';
import type { Snapshot__Input as _plinth_v1_Snapshot__Input, Snapshot as _plinth_v1_Snapshot } from '../../plinth/v1/Snapshot.js';
import type { CommandResult__Input as _plinth_v1_CommandResult__Input, CommandResult as _plinth_v1_CommandResult } from '../../plinth/v1/CommandResult.js';

export interface AgentMessage__Input {
  'hello'?: (_plinth_v1_Hello__Input | null);
  'delta'?: (_plinth_v1_Delta__Input | null);
  'heartbeat'?: (_plinth_v1_Heartbeat__Input | null);
  'ack'?: (_plinth_v1_Ack__Input | null);
  'snapshot'?: (_plinth_v1_Snapshot__Input | null);
  'commandResult'?: (_plinth_v1_CommandResult__Input | null);
  'body'?: "hello"|"delta"|"heartbeat"|"ack"|"snapshot"|"commandResult";
}

export interface AgentMessage {
  'hello'?: (_plinth_v1_Hello | null);
  'delta'?: (_plinth_v1_Delta | null);
  'heartbeat'?: (_plinth_v1_Heartbeat | null);
  'ack'?: (_plinth_v1_Ack | null);
  'snapshot'?: (_plinth_v1_Snapshot | null);
  'commandResult'?: (_plinth_v1_CommandResult | null);
  'body'?: "hello"|"delta"|"heartbeat"|"ack"|"snapshot"|"commandResult";
}
