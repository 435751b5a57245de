import type { Command } from 'commander';
import { ErrorCodes, PlinthError } from '../lib/errors.js';
import {
  heal,
  labDown,
  labExecInteractive,
  labStatus,
  labUp,
  partition,
  power,
  type LabInfo,
  type LabProgress,
  type LabStatus,
} from './lab.js';

interface RefOpts {
  name: string;
  dir?: string;
}

const num = (v: string): number => {
  const n = Number(v);
  if (!Number.isFinite(n))
    throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, `${v} is not a number`);
  return n;
};

const out = (s: string) => process.stdout.write(s + '\n');

function progress(json: boolean): (p: LabProgress) => void {
  return (p) => {
    if (json) process.stderr.write(JSON.stringify(p) + '\n');
    else
      out(
        `[${(p.atMs / 1000).toFixed(1).padStart(5)} s] ${p.host ? `${p.host}: ` : ''}${p.message}`,
      );
  };
}

/** What a newcomer types next: exact commands with this lab's paths. */
export function usageText(info: LabInfo): string {
  const n = info.name === 'lab' ? '' : ` --name ${info.name}`;
  const h = info.hosts[0]?.id ?? 'h1';
  return [
    '',
    `The lab is up: coordinator ${info.coordinator} (mTLS), hosts ${info.hosts.map((x) => x.id).join(', ')}.`,
    '',
    'Talk to it with the plinth CLI (either form):',
    `  export PLINTH_CLI_CONFIG=${info.cliConfig}`,
    '  plinth hosts',
    `  plinth hosts --coordinator ${info.coordinator} --ca ${info.ca} --cert ${info.adminCert} --key ${info.adminKey}`,
    '',
    'Then try:',
    `  plinth host show ${h}                       # inventory, drivers, objects`,
    '  plinth events --follow                     # what happens, as it happens',
    `  plinth lab status${n}                         # every host, daemon and agent`,
    `  plinth lab exec ${h}${n} -- virsh list --all     # run anything inside a host`,
    `  plinth lab exec ${h}${n} -- vtysh -c 'show bgp summary'`,
    `  plinth lab partition ${h}${n}  /  plinth lab heal ${h}${n}`,
    `  plinth lab power ${h} off${n}  /  plinth lab power ${h} on${n}   # through its BMC`,
    `  plinth lab down${n}                           # removes everything`,
    '',
    `Guest kernel and initrd for VMs: ${info.guest.kernel}, ${info.guest.initrd} (domain type qemu).`,
    `VM bridge on every host: ${info.vmBridge}; announcements range: ${info.vmNet}.`,
    ...(info.ceph
      ? [`Ceph: mon ${info.ceph.address}, no auth: ceph --conf ${info.ceph.conf} -s`]
      : []),
  ].join('\n');
}

function statusText(s: LabStatus): string {
  const lines = [
    `lab ${s.info.name} (${s.info.dir})`,
    `coordinator ${s.info.coordinator}: ${s.coordinatorPid ? `pid ${s.coordinatorPid}` : 'NOT RUNNING'}${s.coordinatorPid && !s.coordinatorReachable ? ' (not answering)' : ''}`,
    `spine AS ${s.info.spine.asn}: zebra ${s.spine.zebra ?? '-'} bgpd ${s.spine.bgpd ?? '-'}${
      s.spine.sessions
        ? `  sessions ${Object.entries(s.spine.sessions)
            .map(([k, v]) => `${k}=${v}`)
            .join(' ')}`
        : ''
    }`,
    ...(s.ceph
      ? [
          `ceph ${s.info.ceph?.address ?? ''}: mon ${s.ceph.mon ?? 'DOWN'} osd.0 ${s.ceph.osd ?? 'DOWN'} mgr ${s.ceph.mgr ?? 'DOWN'}  (CEPH_CONF=${s.info.ceph?.conf ?? ''})`,
        ]
      : []),
    '',
    ['HOST', 'POWER', 'AT COORD', 'LINKS(m/f/b)', 'PROCS', 'RSS', 'AGENT', 'DAEMONS'].join('\t'),
  ];
  for (const h of s.hosts) {
    const d = h.daemons;
    const names = [
      'virtlogd',
      'libvirtd',
      'ovsdb-server',
      'ovs-vswitchd',
      'zebra',
      'bgpd',
    ] as const;
    const up = (v?: boolean) => (v === undefined ? '?' : v ? 'up' : 'CUT');
    lines.push(
      [
        h.id,
        h.power + (h.bootStatus && h.bootStatus !== 0 ? `(boot failed ${h.bootStatus})` : ''),
        h.coordinator
          ? `${h.coordinator.state} g${h.coordinator.applied}/${h.coordinator.desired}`
          : '-',
        `${up(h.links.mgmt)}/${up(h.links.fabric)}/${up(h.links.bmc)}`,
        String(h.processes),
        `${Math.round(h.rssBytes / 1048576)} MiB`,
        d.agent ? `pid ${d.agent}` : '-',
        names.map((n) => (d[n] ? n : `${n}:DOWN`)).join(' ') + (h.bmcPid ? ' bmc' : ' bmc:DOWN'),
      ].join('\t'),
    );
  }
  return lines.join('\n');
}

/**
 * `plinth lab …`: a real multi-host cluster on this machine (see lab/README.md).
 * Pass main()'s `out` as `exit` so `lab exec` returns the command's exit code.
 */
export function registerLabCommands(program: Command, exit?: { code: number }): void {
  const lab = program
    .command('lab')
    .description('a real multi-host plinth cluster on this machine, in network namespaces (root)');
  const withRef = (c: Command) =>
    c
      .option('--name <name>', 'lab name: namespaces are pl-NAME-*', 'lab')
      .option('--dir <dir>', 'lab directory (default /tmp/plinth-lab-NAME)');

  withRef(lab.command('up'))
    .description('build the lab (or finish building it) and print how to use it')
    .requiredOption('--hosts <n>', 'number of hosts', num)
    .option(
      '--ceph',
      'add a one-host Ceph cluster (mon, 1 OSD, mgr) on the management network; agents get the ceph driver',
    )
    .option(
      '--subnet-index <n>',
      'which 198.19.x.0/24s to use, 0..84 (default: 0 for "lab", else a hash of the name)',
      num,
    )
    .option('--heartbeat <s>', 'agent heartbeat seconds', num)
    .option('--suspect-after <s>', 'coordinator: silence before a host is suspect', num)
    .option('--down-after <s>', 'coordinator: silence before a host is down', num)
    .option('--json', 'print the lab description as JSON at the end (progress goes to stderr)')
    .action(
      async (
        o: RefOpts & {
          hosts: number;
          ceph?: boolean;
          subnetIndex?: number;
          heartbeat?: number;
          suspectAfter?: number;
          downAfter?: number;
          json?: boolean;
        },
      ) => {
        const info = await labUp(
          {
            name: o.name,
            dir: o.dir,
            hosts: o.hosts,
            ceph: o.ceph,
            subnetIndex: o.subnetIndex,
            heartbeatSeconds: o.heartbeat,
            suspectAfterSeconds: o.suspectAfter,
            downAfterSeconds: o.downAfter,
          },
          progress(!!o.json),
        );
        if (o.json) out(JSON.stringify(info, null, 2));
        else out(usageText(info));
      },
    );

  withRef(lab.command('status'))
    .description('each host: power, links, daemons, agent, and its state at the coordinator')
    .option('--json', 'machine-readable output')
    .action(async (o: RefOpts & { json?: boolean }) => {
      const s = await labStatus(o);
      out(o.json ? JSON.stringify(s, null, 2) : statusText(s));
    });

  withRef(lab.command('down'))
    .description('stop every process and remove every namespace, link and file of the lab')
    .action(async (o: RefOpts) => {
      const r = await labDown(o, progress(false));
      out(r.removed ? 'lab removed' : 'nothing left to remove');
    });

  withRef(lab.command('partition <host>'))
    .description("cut the host's management link (BGP and data paths stay up unless --all)")
    .option('--all', 'also cut its fabric link (BGP, data path)')
    .option('--bmc', "cut the host's BMC link instead (fencing then fails)")
    .action(async (host: string, o: RefOpts & { all?: boolean; bmc?: boolean }) => {
      await partition(o, host, o);
      out(
        `${host}: ${o.bmc ? 'BMC' : o.all ? 'management and fabric links' : 'management link'} cut`,
      );
    });

  withRef(lab.command('heal <host>'))
    .description('restore what partition cut')
    .option('--all', 'management and fabric (heal always restores both)')
    .option('--bmc', "restore the host's BMC link")
    .action(async (host: string, o: RefOpts & { all?: boolean; bmc?: boolean }) => {
      await heal(o, host, o);
      out(`${host}: ${o.bmc ? 'BMC link' : 'links'} restored`);
    });

  withRef(lab.command('power <host> <action>'))
    .description('on | off | status, through the host BMC (off kills every process of the host)')
    .option('--wait', 'wait until the host is off / booted')
    .action(async (host: string, action: string, o: RefOpts & { wait?: boolean }) => {
      if (action !== 'on' && action !== 'off' && action !== 'status')
        throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, 'action must be on, off or status');
      const st = await power(o, host, action, { wait: o.wait });
      out(`${host}: chassis power is ${st}`);
    });

  withRef(lab.command('exec <host> <cmd...>'))
    .description(
      'run a command inside a host (its network and mount namespaces): lab exec h1 -- virsh list',
    )
    .action(async (host: string, cmd: string[], o: RefOpts) => {
      const code = await labExecInteractive(o, host, cmd);
      // main() turns `exit.code` into the process exit code; without it, set it here.
      if (exit) exit.code = code;
      else process.exitCode = code;
    });
}
