import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import type { ProtoGrpcType as AgentProto } from '../proto/gen/agent.js';
import type { ProtoGrpcType as AdminProto } from '../proto/gen/admin.js';

/** Hard bounds on every message, both directions, both ends. */
export const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** One object's JSON payload; larger objects are refused at the edge. */
export const MAX_OBJECT_JSON_BYTES = 256 * 1024;

function protoRoot(): string {
  // Works from the source tree (lib/) and the compiled one (dist/lib/).
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'proto', 'plinth', 'v1', 'agent.proto'))) return join(dir, 'proto');
    dir = dirname(dir);
  }
  throw new Error('proto/plinth/v1/agent.proto not found next to the plinth installation');
}

type Loaded = AgentProto & AdminProto;
let cached: Loaded | undefined;
let cachedAgent: AgentProto | undefined;

/** Options match scripts/gen-proto.mjs. */
function load(files: string[]): grpc.GrpcObject {
  const def = protoLoader.loadSync(files, {
    includeDirs: [protoRoot()],
    keepCase: false,
    longs: Number,
    enums: String,
    defaults: true,
    oneofs: true,
  });
  return grpc.loadPackageDefinition(def);
}

/** One loadSync for both services (coordinator, CLI). */
export function loadProto(): Loaded {
  cached ??= load(['plinth/v1/agent.proto', 'plinth/v1/admin.proto']) as unknown as Loaded;
  return cached;
}

/**
 * AgentGateway alone, for the agent: it never calls Admin, and the descriptors of a
 * service it does not use would stay in its heap. In a process that already loaded
 * everything (`plinth up`), the full set is reused rather than loaded twice.
 */
export function loadAgentProto(): AgentProto {
  cachedAgent ??= cached ?? (load(['plinth/v1/agent.proto']) as unknown as AgentProto);
  return cachedAgent;
}

export const channelOptions: grpc.ChannelOptions = {
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  // Detect a dead peer (cable pulled, host frozen) at the transport level too.
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
};

export const serverOptions: grpc.ServerOptions = {
  'grpc.max_send_message_length': MAX_MESSAGE_BYTES,
  'grpc.max_receive_message_length': MAX_MESSAGE_BYTES,
  'grpc.keepalive_time_ms': 10_000,
  'grpc.keepalive_timeout_ms': 5_000,
  'grpc.http2.min_ping_interval_without_data_ms': 5_000,
  'grpc.keepalive_permit_without_calls': 1,
};
