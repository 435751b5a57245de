import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { call } from '../../coordinator/cli/admin-client.js';
import type { LabAdmin } from '../../lab/admin.js';
import { tail } from '../../lab/host.js';
import { labPaths } from '../../lab/state.js';
import type { Event } from '../../proto/gen/plinth/v1/Event.js';
import { runCliInProcess, type CliRun } from './cli-in-process.js';
import { coordinatorControl, type LabInfo } from './lab.js';
import { waitFor } from './wait.js';

/**
 * What the lab suites (test/e2e/placement, host-loss) and the lab failover bench share:
 * the operator's VM commands run in process, the coordinator's config patched, liveness
 * and event-log reads through the Admin API.
 */

/** The operator's commands in this process (test/harness/cli-in-process.ts), as the lab suites print them. */
export const runVmCli = (args: string[]): Promise<CliRun> => runCliInProcess(args);

/** The lab suites' `vms` section: the lab's VM bridge as network `net`, TCG, fast sweeps and deletes. */
export function labVmsSection(info: LabInfo, net: string): Record<string, unknown> {
  return {
    networks: { [net]: info.vmBridge },
    defaultDomainType: 'qemu',
    reconcileIntervalSeconds: 1,
    deleteTimeoutSeconds: 60,
  };
}

/** Merge top-level sections into the lab coordinator's config and restart it on that. */
export async function patchLabCoordinator(
  ref: { name: string },
  info: LabInfo,
  sections: Record<string, unknown>,
): Promise<void> {
  const f = join(info.dir, 'coordinator', 'coordinator.json');
  const c = JSON.parse(await readFile(f, 'utf8')) as Record<string, unknown>;
  await writeFile(f, JSON.stringify({ ...c, ...sections }, null, 2) + '\n', { mode: 0o600 });
  await coordinatorControl(ref, 'stop');
  // From source (tsx) on a machine also booting another lab, a start can take > 30 s.
  await coordinatorControl(ref, 'start', 90_000);
}

export async function waitAllReady(admin: LabAdmin, timeoutMs = 60_000): Promise<void> {
  await waitFor(
    'every lab host ready and connected',
    async () => (await admin.listHosts()).every((h) => h.state === 'ready' && h.connected),
    { timeoutMs, intervalMs: 500 },
  );
}

/** Flags of the lab's tiny TCG guest for `plinth vm create`. */
export function guestFlags(info: LabInfo): string[] {
  const g = info.guest;
  return [
    ...['--vcpus', '1', '--memory', '64MiB', '--kernel', g.kernel],
    ...['--initrd', g.initrd, '--cmdline', g.cmdline],
  ];
}

export async function lastEventId(admin: LabAdmin): Promise<number> {
  const r = await call(admin.client, admin.target, 'ListEvents', {
    afterId: 0,
    limit: 1,
    hostId: '',
  });
  return Number(r.events.at(-1)?.id ?? 0);
}

/** Every event after `afterId` (> 0), paged, bounded to 20,000. */
export async function eventsSince(admin: LabAdmin, afterId: number, hostId = ''): Promise<Event[]> {
  const out: Event[] = [];
  let after = afterId;
  // afterId 0 means "only new ones" to the API: the cursor must never be 0 here.
  for (let page = 0; page < 20 && after > 0; page++) {
    const r = await call(admin.client, admin.target, 'ListEvents', {
      afterId: after,
      limit: 1000,
      hostId,
    });
    out.push(...r.events);
    if (r.events.length < 1000) break;
    after = Number(r.events.at(-1)!.id);
  }
  return out;
}

/**
 * The ends of the lab coordinator's and agents' logs. Printed when a lab scenario
 * fails: CI removes the lab afterwards, and with it the only record of why.
 */
export function labLogTails(info: LabInfo, chars = 2500): string {
  const parts = [
    `--- coordinator.log\n${tail(join(labPaths(info.dir).coordDir, 'coordinator.log'), chars)}`,
  ];
  for (const h of info.hosts) parts.push(`--- ${h.id} agent.log\n${tail(h.agentLog, chars)}`);
  return parts.join('\n');
}
