import t from 'tap';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Agent } from '../../../agent/agent.js';
import type { Driver, DriverContext } from '../../../agent/drivers/driver.js';
import { TestPki } from '../../harness/spine.js';
import { waitFor } from '../../harness/wait.js';
import {
  lastSeq,
  readOutbox,
  spyDeltas,
  startCoordinatorAt,
  startOfflineAgent,
} from './helpers.js';

/**
 * What the agent observed while cut off reaches the coordinator on reconnect, in
 * order, nothing lost, nothing duplicated — across an agent restart in the middle of
 * the outage. The link is cut by stopping the coordinator; the changes come from a
 * probe driver that emits one event and changes one object per tick.
 */
const HOST = 'ple-outbox';
const pki = await TestPki.create('ple-offline-');
t.teardown(() => pki.cleanup());
const work = await mkdtemp(join(tmpdir(), 'ple-outbox-'));
t.teardown(() => rm(work, { recursive: true, force: true }));
const coordDir = join(work, 'coordinator');
const agentDir = join(work, 'agent');

/** Ticks survive agent restarts (they are the "world" the probe observes). */
const world = { n: 0 };
function probe(ctx: (name: string) => DriverContext): Driver[] {
  const c = ctx('probe');
  const d: Driver & { tick(): void } = {
    name: 'probe',
    health: () => Promise.resolve({ status: 'healthy' }),
    observe: () =>
      Promise.resolve({ objects: [{ kind: 'probe.counter', id: 'c', data: { n: world.n } }] }),
    tick() {
      world.n++;
      c.emit({
        type: 'probe.tick',
        severity: 'info',
        message: `tick ${world.n}`,
        data: { n: world.n },
      });
    },
  };
  ticker = () => d.tick();
  return [d];
}
let ticker: () => void = () => undefined;

async function tickAndRecord(): Promise<void> {
  const before = lastSeq(agentDir);
  ticker();
  await waitFor('the tick recorded in the outbox', () => lastSeq(agentDir) > before, {
    timeoutMs: 5000,
    intervalMs: 20,
  });
}

let coord = await startCoordinatorAt(pki, coordDir);
const port = coord.port;
let agent: Agent | undefined = await startOfflineAgent(pki, {
  hostId: HOST,
  port,
  dataDir: agentDir,
  drivers: probe,
});
t.teardown(async () => {
  await agent?.stop();
  await coord.stop();
});

t.test('cut off, restarted, reconnected: the outbox arrives in order, once', async (t) => {
  await waitFor('connected', () => agent!.streamState() === 'connected', { timeoutMs: 10_000 });
  for (let i = 0; i < 3; i++) await tickAndRecord();
  await waitFor('the live ticks acknowledged', () => readOutbox(agentDir).length === 0, {
    timeoutMs: 10_000,
  });
  const eventsBefore = coord.store
    .listEvents(0, 10_000, HOST)
    .filter((e) => e.type === 'probe.tick');
  t.same(
    eventsBefore.map((e) => e.data?.n),
    [1, 2, 3],
    'live ticks arrived',
  );

  await coord.stop();
  await waitFor('the agent sees the link gone', () => agent!.streamState() !== 'connected', {
    timeoutMs: 10_000,
  });
  for (let i = 0; i < 10; i++) await tickAndRecord();
  // Restart the agent while still cut off: the outbox is on disk, not in memory.
  await agent!.stop();
  agent = undefined;
  agent = await startOfflineAgent(pki, { hostId: HOST, port, dataDir: agentDir, drivers: probe });
  for (let i = 0; i < 10; i++) await tickAndRecord();

  const record = readOutbox(agentDir);
  const ticks = record.flatMap((r) => r.events.filter((e) => e.type === 'probe.tick'));
  t.same(
    ticks.map((e) => e.data?.n),
    Array.from({ length: 20 }, (_, i) => i + 4),
    'the agent recorded every tick made while cut off',
  );
  const seqs = record.map((r) => r.seq);
  t.same(
    seqs,
    Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i),
    'the outbox is gap-free',
  );

  coord = await startCoordinatorAt(pki, coordDir, port);
  const committed = spyDeltas(coord, HOST);
  await waitFor('the outbox drained', () => readOutbox(agentDir).length === 0, {
    timeoutMs: 20_000,
    intervalMs: 100,
  });
  t.same(
    committed,
    seqs,
    'the coordinator committed exactly the agent’s seqs, in order, once each',
  );
  t.equal(coord.store.requireHost(HOST).ackedSeq, seqs.at(-1), 'acked up to the last seq');
  const events = coord.store.listEvents(0, 10_000, HOST).filter((e) => e.type === 'probe.tick');
  t.same(
    events.map((e) => e.data?.n),
    Array.from({ length: 23 }, (_, i) => i + 1),
    'the coordinator’s event log has every tick, in order, no duplicates',
  );
  const obj = coord.store.objects(HOST).find((o) => o.kind === 'probe.counter');
  t.same(obj?.data, { n: 23 }, 'the object state is the latest');

  // A reconnect with nothing new sends nothing again.
  await coord.stop();
  coord = await startCoordinatorAt(pki, coordDir, port);
  const again = spyDeltas(coord, HOST);
  await waitFor('reconnected', () => agent!.streamState() === 'connected', { timeoutMs: 15_000 });
  await tickAndRecord();
  await waitFor('acked', () => readOutbox(agentDir).length === 0, { timeoutMs: 10_000 });
  t.same(again, [seqs.at(-1)! + 1], 'only the new delta');
  t.equal(
    coord.store.listEvents(0, 10_000, HOST).filter((e) => e.type === 'probe.tick').length,
    24,
  );
});
