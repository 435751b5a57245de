import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command, CommanderError } from 'commander';
import type { CliIo } from '../../coordinator/cli/vm-cli-io.js';
import { registerVmCommands } from '../../coordinator/cli/vm-commands.js';
import { call } from '../../coordinator/cli/admin-client.js';
import { isPlinthError } from '../../lib/errors.js';
import type { LabAdmin } from '../../lab/admin.js';
import { tail } from '../../lab/host.js';
import { labPaths } from '../../lab/state.js';
import type { Event } from '../../proto/gen/plinth/v1/Event.js';
import { coordinatorControl, type LabInfo } from './lab.js';
import { waitFor } from './wait.js';

/**
 * What the lab suites (test/e2e/placement, host-loss) and the lab failover bench share:
 * the operator's VM commands run in process, the coordinator's config patched, liveness
 * and event-log reads through the Admin API.
 */

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** One line on success, else the command, its exit code and its output (for messages). */
  text: string;
}

/**
 * The real `plinth` VM commands (the same commander tree, argv, actions and output), run
 * in this process: spawning the CLI from source costs 2-15 s per call on a loaded 2-core
 * machine. `runPlinth` (a real child process) stays where the process itself matters.
 */
export async function runVmCli(args: string[]): Promise<CliRun> {
  const out = { code: 0 };
  let stdout = '';
  let stderr = '';
  const io: CliIo = {
    out: (s) => void (stdout += s),
    err: (s) => void (stderr += s),
    now: Date.now,
    sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
    columns: () => 160,
  };
  const program = new Command('plinth')
    .option('--cli-config <file>')
    .exitOverride()
    .configureOutput({ writeOut: (s) => void (stdout += s), writeErr: (s) => void (stderr += s) });
  registerVmCommands(program, out, io);
  let code: number;
  try {
    await program.parseAsync(['node', 'plinth', ...args]);
    code = out.code;
  } catch (e) {
    // As coordinator/cli/main.ts maps them.
    if (e instanceof CommanderError) code = e.exitCode;
    else if (isPlinthError(e)) {
      stderr += `plinth: ${e.message}\n  (${e.code})\n`;
      code = e.code === 'PLINTH_E_INVALID_ARGUMENT' || e.code === 'PLINTH_E_CONFIG' ? 2 : 1;
    } else {
      stderr += `plinth: ${(e as Error).stack ?? String(e)}\n`;
      code = 1;
    }
  }
  const head = `plinth ${args.slice(0, 3).join(' ')}`;
  const text = code === 0 ? head : `${head} -> ${code}\n${stdout.slice(-3000)}\n${stderr}`;
  return { code, stdout, stderr, text };
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
