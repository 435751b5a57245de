import { join } from 'node:path';
import Database from 'better-sqlite3';
import { pino } from 'pino';
import { createAgent, type Agent, type AgentDeps } from '../../../agent/agent.js';
import { parseAgentConfig } from '../../../agent/config.js';
import { systemClock } from '../../../agent/host/clock.js';
import { execFile } from '../../../agent/host/exec.js';
import type { Coordinator } from '../../../coordinator/coordinator.js';
import type { JsonObject } from '../../../lib/json.js';
import { silentLog, type Log } from '../../../lib/log.js';
import { loadTls } from '../../../lib/tls.js';
import { startTestCoordinator, type TestPki } from '../../harness/spine.js';

/** An agent whose data dir survives stop(): start it again to simulate a restart. */
export async function startOfflineAgent(
  pki: TestPki,
  o: {
    hostId: string;
    port: number;
    dataDir: string;
    drivers?: AgentDeps['drivers'];
    config?: Record<string, unknown>;
    log?: Log;
  },
): Promise<Agent> {
  const tls = await pki.issue('agent', o.hostId);
  const config = parseAgentConfig({
    dataDir: o.dataDir,
    coordinator: { address: `127.0.0.1:${o.port}` },
    tls,
    metrics: { enabled: false },
    heartbeatSeconds: 0.5,
    helloTimeoutSeconds: 3,
    ...o.config,
  });
  const agent = createAgent(
    {
      // PLE_DEBUG=1 shows the agent's log when a test needs explaining.
      log:
        o.log ??
        (process.env.PLE_DEBUG ? pino({ level: 'debug' }, pino.destination(2)) : silentLog()),
      exec: execFile,
      clock: systemClock,
      tls: await loadTls(tls, 'agent'),
      ...(o.drivers ? { drivers: o.drivers } : {}),
    },
    config,
  );
  await agent.start();
  return agent;
}

/** A coordinator on a fixed port and data dir, so it can be stopped and started again. */
export async function startCoordinatorAt(
  pki: TestPki,
  dataDir: string,
  port = 0,
): Promise<Coordinator> {
  return startTestCoordinator(pki, {
    dataDir,
    listen: `127.0.0.1:${port}`,
    // Hosts that reconnect within this window are not marked down by a restart.
    startupGraceSeconds: 5,
  });
}

export interface OutboxRow {
  seq: number;
  changes: { kind: string; id: string; data?: JsonObject; deleted?: boolean }[];
  events: { type: string; data?: JsonObject }[];
}

/** The agent's own record: its outbox, read from its SQLite file by a second (read-only) connection. */
export function readOutbox(dataDir: string): OutboxRow[] {
  const db = new Database(join(dataDir, 'agent.db'), { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare('SELECT seq, body FROM outbox ORDER BY seq').all() as {
      seq: number;
      body: string;
    }[];
    return rows.map((r) => ({ seq: r.seq, ...(JSON.parse(r.body) as Omit<OutboxRow, 'seq'>) }));
  } finally {
    db.close();
  }
}

export function lastSeq(dataDir: string): number {
  const db = new Database(join(dataDir, 'agent.db'), { readonly: true, fileMustExist: true });
  try {
    const r = db.prepare("SELECT value FROM meta WHERE key = 'last_seq'").get() as
      { value: string } | undefined;
    return Number(r?.value ?? 0);
  } finally {
    db.close();
  }
}

/** Record every delta seq the coordinator commits for `hostId`, in the order it commits them. */
export function spyDeltas(coord: Coordinator, hostId: string): number[] {
  const seqs: number[] = [];
  const store = coord.store;
  const orig = store.recordDelta.bind(store);
  store.recordDelta = (h, seq, stateSeq, changes, events) => {
    const out = orig(h, seq, stateSeq, changes, events);
    if (h === hostId) seqs.push(seq);
    return out;
  };
  return seqs;
}
