import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { ErrorCodes, PlinthError, isPlinthError } from '../../lib/errors.js';
import type { Vm } from '../../proto/gen/plinth/v1/Vm.js';
import type { VmPlacementResponse } from '../../proto/gen/plinth/v1/VmPlacementResponse.js';
import { rejectionLines } from '../scheduler/explain.js';
import { when } from './format.js';
import { processIo, withClient, type CliIo, type Connected, type Out } from './vm-cli-io.js';
import { vmCall } from './vm-client.js';
import { registerHostVmCommands } from './vm-host-commands.js';
import {
  parseDuration,
  specFlagsGiven,
  specFromFlags,
  specFromJson,
  vmNameArg,
  type CreateFlags,
} from './vm-flags.js';
import { explainPlacement, parsePlacement, vmShow, vmTable } from './vm-render.js';

const VM_RPC_TIMEOUT_MS = 60_000;
const POLL_MS = 500;
const DEFAULT_WAIT = '5m';

export { processIo, type CliIo } from './vm-cli-io.js';

// No commander default for repeatable flags: it would print "(default: [])" in --help.
const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

/** A Vm as people read it in --json: the spec and placement as objects, not strings. */
export function vmJson(v: Vm | null | undefined): unknown {
  if (!v) return null;
  const { specJson, placementJson, ...rest } = v;
  return {
    ...rest,
    spec: specJson ? (JSON.parse(specJson) as unknown) : null,
    placement: parsePlacement(placementJson) ?? null,
  };
}

interface CreateOptions extends CreateFlags {
  spec?: string;
  wait?: boolean;
  timeout: string;
  explain?: boolean;
  json?: boolean;
}

const CREATE_HELP = `
Sizes: 2GiB, 512MiB, 20G (K/M/G/T and KiB/MiB/GiB/TiB are powers of 1024; a bare
number is MiB for --memory and GiB for a disk). GB/MB are refused as ambiguous.

--disk size=SIZE[,pool=local|CEPHPOOL][,shared][,name=NAME]   (repeat for more disks)
    pool=local is a qcow2 on the host; a Ceph pool is shared storage, so a drain can
    restart the VM elsewhere. Mark a local disk "shared" only if it really is.
--nic network=NET[,mac=52:54:00:..][,announce=198.19.100.5/32]  (repeat for more NICs)
    NET is a network name from the coordinator config; announce is a /32 the VM's
    host announces through BGP.
--group NAME [--policy anti-affinity|affinity] [--scope host|rack] [--soft]
    anti-affinity per host is the default; --soft makes it a preference, not a rule.

When no host fits, nothing runs: the per-host table and every filter that removed
hosts are printed, and the exit code is 1.

Examples:
  plinth vm create web-1 --vcpus 2 --memory 2GiB --disk size=20GiB --nic network=prod
  plinth vm create db-1 --vcpus 8 --memory 32GiB --disk size=100GiB,pool=rbd \\
      --nic network=prod,announce=198.19.100.5/32 --require rack=r1 --wait
  plinth vm create web-2 --vcpus 2 --memory 2GiB --disk 20GiB --nic prod \\
      --group web --policy anti-affinity --scope host --on-host-failure restart-after-fence
  plinth vm create tiny --vcpus 1 --memory 256MiB --kernel /srv/vmlinuz \\
      --initrd /srv/initrd.img --cmdline "console=ttyS0" --nic prod --domain-type qemu
  plinth vm create --spec web-3.json --json
`;

function addSpecOptions(cmd: Command): Command {
  return cmd
    .option('--spec <file>', 'the whole spec as a JSON file (instead of the flags below)')
    .option('--vcpus <n>', 'virtual CPUs')
    .option('--memory <size>', 'memory, e.g. 2GiB or 512MiB')
    .option(
      '--disk <disk>',
      'a disk: size=20GiB[,pool=local|CEPHPOOL][,shared] (repeatable)',
      collect,
    )
    .option('--nic <nic>', 'a NIC: network=NET[,mac=..][,announce=IP/32] (repeatable)', collect)
    .option('--kernel <path>', 'direct kernel boot: kernel image on the host')
    .option('--initrd <path>', 'direct kernel boot: initrd on the host')
    .option('--cmdline <text>', 'direct kernel boot: kernel command line')
    .option('--label <key=value>', 'a label on the VM (repeatable)', collect)
    .option(
      '--require <key=value>',
      'only hosts with this label (repeatable), e.g. rack=r1',
      collect,
    )
    .option(
      '--cpu-feature <flag>',
      'a CPU flag the host must have, e.g. avx2 (repeatable)',
      collect,
    )
    .option('--group <name>', 'placement group')
    .option('--policy <policy>', 'group policy: anti-affinity (default) or affinity')
    .option('--scope <scope>', 'group scope: host (default) or rack')
    .option('--soft', 'the group policy is a preference, not a rule')
    .option('--on-host-failure <policy>', 'keep (default), restart-after-fence or replace')
    .option('--domain-type <type>', 'kvm or qemu (default: the coordinator config, kvm)');
}

type Repeatable = 'disk' | 'nic' | 'label' | 'require' | 'cpuFeature';
/** What commander hands over: a repeatable flag never given is undefined. */
type RawCreateOptions = Omit<CreateOptions, Repeatable> & Partial<Pick<CreateFlags, Repeatable>>;

async function specFrom(name: string | undefined, raw: RawCreateOptions): Promise<unknown> {
  const o: CreateOptions = {
    ...raw,
    disk: raw.disk ?? [],
    nic: raw.nic ?? [],
    label: raw.label ?? [],
    require: raw.require ?? [],
    cpuFeature: raw.cpuFeature ?? [],
  };
  if (o.spec) {
    const given = specFlagsGiven(o);
    if (given.length)
      throw new PlinthError(
        ErrorCodes.INVALID_ARGUMENT,
        `--spec ${o.spec} is the whole spec: drop ${given.join(', ')} (or drop --spec and use flags only)`,
      );
    const text = await readFile(o.spec, 'utf8').catch((e: NodeJS.ErrnoException) => {
      throw new PlinthError(
        ErrorCodes.INVALID_ARGUMENT,
        `cannot read --spec ${o.spec}: ${e.code ?? e.message}`,
      );
    });
    return specFromJson(text, o.spec, name);
  }
  return specFromFlags(name, o);
}

type Goal = 'running' | 'stopped' | 'gone';

function reached(v: Vm, goal: Goal): 'yes' | 'failed' | 'no' {
  if (v.status === 'failed') return 'failed';
  if (goal === 'running' && v.status === 'running') return 'yes';
  if (goal === 'stopped' && v.status === 'stopped') return 'yes';
  return 'no';
}

/**
 * Poll until the VM reaches the goal, fails, or the bound runs out (in time and
 * in polls). Prints each status change. Returns the last record seen.
 */
async function waitForVm(
  c: Connected,
  io: CliIo,
  out: Out,
  name: string,
  goal: Goal,
  timeoutMs: number,
  quiet: boolean,
): Promise<Vm | undefined> {
  const start = io.now();
  const maxPolls = Math.ceil(timeoutMs / POLL_MS) + 1;
  let last = '';
  let vm: Vm | undefined;
  const say = (s: string) => {
    if (!quiet) io.out(`${((io.now() - start) / 1000).toFixed(1).padStart(6)}s  ${s}\n`);
  };
  for (let i = 0; i < maxPolls && io.now() - start <= timeoutMs; i++) {
    try {
      vm = (await vmCall(c.client, c.target, 'GetVm', { name })).vm ?? undefined;
    } catch (e) {
      if (goal === 'gone' && isPlinthError(e) && e.code === ErrorCodes.NOT_FOUND) {
        say(`${name}: deleted`);
        return undefined;
      }
      throw e;
    }
    if (vm) {
      const now = `${vm.status}|${vm.hostId}|${vm.reason}`;
      if (now !== last) {
        last = now;
        say(
          `${name}: ${vm.status}${vm.hostId ? ` on ${vm.hostId}` : ''}${vm.reason ? ` (${vm.reason})` : ''}`,
        );
      }
      const r = reached(vm, goal);
      if (r === 'yes') return vm;
      if (r === 'failed') {
        out.code = 1;
        io.err(
          `plinth: ${name} failed: ${vm.reason || 'no reason given'}; see plinth vm show ${name}\n`,
        );
        return vm;
      }
    }
    await io.sleep(POLL_MS);
  }
  out.code = 1;
  io.err(
    `plinth: ${name} is ${vm ? vm.status : 'unknown'} after ${Math.round(timeoutMs / 1000)} s, not ${goal}; it may still get there: plinth vm show ${name}\n`,
  );
  return vm;
}

/** What create and apply print; sets the exit code on a rejection. */
function reportPlacement(
  io: CliIo,
  out: Out,
  r: VmPlacementResponse,
  o: { json?: boolean; explain?: boolean; wait?: boolean },
  what: string,
): void {
  const placement = parsePlacement(r.placementJson);
  if (!r.ok) out.code = 1;
  if (o.json && !o.wait) {
    io.out(
      JSON.stringify(
        {
          ok: r.ok,
          message: r.message,
          code: r.code || undefined,
          vm: vmJson(r.vm),
          rejection: placement && !r.ok ? rejectionLines(placement.filters, Infinity) : [],
          placement: placement ?? null,
          hostsOmitted: r.hostsOmitted,
        },
        null,
        2,
      ) + '\n',
    );
    return;
  }
  if (o.json) return;
  const name = r.vm?.name ?? what;
  if (!r.ok) {
    if (placement) io.out(explainPlacement(placement, r.hostsOmitted, io.columns()));
    io.err(
      `plinth: ${name} was not placed: ${r.message || 'no host fits'}${r.code ? ` (${r.code})` : ''}\n` +
        (r.vm
          ? `  its record stays as ${r.vm.status}; delete it with: plinth vm delete ${name}\n`
          : '  nothing was created; the table above says why for every host\n'),
    );
    return;
  }
  if (o.explain && placement) io.out(explainPlacement(placement, r.hostsOmitted, io.columns()));
  io.out(
    `${name}: ${r.message || `placed on ${r.vm?.hostId}`}; status ${r.vm?.status ?? '-'}` +
      (o.wait ? '\n' : `\nfollow it with: plinth vm show ${name}   (or add --wait)\n`),
  );
}

export function registerVmCommands(program: Command, out: Out, io: CliIo = processIo): void {
  const vm = program
    .command('vm')
    .description('virtual machines: create, list, show, start, stop, delete');

  addSpecOptions(
    vm
      .command('create [name]')
      .description('place a VM on the best host and start it; prints why when no host fits'),
  )
    .option('--wait', 'wait until it runs (or fails), printing each status change')
    .option('--timeout <duration>', 'how long --wait waits, e.g. 90s or 10m', DEFAULT_WAIT)
    .option('--explain', 'print the per-host table on success too')
    .option('--json', 'machine-readable output')
    .addHelpText('after', CREATE_HELP)
    .action(async (name: string | undefined, o: RawCreateOptions, cmd: Command) => {
      const spec = await specFrom(name, o);
      const timeoutMs = o.wait ? parseDuration(o.timeout, '--timeout') : 0;
      await withClient(cmd, async (c) => {
        const r = await vmCall(
          c.client,
          c.target,
          'CreateVm',
          { specJson: JSON.stringify(spec) },
          VM_RPC_TIMEOUT_MS,
        );
        reportPlacement(io, out, r, o, (spec as { name: string }).name);
        if (!r.ok || !o.wait || !r.vm) return;
        const last = await waitForVm(c, io, out, r.vm.name, 'running', timeoutMs, !!o.json);
        if (o.json)
          io.out(
            JSON.stringify(
              { ok: out.code === 0, message: r.message, vm: vmJson(last ?? r.vm) },
              null,
              2,
            ) + '\n',
          );
      });
    });

  vm.command('list')
    .description('every VM with its status and host')
    .option('--host <id>', 'only VMs on this host')
    .option('--status <status>', 'only VMs in this status (pending, running, failed, ...)')
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nExamples:\n  plinth vm list\n  plinth vm list --host hv-1 --status running\n',
    )
    .action(async (o: { host?: string; status?: string; json?: boolean }, cmd: Command) => {
      const r = await withClient(cmd, (c) =>
        vmCall(c.client, c.target, 'ListVms', { hostId: o.host ?? '', status: o.status ?? '' }),
      );
      if (o.json) return io.out(JSON.stringify(r.vms.map(vmJson), null, 2) + '\n');
      if (r.vms.length === 0) {
        io.out(
          o.host || o.status
            ? 'no VMs match\n'
            : 'no VMs yet: plinth vm create NAME --vcpus 1 --memory 1GiB --disk 10GiB --nic network=NET\n',
        );
        return;
      }
      io.out(vmTable(r.vms, io.now()));
    });

  vm.command('show <name>')
    .description(
      'one VM: where it runs, why there (the host verdict and filter summary), its history',
    )
    .option('--json', 'machine-readable output')
    .action(async (name: string, o: { json?: boolean }, cmd: Command) => {
      const d = await withClient(cmd, (c) =>
        vmCall(c.client, c.target, 'GetVm', { name: vmNameArg(name) }),
      );
      if (o.json)
        return io.out(JSON.stringify({ vm: vmJson(d.vm), history: d.history }, null, 2) + '\n');
      io.out(vmShow(d.vm!, d.history));
    });

  const lifecycle: [string, 'StartVm' | 'StopVm', Goal, string][] = [
    ['start', 'StartVm', 'running', 'start a stopped VM on its host'],
    ['stop', 'StopVm', 'stopped', 'stop a VM (it keeps its host and claim; start brings it back)'],
  ];
  for (const [verb, rpc, goal, description] of lifecycle) {
    vm.command(`${verb} <name>`)
      .description(description)
      .option('--wait', `wait until it is ${goal}, printing each status change`)
      .option('--timeout <duration>', 'how long --wait waits', DEFAULT_WAIT)
      .option('--json', 'machine-readable output')
      .action(
        async (
          name: string,
          o: { wait?: boolean; timeout: string; json?: boolean },
          cmd: Command,
        ) => {
          const vmName = vmNameArg(name);
          const timeoutMs = o.wait ? parseDuration(o.timeout, '--timeout') : 0;
          await withClient(cmd, async (c) => {
            let v: Vm | undefined = await vmCall(
              c.client,
              c.target,
              rpc,
              { name: vmName },
              VM_RPC_TIMEOUT_MS,
            );
            if (!o.json)
              io.out(
                `${vmName}: ${v.status}${v.hostId ? ` on ${v.hostId}` : ''}${o.wait ? '' : `; follow it with: plinth vm show ${vmName}`}\n`,
              );
            if (o.wait) v = (await waitForVm(c, io, out, vmName, goal, timeoutMs, !!o.json)) ?? v;
            if (o.json) io.out(JSON.stringify(vmJson(v), null, 2) + '\n');
          });
        },
      );
  }

  vm.command('delete <name>')
    .description(
      'delete a VM: its domain, ports and announcements go from its host, then its record and claim',
    )
    .option('--wait', 'also confirm afterwards that the record is gone')
    .option(
      '--timeout <duration>',
      'how long to wait for the host to confirm the domain is gone',
      DEFAULT_WAIT,
    )
    .option(
      '--force',
      'forget a VM whose host is down and confirmed off (or that has no host): claim and record go without the host',
    )
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      "\nThe coordinator answers once the VM's host confirms the domain is gone (or its own\ndeadline passes: the VM then stays 'deleting' until the host confirms).\n\n--force is for a VM stuck 'deleting' (or otherwise stranded) on a dead host: it is\nrefused unless the host is down AND fenced (plinth fence HOST --yes, or\nplinth host confirm-off HOST --yes), or the VM has no host.\n",
    )
    .action(
      async (
        name: string,
        o: { wait?: boolean; timeout: string; json?: boolean; force?: boolean },
        cmd: Command,
      ) => {
        const vmName = vmNameArg(name);
        const timeoutMs = parseDuration(o.timeout, '--timeout');
        await withClient(cmd, async (c) => {
          if (o.force) {
            const r = await vmCall(
              c.client,
              c.target,
              'DeleteVm',
              { name: vmName, force: true },
              VM_RPC_TIMEOUT_MS,
            );
            io.out(
              o.json
                ? JSON.stringify(
                    { name: vmName, deleted: true, forced: true, message: r.message },
                    null,
                    2,
                  ) + '\n'
                : `${vmName}: deleted (forced): ${r.message}\n`,
            );
            return;
          }
          await vmCall(c.client, c.target, 'DeleteVm', { name: vmName }, timeoutMs);
          if (o.wait) await waitForVm(c, io, out, vmName, 'gone', timeoutMs, true);
          if (o.json)
            io.out(JSON.stringify({ name: vmName, deleted: out.code === 0 }, null, 2) + '\n');
          else io.out(`${vmName}: deleted\n`);
        });
      },
    );

  registerPlanCommands(program, out, io);
  registerHostVmCommands(program, out, io);
}

function registerPlanCommands(program: Command, out: Out, io: CliIo): void {
  const plan = program
    .command('plan')
    .description('show what a change would do (the per-host table) and print a token to apply it');
  const planVm = plan.command('vm').description('plan a VM change');
  addSpecOptions(
    planVm.command('create [name]').description('plan `plinth vm create` without doing it'),
  )
    .option('--json', 'machine-readable output')
    .addHelpText(
      'after',
      '\nSame flags as `plinth vm create`. Nothing is claimed until `plinth apply TOKEN`;\napply refuses when the cluster changed since the plan.\n\nExample:\n  plinth plan vm create web-1 --vcpus 2 --memory 2GiB --disk 20GiB --nic prod\n  plinth apply <token>\n',
    )
    .action(async (name: string | undefined, o: RawCreateOptions, cmd: Command) => {
      const spec = await specFrom(name, o);
      const r = await withClient(cmd, (c) =>
        vmCall(c.client, c.target, 'PlanVm', { specJson: JSON.stringify(spec) }, VM_RPC_TIMEOUT_MS),
      );
      const placement = parsePlacement(r.placementJson);
      if (!r.ok) out.code = 1;
      if (o.json)
        return io.out(
          JSON.stringify(
            {
              ok: r.ok,
              token: r.token || null,
              expiresMs: Number(r.expiresMs) || null,
              message: r.message,
              rejection: placement && !r.ok ? rejectionLines(placement.filters, Infinity) : [],
              placement: placement ?? null,
              hostsOmitted: r.hostsOmitted,
            },
            null,
            2,
          ) + '\n',
        );
      if (placement) io.out(explainPlacement(placement, r.hostsOmitted, io.columns()));
      else io.out(`${r.message}\n`);
      if (r.ok && r.token)
        io.out(
          `\nplan token: ${r.token}\nvalid until ${when(Number(r.expiresMs))}; apply it with: plinth apply ${r.token}\n`,
        );
      else io.err(`plinth: no host fits ${(spec as { name: string }).name}; nothing to apply\n`);
    });

  program
    .command('apply <token>')
    .description('carry out a plan from `plinth plan`; refused if the cluster changed since')
    .option('--wait', 'wait until the VM runs (or fails)')
    .option('--timeout <duration>', 'how long --wait waits', DEFAULT_WAIT)
    .option('--explain', 'print the per-host table on success too')
    .option('--json', 'machine-readable output')
    .action(
      async (
        token: string,
        o: { wait?: boolean; timeout: string; explain?: boolean; json?: boolean },
        cmd: Command,
      ) => {
        const timeoutMs = o.wait ? parseDuration(o.timeout, '--timeout') : 0;
        await withClient(cmd, async (c) => {
          let r: VmPlacementResponse;
          try {
            r = await vmCall(c.client, c.target, 'ApplyPlan', { token }, VM_RPC_TIMEOUT_MS);
          } catch (e) {
            if (isPlinthError(e) && e.code === ErrorCodes.CONFLICT)
              throw new PlinthError(
                e.code,
                `${e.message}\n  the plan is stale: run the same \`plinth plan vm create ...\` again and apply its new token`,
              );
            if (isPlinthError(e) && e.code === ErrorCodes.NOT_FOUND)
              throw new PlinthError(
                e.code,
                `${e.message}\n  plan tokens expire and work once: run \`plinth plan vm create ...\` again`,
              );
            throw e;
          }
          reportPlacement(io, out, r, o, 'the plan');
          if (!r.ok || !o.wait || !r.vm) return;
          const last = await waitForVm(c, io, out, r.vm.name, 'running', timeoutMs, !!o.json);
          if (o.json)
            io.out(
              JSON.stringify({ ok: out.code === 0, vm: vmJson(last ?? r.vm) }, null, 2) + '\n',
            );
        });
      },
    );
}
