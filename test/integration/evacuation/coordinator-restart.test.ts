import t from 'tap';
import { join } from 'node:path';
import { silentLog } from '../../../lib/log.js';
import type { Agent } from '../../../agent/agent.js';
import { DEFAULT_EVACUATION } from '../../../coordinator/evacuation/config.js';
import { createEvacuationController } from '../../../coordinator/evacuation/controller.js';
import { metaProgressStore } from '../../../coordinator/evacuation/progress.js';
import { fakeDriver } from '../../harness/fake-driver.js';
import { startTestAgent, startTestCoordinator, TestPki } from '../../harness/spine.js';
import { sleep, waitFor } from '../../harness/wait.js';
import { fakeDirectory, okFence, vmRecord } from '../../unit/evacuation/fakes.js';

/**
 * A coordinator restart never marks healthy hosts down and never evacuates: real
 * agents redial (their backoff is capped at 5 s) well inside the startup grace, and
 * the controller takes no action until the grace has passed. Liveness after the
 * restart is shorter than the redial time (down after 0.8 s) so a missing grace shows.
 */
const pki = await TestPki.create('plf-evac-restart-');
t.teardown(() => pki.cleanup());
const dataDir = join(pki.dir, 'coordinator');
const hosts = ['r1', 'r2', 'r3'];
const first = await startTestCoordinator(pki, {
  dataDir,
  suspectAfterSeconds: 1,
  downAfterSeconds: 2,
  heartbeatSeconds: 0.2,
});
const port = first.port;
const agents: Agent[] = [];
t.teardown(async () => {
  for (const a of agents) await a.stop();
});
for (const h of hosts)
  agents.push(
    await startTestAgent(pki, { hostId: h, coordinatorPort: port, drivers: [fakeDriver().driver] }),
  );
await waitFor('agents ready', () => hosts.every((h) => first.cluster.state(h) === 'ready'));
await first.stop();
await sleep(4000);

const GRACE_S = 8;
const second = await startTestCoordinator(pki, {
  dataDir,
  listen: `127.0.0.1:${port}`,
  suspectAfterSeconds: 0.5,
  downAfterSeconds: 0.8,
  heartbeatSeconds: 0.2,
  startupGraceSeconds: GRACE_S,
});
t.teardown(() => second.stop());
const seen: string[] = [];
second.cluster.on('state', (h: string, next: string) => seen.push(`${h} ${next}`));
const dir = fakeDirectory(
  hosts.map((h) => vmRecord(`vm-${h}`, h, 'restart-after-fence')),
  hosts,
);
const fences: string[] = [];
const ctl = createEvacuationController(
  {
    cluster: second.cluster,
    store: second.store,
    progress: metaProgressStore(second.store.db),
    fencing: {
      fenceHost: async (h) => {
        fences.push(h);
        return okFence();
      },
    },
    vms: dir,
    log: silentLog(),
    mono: () => performance.now(),
    now: Date.now,
    startupGraceMs: GRACE_S * 1000,
  },
  { ...DEFAULT_EVACUATION, tickSeconds: 0.2 },
);
ctl.start();
t.teardown(() => ctl.stop());

t.test('restart: agents back inside the grace, nothing down, nothing done', async (t) => {
  const t0 = performance.now();
  await waitFor('agents back', () => hosts.every((h) => second.cluster.state(h) === 'ready'), {
    timeoutMs: 15_000,
  });
  const back = performance.now() - t0;
  t.ok(back < GRACE_S * 1000, `every agent redialled in ${Math.round(back)} ms, inside the grace`);
  // Past the grace plus the down timeout: a host wrongly counted silent would be down now.
  await sleep(Math.max(0, GRACE_S * 1000 + 2500 - (performance.now() - t0)));
  t.same(
    seen.filter((s) => !s.endsWith('ready')),
    [],
    'no host was ever suspect or down after the restart',
  );
  t.same(fences, [], 'nothing fenced');
  t.equal(dir.relocations(), 0, 'nothing relocated');
  t.equal(ctl.status().brake.engaged, false, 'no brake');
});
