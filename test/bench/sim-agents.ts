// Simulates N agents, each with its own certificate and its own mTLS connection,
// speaking the real AgentGateway protocol: Hello with an inventory and a small
// snapshot, heartbeats at the interval the coordinator asks for, redial with the
// agent's own backoff. Prints one JSON line per second on stdout.
import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import * as grpc from '@grpc/grpc-js';
import { backoffDelay } from '../../lib/backoff.js';
import { loadCa, issueCert } from '../../lib/pki.js';
import { loadProto } from '../../lib/proto.js';
import { dialOptions } from '../../lib/tls.js';
import type { AgentMessage__Input } from '../../proto/gen/plinth/v1/AgentMessage.js';
import type { CoordinatorMessage } from '../../proto/gen/plinth/v1/CoordinatorMessage.js';

const [count, address, pkiDir, prefix] = [
  Number(process.argv[2]),
  process.argv[3]!,
  process.argv[4]!,
  process.argv[5] ?? 'sim',
];
const ca = await loadCa(pkiDir);
const caPem = readFileSync(`${pkiDir}/ca.crt`);
const Client = loadProto().plinth.v1.AgentGateway;

let connected = 0;
let welcomes = 0;
let errors = 0;

class SimAgent {
  private attempt = 0;
  private call: grpc.ClientDuplexStream<AgentMessage__Input, CoordinatorMessage> | undefined;
  private client: grpc.Client | undefined;
  private hb: NodeJS.Timeout | undefined;
  private live = false;

  constructor(
    readonly id: string,
    private readonly creds: grpc.ChannelCredentials,
    private readonly options: grpc.ChannelOptions,
  ) {}

  connect(): void {
    this.client = new Client(address, this.creds, {
      ...this.options,
      'grpc.use_local_subchannel_pool': 1,
    });
    const call = (
      this.client as unknown as {
        Connect(): grpc.ClientDuplexStream<AgentMessage__Input, CoordinatorMessage>;
      }
    ).Connect();
    this.call = call;
    call.on('data', (m: CoordinatorMessage) => {
      if (m.welcome) {
        this.attempt = 0;
        this.live = true;
        connected++;
        welcomes++;
        this.hb = setInterval(
          () => call.write({ heartbeat: { lastSeq: 0 } }),
          m.welcome.heartbeatIntervalMs || 2000,
        );
      }
    });
    const gone = () => {
      if (this.call !== call) return;
      this.call = undefined;
      if (this.live) connected--;
      this.live = false;
      errors++;
      clearInterval(this.hb);
      this.client?.close();
      setTimeout(() => this.connect(), backoffDelay(this.attempt++));
    };
    call.on('error', gone);
    call.on('end', gone);
    call.write({
      hello: {
        hostId: this.id,
        version: 'sim',
        incarnation: `inc-${this.id}`,
        appliedGeneration: 0,
        inventory: {
          hostname: this.id,
          cpu: { model: 'Simulated CPU', sockets: 2, cores: 32, threads: 64, flags: ['vmx'] },
          memory: { totalBytes: 512 * 2 ** 30 },
        },
        snapshot: {
          seq: 0,
          objects: [
            { kind: 'driver', id: 'host', dataJson: '{"health":"healthy"}' },
            {
              kind: 'host.link',
              id: 'eth0',
              dataJson: '{"operState":"up","adminUp":true,"mtu":9000}',
            },
          ],
        },
      },
    });
  }
}

const agents: SimAgent[] = [];
for (let i = 0; i < count; i++) {
  const id = `${prefix}-${String(i).padStart(5, '0')}`;
  const cert = await issueCert(ca, { role: 'agent', name: id });
  const tls = {
    ca: caPem,
    cert: Buffer.from(cert.certPem),
    key: Buffer.from(cert.keyPem),
    identity: { role: 'agent' as const, name: id },
  };
  const { creds, options } = dialOptions(tls, address, {});
  agents.push(new SimAgent(id, creds, options));
}
process.stdout.write(JSON.stringify({ certs: count }) + '\n');
// Stagger the first dial over ~2 s, as agents started by a fleet do.
agents.forEach((a, i) => setTimeout(() => a.connect(), (i * 2000) / count));
setInterval(
  () => process.stdout.write(JSON.stringify({ connected, welcomes, errors }) + '\n'),
  1000,
);
process.on('SIGTERM', () => process.exit(0));
