import type { Command } from 'commander';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import { assertName } from '../../lib/names.js';
import type { ConfirmHostOffResponse } from '../../proto/gen/plinth/v1/ConfirmHostOffResponse.js';
import type { EvacuationBrakeRequest__Input } from '../../proto/gen/plinth/v1/EvacuationBrakeRequest.js';
import type { EvacuationBrakeResponse } from '../../proto/gen/plinth/v1/EvacuationBrakeResponse.js';
import type { EvacuationStatusRequest__Input } from '../../proto/gen/plinth/v1/EvacuationStatusRequest.js';
import type { EvacuationStatusResponse } from '../../proto/gen/plinth/v1/EvacuationStatusResponse.js';
import type { GetHostRequest__Input } from '../../proto/gen/plinth/v1/GetHostRequest.js';
import { unaryCaller } from './admin-client.js';
import { age, table } from './format.js';
import { processIo, withClient, type CliIo } from './vm-cli-io.js';

interface EvacuationUnary {
  EvacuationStatus: [EvacuationStatusRequest__Input, EvacuationStatusResponse];
  EvacuationBrake: [EvacuationBrakeRequest__Input, EvacuationBrakeResponse];
  ConfirmHostOff: [GetHostRequest__Input, ConfirmHostOffResponse];
}

const evacCall = unaryCaller<EvacuationUnary>();

function fenceText(h: EvacuationStatusResponse['hosts'][number]): string {
  switch (h.fencePhase) {
    case 'ok':
      return `off (${h.fenceManual ? `confirm-off by ${h.fenceBy}` : `${h.fenceBy}${h.fenceAlreadyOff ? ', was already off' : ''}`}, ${age(Number(h.fenceAgeMs))} ago)`;
    case 'failed':
      return `FAILED ${h.fenceCode} ${age(Number(h.fenceAgeMs))} ago: ${h.fenceMessage}`;
    case 'running':
      return 'fencing now';
    default:
      return 'not fenced';
  }
}

/** `evacuation status` for people: brake, then per lost host its fence and VMs. */
export function evacuationStatusText(s: EvacuationStatusResponse): string {
  const lines = [
    `evacuation:  ${s.enabled ? 'enabled' : 'DISABLED (evacuation.enabled: VMs only wait)'}${s.inStartupGrace ? ', in startup grace (no action yet)' : ''}`,
    `brake:       ${s.brakeEngaged ? `ENGAGED${s.brakeBy ? ` by ${s.brakeBy}` : ''}: ${s.brakeReason}\n             release it: plinth evacuation brake release` : 'released'}`,
    `relocations: ${s.relocationsInLastMinute} in the last minute`,
  ];
  if (s.hosts.length === 0) return lines.join('\n') + '\nno lost hosts\n';
  for (const h of s.hosts) {
    lines.push('', `host ${h.hostId}: ${h.state}, ${fenceText(h)}`);
    if (h.fencePhase === 'failed')
      lines.push(
        `  if the BMC cannot be reached, make sure ${h.hostId} is off by other means, then: plinth host confirm-off ${h.hostId} --yes`,
      );
    const rows = [
      ...h.waiting.map((w) => [
        w.vm,
        w.reason === 'fence-failed' ? 'flagged' : w.reason,
        w.message,
      ]),
      ...h.relocated.map((r) => [r.vm, 'moved', `to ${r.toHost}`]),
    ];
    if (rows.length)
      lines.push(
        table(
          ['  VM', 'STATE', 'DETAIL'],
          rows.map((r) => [`  ${r[0]}`, r[1]!, r[2]!]),
        ).trimEnd(),
      );
    else lines.push('  no VMs');
  }
  return lines.join('\n') + '\n';
}

/**
 * `evacuation status|brake` and `host confirm-off`: the operator's view of and
 * way out of host-loss states. Call after registerOperatorCommands (joins `host`).
 */
export function registerEvacuationCommands(program: Command, io: CliIo = processIo): void {
  const evac = program
    .command('evacuation')
    .description('host loss: what is waiting, fenced, moving; the mass-failure brake');

  evac
    .command('status')
    .description(
      'the brake, every lost host with its fence state, and its VMs (waiting, flagged, moved)',
    )
    .option('--json', 'machine-readable output')
    .action(async (o: { json?: boolean }, cmd: Command) => {
      const s = await withClient(cmd, (c) => evacCall(c.client, c.target, 'EvacuationStatus', {}));
      io.out(o.json ? JSON.stringify(s, null, 2) + '\n' : evacuationStatusText(s));
    });

  evac
    .command('brake <action>')
    .description(
      'hold: no automatic fence or move anywhere until released (no automatic release); release: resume',
    )
    .option('--json', 'machine-readable output')
    .action(async (action: string, o: { json?: boolean }, cmd: Command) => {
      if (action !== 'hold' && action !== 'release')
        throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, `brake ${action}: hold or release`);
      const r = await withClient(cmd, (c) =>
        evacCall(c.client, c.target, 'EvacuationBrake', { action }),
      );
      io.out(
        o.json
          ? JSON.stringify(r, null, 2) + '\n'
          : r.engaged
            ? `brake engaged (${r.reason}): no automatic fence or relocation anywhere until \`plinth evacuation brake release\`\n`
            : 'brake released: lost hosts are fenced and their VMs moved again, at the rate limit\n',
      );
    });

  const host =
    program.commands.find((c) => c.name() === 'host') ??
    program.command('host').description('one host');
  host
    .command('confirm-off <id>')
    .description(
      'state that a down host is powered off (BMC unreachable, cords pulled): its VMs may then start elsewhere',
    )
    .option('--yes', 'you have made sure the host is off: this is your word, not a measurement')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nUse it only when `plinth fence ID --yes` cannot work (the BMC is dead or unreachable)\nand you have made sure, by other means, that the host cannot run anything. If it is\nstill running, its VMs will run twice. Recorded as an event with your name. It holds\nuntil the host comes back.\n',
    )
    .action(async (id: string, o: { yes?: boolean; json?: boolean }, cmd: Command) => {
      const hostId = assertName('hostId', id, 'host id');
      if (!o.yes)
        throw new PlinthError(
          ErrorCodes.INVALID_ARGUMENT,
          `refusing to confirm ${hostId} off without --yes: make sure it is powered off (a VM started elsewhere while it still runs there runs twice), then run plinth host confirm-off ${hostId} --yes`,
        );
      const r = await withClient(cmd, (c) =>
        evacCall(c.client, c.target, 'ConfirmHostOff', { id: hostId }),
      );
      io.out(o.json ? JSON.stringify(r, null, 2) + '\n' : `${r.hostId}: ${r.message}\n`);
    });
}
