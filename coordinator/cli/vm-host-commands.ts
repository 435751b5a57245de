import type { Command } from 'commander';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import { call } from './admin-client.js';
import { withClient, type CliIo, type Out } from './vm-cli-io.js';
import { followDrain, vmCall } from './vm-client.js';
import { parseDuration, positiveInt } from './vm-flags.js';
import { drainIncomplete, drainLine, drainSummary } from './vm-render.js';

const MAX_PARALLEL = 64;

interface DrainOptions {
  deadline: string;
  parallel?: string;
  json?: boolean;
}

const DRAIN_HELP = `
Each VM is stopped, then started on another host, when its disks are on shared
storage (Ceph, or disks marked shared). A VM with a local disk is refused with the
reason and stays. Run \`plinth host cordon ID\` first if nothing new should land
meanwhile (drain cordons the host itself).

The exit code is 1 when anything was refused, failed or is left on the host.
Ctrl-C stops following; the drain carries on at the coordinator.

Examples:
  plinth host drain hv-1
  plinth host drain hv-1 --deadline 30m --parallel 2
  plinth host drain hv-1 --json     # one JSON object per line, the result last
`;

/** Prints progress lines and the summary; the exit code says whether the host is empty. */
async function runDrain(
  cmd: Command,
  io: CliIo,
  out: Out,
  id: string,
  o: DrainOptions,
  what: string,
  req: { method: 'DrainHost' } | { method: 'HostMaintenance'; action: 'enter' | 'exit' },
): Promise<void> {
  const deadlineMs = parseDuration(o.deadline, '--deadline');
  const parallel =
    o.parallel === undefined ? 0 : positiveInt(o.parallel, '--parallel', MAX_PARALLEL);
  const start = io.now();
  if (!o.json)
    io.out(`${what} ${id} (deadline ${o.deadline}${parallel ? `, ${parallel} at a time` : ''})\n`);
  const result = await withClient(cmd, (c) =>
    followDrain(
      c.client,
      c.target,
      req.method === 'DrainHost'
        ? { method: 'DrainHost', req: { hostId: id, deadlineMs, parallel } }
        : {
            method: 'HostMaintenance',
            req: { hostId: id, action: req.action, deadlineMs, parallel },
          },
      // The coordinator enforces the deadline; the client allows it a minute to report.
      deadlineMs + 60_000,
      (p) => io.out(o.json ? JSON.stringify({ progress: p }) + '\n' : drainLine(p, start) + '\n'),
    ),
  );
  if (drainIncomplete(result)) out.code = 1;
  io.out(o.json ? JSON.stringify({ result }) + '\n' : drainSummary(result, `${what} done:`));
}

/**
 * `host cordon|uncordon|drain|maintenance`: joins the `host` command operator.ts
 * builds (call after registerOperatorCommands).
 */
export function registerHostVmCommands(program: Command, out: Out, io: CliIo): void {
  // `host` belongs to operator.ts; these subcommands join it (call after registerOperatorCommands).
  const host =
    program.commands.find((c) => c.name() === 'host') ??
    program.command('host').description('one host: show, label, cordon, drain, maintenance');

  for (const [verb, cordoned] of [
    ['cordon', true],
    ['uncordon', false],
  ] as const) {
    host
      .command(`${verb} <id>`)
      .description(
        cordoned
          ? 'nothing new lands on the host; running VMs stay (drain moves them)'
          : 'let new VMs land on the host again',
      )
      .option('--reason <text>', 'why (kept with the host, shown in events)')
      .option('--json', 'machine-readable output')
      .action(async (id: string, o: { reason?: string; json?: boolean }, cmd: Command) => {
        const r = await withClient(cmd, (c) =>
          vmCall(c.client, c.target, 'CordonHost', {
            hostId: id,
            cordoned,
            reason: o.reason ?? '',
          }),
        );
        if (o.json) return io.out(JSON.stringify(r, null, 2) + '\n');
        io.out(
          cordoned
            ? `${r.hostId}: cordoned: no new VMs land on it; its VMs keep running (move them: plinth host drain ${r.hostId})\n`
            : `${r.hostId}: uncordoned: new VMs may land on it again\n`,
        );
      });
  }

  host
    .command('drain <id>')
    .description('move every VM off the host, with live progress')
    .option('--deadline <duration>', 'give up on what has not moved after this long', '10m')
    .option('--parallel <n>', 'VMs moved at the same time (default: the coordinator, 4)')
    .option('--json', 'one JSON object per line: progress, then the result')
    .addHelpText('after', DRAIN_HELP)
    .action(async (id: string, o: DrainOptions, cmd: Command) =>
      runDrain(cmd, io, out, id, o, 'draining', { method: 'DrainHost' }),
    );

  // Entering drains first; --storage-only does the Ceph side alone.
  host
    .command('maintenance <id> <action>')
    .description(
      'enter|exit|status: enter drains the host, then the Ceph side (noout, OSDs); exit reverses it',
    )
    .option('--deadline <duration>', 'how long the drain may take', '10m')
    .option('--parallel <n>', 'VMs moved at the same time')
    .option('--storage-only', 'only the Ceph side (ok-to-stop, noout, OSDs), no drain')
    .option(
      '--timeout <seconds>',
      'status / --storage-only: how long to wait',
      (v) => Number(v),
      900,
    )
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExamples:\n  plinth host maintenance hv-1 enter          # drain, then Ceph noout + stop OSDs\n  plinth host maintenance hv-1 status\n  plinth host maintenance hv-1 exit           # start OSDs, wait for active+clean\n  plinth host maintenance hv-1 enter --storage-only\n',
    )
    .action(
      async (
        id: string,
        action: string,
        o: DrainOptions & { storageOnly?: boolean; timeout: number },
        cmd: Command,
      ) => {
        if (action !== 'enter' && action !== 'exit' && action !== 'status')
          throw new PlinthError(
            ErrorCodes.INVALID_ARGUMENT,
            `maintenance action ${JSON.stringify(action)}: enter, exit or status`,
          );
        if (action === 'status' || o.storageOnly)
          return storageMaintenance(cmd, io, out, id, action, o);
        return runDrain(cmd, io, out, id, o, `maintenance ${action}`, {
          method: 'HostMaintenance',
          action,
        });
      },
    );
}

/** The Ceph side alone, through the agent's ceph.maintenance.* commands. */
async function storageMaintenance(
  cmd: Command,
  io: CliIo,
  out: Out,
  id: string,
  action: string,
  o: { json?: boolean; timeout: number },
): Promise<void> {
  const r = await withClient(cmd, (c) =>
    call(
      c.client,
      c.target,
      'RunCommand',
      {
        hostId: id,
        kind: `ceph.maintenance.${action}`,
        argsJson: '{}',
        timeoutMs: o.timeout * 1000,
      },
      o.timeout * 1000 + 5000,
    ),
  );
  const result = r.resultJson ? (JSON.parse(r.resultJson) as unknown) : null;
  if (!r.ok) out.code = 1;
  if (o.json)
    return io.out(
      JSON.stringify({ ok: r.ok, code: r.code, message: r.message, result }, null, 2) + '\n',
    );
  io.out(
    r.ok
      ? `${id}: storage maintenance ${action}: ${JSON.stringify(result, null, 2)}\n`
      : `${id}: storage maintenance ${action} refused: ${r.message} (${r.code})\n`,
  );
}
