import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import * as grpc from '@grpc/grpc-js';
import { createAgent, type Agent } from '../../agent/agent.js';
import { parseAgentConfig } from '../../agent/config.js';
import type { Driver } from '../../agent/drivers/driver.js';
import { systemClock } from '../../agent/host/clock.js';
import { execFile } from '../../agent/host/exec.js';
import { silentLog, type Log } from '../../lib/log.js';
import { initCa, issueToDir, type Role } from '../../lib/pki.js';
import { channelOptions, loadProto } from '../../lib/proto.js';
import { dialOptions, loadTls } from '../../lib/tls.js';
import type { AdminClient } from '../../proto/gen/plinth/v1/Admin.js';
import { parseCoordinatorConfig } from '../../coordinator/config.js';
import { createCoordinator, type Coordinator } from '../../coordinator/coordinator.js';
import { call, type AdminUnary, type CliTarget } from '../../coordinator/cli/admin-client.js';

export const REPO = new URL('../..', import.meta.url).pathname.replace(/\/$/, '');

/** A temp dir with a CA; issue role certificates on demand. */
export class TestPki {
  private constructor(readonly dir: string) {}

  static async create(prefix = 'plt-spine-'): Promise<TestPki> {
    const dir = await mkdtemp(join(tmpdir(), prefix));
    await initCa(join(dir, 'pki'));
    return new TestPki(dir);
  }

  get pkiDir(): string {
    return join(this.dir, 'pki');
  }

  get ca(): string {
    return join(this.pkiDir, 'ca.crt');
  }

  async issue(
    role: Role,
    name: string,
    ips: string[] = [],
  ): Promise<{ ca: string; cert: string; key: string }> {
    const r = await issueToDir(this.pkiDir, { role, name, ips });
    return { ca: this.ca, cert: r.cert, key: r.key };
  }

  async cleanup(): Promise<void> {
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A logger that keeps lines in memory, for asserting on what was logged. */
export function memoryLog(): { log: Log; lines: string[] } {
  const lines: string[] = [];
  const log = pino({ level: 'debug' }, { write: (s: string) => void lines.push(s) });
  return { log, lines };
}

export interface CoordinatorOptions {
  dataDir?: string;
  listen?: string;
  suspectAfterSeconds?: number;
  downAfterSeconds?: number;
  startupGraceSeconds?: number;
  heartbeatSeconds?: number;
  log?: Log;
  ips?: string[];
}

export async function startTestCoordinator(
  pki: TestPki,
  o: CoordinatorOptions = {},
): Promise<Coordinator> {
  const tls = await pki.issue('coordinator', 'coordinator', o.ips ?? []);
  const config = parseCoordinatorConfig({
    dataDir: o.dataDir ?? join(pki.dir, 'coordinator'),
    listen: o.listen ?? '127.0.0.1:0',
    tls,
    metrics: { listen: '127.0.0.1:0' },
    heartbeatSeconds: o.heartbeatSeconds ?? 0.5,
    suspectAfterSeconds: o.suspectAfterSeconds ?? 2,
    downAfterSeconds: o.downAfterSeconds ?? 4,
    startupGraceSeconds: o.startupGraceSeconds ?? 0,
  });
  const c = createCoordinator(
    { log: o.log ?? silentLog(), tls: await loadTls(tls, 'coordinator') },
    config,
  );
  await c.start();
  return c;
}

export interface AgentOptions {
  hostId: string;
  coordinatorPort: number;
  dataDir?: string;
  drivers?: Driver[];
  /** Agent config fragment merged over the defaults (drivers section etc.). */
  config?: Record<string, unknown>;
  log?: Log;
}

export async function startTestAgent(pki: TestPki, o: AgentOptions): Promise<Agent> {
  const tls = await pki.issue('agent', o.hostId);
  const config = parseAgentConfig({
    dataDir: o.dataDir ?? join(pki.dir, `agent-${o.hostId}`),
    coordinator: { address: `127.0.0.1:${o.coordinatorPort}` },
    tls,
    metrics: { listen: '127.0.0.1:0' },
    heartbeatSeconds: 0.5,
    ...o.config,
  });
  const agent = createAgent(
    {
      log: o.log ?? silentLog(),
      exec: execFile,
      clock: systemClock,
      tls: await loadTls(tls, 'agent'),
      drivers: o.drivers,
    },
    config,
  );
  await agent.start();
  return agent;
}

export interface TestAdmin {
  client: AdminClient;
  target: CliTarget;
  call<M extends keyof AdminUnary>(
    method: M,
    req: AdminUnary[M][0],
    timeoutMs?: number,
  ): Promise<AdminUnary[M][1]>;
  close(): void;
}

export async function testAdmin(
  pki: TestPki,
  port: number,
  host = '127.0.0.1',
): Promise<TestAdmin> {
  const files = await pki.issue('admin', 'tester');
  const target: CliTarget = { coordinator: `${host}:${port}`, ...files, source: 'test' };
  const tls = await loadTls(files, 'admin');
  const { creds, options } = dialOptions(tls, target.coordinator, channelOptions);
  const client = new (loadProto().plinth.v1.Admin)(
    target.coordinator,
    creds,
    options,
  ) as unknown as AdminClient;
  return {
    client,
    target,
    call: (m, req, t) => call(client, target, m, req, t),
    close: () => client.close(),
  };
}

/** Spawn the plinth CLI from source as a real child process. */
export function spawnPlinth(args: string[], env: NodeJS.ProcessEnv = {}): ChildProcess {
  return spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'test/harness/plinth-cli.ts'), ...args],
    {
      cwd: REPO,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
}

/** Run the CLI to completion; bounded. */
export async function runPlinth(
  args: string[],
  opts: { timeoutMs?: number; env?: NodeJS.ProcessEnv; cwd?: string } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(REPO, 'test/harness/plinth-cli.ts'), ...args],
    {
      cwd: opts.cwd ?? REPO,
      env: { ...process.env, ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
  const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
  clearTimeout(timer);
  return { code, stdout, stderr };
}

export async function writeJson(path: string, v: unknown): Promise<void> {
  await writeFile(path, JSON.stringify(v, null, 2));
}

export { grpc };
