import { createSocket } from 'node:dgram';
import { join } from 'node:path';
import { systemClock } from '../../../agent/host/clock.js';
import { execFile } from '../../../agent/host/exec.js';
import type { Log } from '../../../lib/log.js';
import { silentLog } from '../../../lib/log.js';
import {
  DEFAULT_EVACUATION,
  type EvacuationConfig,
} from '../../../coordinator/evacuation/config.js';
import {
  createEvacuationController,
  type EvacuationController,
} from '../../../coordinator/evacuation/controller.js';
import { metaProgressStore } from '../../../coordinator/evacuation/progress.js';
import { loadOrCreateKeyFile } from '../../../coordinator/fencing/credentials.js';
import { createFencingService, type FencingService } from '../../../coordinator/fencing/service.js';
import type { Coordinator } from '../../../coordinator/coordinator.js';
import type { VmRecord } from '../../../coordinator/vms/types.js';
import { helloFor, rawAgentStream } from '../../harness/raw-agent.js';
import { startTestCoordinator, TestPki } from '../../harness/spine.js';
import { waitFor } from '../../harness/wait.js';
import { fakeDirectory } from '../../unit/evacuation/fakes.js';

/**
 * A real coordinator (real liveness, real store, real fencing service over ipmitool)
 * with hand-driven agents that can fall silent, and an in-memory VM directory in
 * place of the VM service. The evacuation controller is wired to it the way the
 * coordinator will wire it.
 */
export interface FailoverCluster {
  coord: Coordinator;
  fencing: FencingService;
  controller: EvacuationController;
  dir: ReturnType<typeof fakeDirectory>;
  /** Monotonic ms of each relocate call, and the BMC power reading at that moment. */
  relocateCalls: { vm: string; atMs: number; power: string }[];
  /** Stop a host's heartbeats (the stream stays open, like a partition); returns when the last one went out. */
  silence(hostId: string): number;
  /** Monotonic ms of each host's state changes. */
  stateAt(hostId: string, state: string): number | undefined;
  setIpmiBmc(hostId: string, port: number, user: string, password: string): void;
  stop(): Promise<void>;
}

export interface FailoverOptions {
  hosts: string[];
  vms: VmRecord[];
  suspectAfterSeconds?: number;
  downAfterSeconds?: number;
  heartbeatSeconds?: number;
  evacuation?: Partial<EvacuationConfig>;
  fence?: { deadlineMs: number; retries: number; bmcTimeoutMs: number };
  /** Power reading of a host's BMC, sampled when relocate is called. */
  powerOf?: (hostId: string) => Promise<string>;
  log?: Log;
}

export async function startFailoverCluster(o: FailoverOptions): Promise<FailoverCluster> {
  const pki = await TestPki.create('plf-evac-');
  const log = o.log ?? silentLog();
  const hb = (o.heartbeatSeconds ?? 0.2) * 1000;
  const coord = await startTestCoordinator(pki, {
    suspectAfterSeconds: o.suspectAfterSeconds ?? 1,
    downAfterSeconds: o.downAfterSeconds ?? 2,
    heartbeatSeconds: o.heartbeatSeconds ?? 0.2,
    startupGraceSeconds: 0,
    log,
  });
  const states = new Map<string, number>();
  coord.cluster.on('state', (h: string, next: string) => {
    if (!states.has(`${h} ${next}`)) states.set(`${h} ${next}`, performance.now());
  });
  const agents = new Map<string, { close(): void; timer?: NodeJS.Timeout; last: number }>();
  for (const h of o.hosts) {
    const s = await rawAgentStream(await pki.issue('agent', h), coord.port);
    s.send(helloFor(h));
    const a: { close(): void; timer?: NodeJS.Timeout; last: number } = {
      close: s.close,
      last: performance.now(),
    };
    a.timer = setInterval(() => {
      s.send({ heartbeat: { lastSeq: 0 } });
      a.last = performance.now();
    }, hb);
    agents.set(h, a);
  }
  await waitFor('every host ready', () => o.hosts.every((h) => coord.cluster.state(h) === 'ready'));

  const { key } = await loadOrCreateKeyFile(join(pki.dir, 'coordinator', 'bmc.key'));
  const fencing = createFencingService(
    { store: coord.store, cluster: coord.cluster, log, exec: execFile, clock: systemClock, key },
    o.fence ?? { deadlineMs: 10_000, retries: 2, bmcTimeoutMs: 5000 },
  );
  const base = fakeDirectory(o.vms, o.hosts);
  const relocateCalls: FailoverCluster['relocateCalls'] = [];
  const dir: typeof base = {
    ...base,
    async relocate(name, opts) {
      const atMs = performance.now();
      const from = base.vms.get(name)?.hostId ?? '';
      const power = o.powerOf ? await o.powerOf(from) : 'n/a';
      relocateCalls.push({ vm: name, atMs, power });
      return base.relocate(name, opts);
    },
  };
  const controller = createEvacuationController(
    {
      cluster: coord.cluster,
      store: coord.store,
      progress: metaProgressStore(coord.store.db),
      fencing,
      vms: dir,
      log,
      mono: () => performance.now(),
      now: Date.now,
      startupGraceMs: 0,
    },
    { ...DEFAULT_EVACUATION, tickSeconds: 0.2, ...o.evacuation },
  );
  controller.start();

  return {
    coord,
    fencing,
    controller,
    dir,
    relocateCalls,
    silence(h) {
      const a = agents.get(h)!;
      clearInterval(a.timer);
      return a.last;
    },
    stateAt: (h, s) => states.get(`${h} ${s}`),
    setIpmiBmc(hostId, port, user, password) {
      fencing.setBmc(
        { hostId, protocol: 'ipmi', address: `127.0.0.1:${port}`, user, password },
        'test',
      );
    },
    async stop() {
      await controller.stop();
      for (const a of agents.values()) {
        clearInterval(a.timer);
        a.close();
      }
      await coord.stop();
      await pki.cleanup();
    },
  };
}

/** A loopback UDP port with nothing behind it: a BMC that never answers. */
export function deadUdpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createSocket('udp4');
    s.once('error', reject);
    s.bind(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}
