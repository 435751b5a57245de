import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../lib/proto.js';
import { dialOptions, loadTls } from '../../lib/tls.js';
import type { AgentMessage__Input } from '../../proto/gen/plinth/v1/AgentMessage.js';
import type { CoordinatorMessage } from '../../proto/gen/plinth/v1/CoordinatorMessage.js';

/**
 * A hand-driven AgentGateway client: sends exactly what a test tells it to,
 * including things a real agent never would.
 */
export async function rawAgentStream(
  files: { ca: string; cert: string; key: string },
  port: number,
  role: 'agent' | 'admin' = 'agent',
) {
  const tls = await loadTls(files, role);
  const address = `127.0.0.1:${port}`;
  const { creds, options } = dialOptions(tls, address, {
    'grpc.max_send_message_length': 64 * 1024 * 1024,
  });
  const Client = loadProto().plinth.v1.AgentGateway;
  const client = new Client(address, creds, options);
  const call = client.Connect();
  const received: CoordinatorMessage[] = [];
  const ended = new Promise<grpc.ServiceError | null>((resolve) => {
    call.on('error', (e: grpc.ServiceError) => resolve(e));
    call.on('end', () => resolve(null));
  });
  call.on('data', (m: CoordinatorMessage) => received.push(m));
  return {
    send: (m: AgentMessage__Input) => call.write(m),
    received,
    ended,
    close: () => {
      call.cancel();
      client.close();
    },
  };
}

/** A stream that sends raw bytes as the request message (not valid protobuf). */
export async function rawBytesStream(
  files: { ca: string; cert: string; key: string },
  port: number,
  bytes: Buffer,
): Promise<grpc.ServiceError | null> {
  const tls = await loadTls(files, 'agent');
  const address = `127.0.0.1:${port}`;
  const { creds, options } = dialOptions(tls, address, {});
  const client = new grpc.Client(address, creds, options);
  const call = client.makeBidiStreamRequest(
    '/plinth.v1.AgentGateway/Connect',
    (b: Buffer) => b,
    (b: Buffer) => b,
  );
  const ended = new Promise<grpc.ServiceError | null>((resolve) => {
    call.on('error', (e: grpc.ServiceError) => resolve(e));
    call.on('end', () => resolve(null));
    call.on('data', () => undefined);
  });
  call.write(bytes);
  const timer = setTimeout(() => call.cancel(), 10_000);
  const r = await ended;
  clearTimeout(timer);
  client.close();
  return r;
}

export function helloFor(
  hostId: string,
  extra: Partial<AgentMessage__Input['hello']> = {},
): AgentMessage__Input {
  return {
    hello: {
      hostId,
      version: 'test',
      incarnation: 'inc-1',
      appliedGeneration: 0,
      snapshot: { seq: 0, objects: [] },
      ...extra,
    },
  };
}
