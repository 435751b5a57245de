import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, openSync, closeSync, readFileSync } from 'node:fs';
import { chmod, chown, cp, mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BMC_PORT, BMC_USER, type HostLayout, type LabLayout } from './layout.js';
import {
  LAB_SENSORS,
  chassisControlText,
  emuText,
  labFru,
  lanConfText,
  rawReading,
  sdrsText,
} from './bmc-sim.js';
import { INIT_PL, bootScript, powerOffScript, powerOnScript } from './host-scripts.js';
import { alive, netnsPids, readPid, run, waitUntil } from './sys.js';

const OVS_SCHEMA = '/usr/share/openvswitch/vswitch.ovsschema';

export interface HostFileInput {
  layout: LabLayout;
  host: HostLayout;
  node: string;
  plinth: string[];
  imagesDir: string;
  pki: { ca: string; cert: string; key: string };
  versions: { ovs: string; db: string };
  frr: { uid: number; gid: number };
  /** With `--ceph`: the cluster's ceph.conf, for the agents' ceph driver. */
  cephConf?: string;
}

export function bmcPasswordFile(h: HostLayout): string {
  return join(h.dir, 'bmc', 'password');
}

/** Write everything a host needs once (configs, scripts, databases, BMC files); keeps what exists. */
export async function ensureHostFiles(i: HostFileInput): Promise<void> {
  const h = i.host;
  const d = h.dir;
  for (const sub of [
    'log',
    'agent',
    'images',
    'ovs',
    'libvirt/lib',
    'libvirt/cache',
    'libvirt/log/qemu',
    'bmc/sensors',
  ])
    await mkdir(join(d, sub), { recursive: true, mode: 0o755 });
  await chmod(d, 0o755);
  await mkdir(join(d, 'log', 'frr'), { recursive: true, mode: 0o755 });
  await chown(join(d, 'log', 'frr'), i.frr.uid, i.frr.gid);

  if (!existsSync(join(d, 'libvirt', 'etc'))) {
    // A private /etc/libvirt: persistent domain XML of this host lives there.
    await cp('/etc/libvirt', join(d, 'libvirt', 'etc'), { recursive: true });
    await rm(join(d, 'libvirt', 'etc', 'qemu', 'networks', 'autostart'), {
      recursive: true,
      force: true,
    });
    await mkdir(join(d, 'libvirt', 'etc', 'qemu', 'networks', 'autostart'), { recursive: true });
    for (const f of await readdir(join(d, 'libvirt', 'etc', 'qemu')).catch(() => [] as string[]))
      if (f.endsWith('.xml')) await rm(join(d, 'libvirt', 'etc', 'qemu', f));
  }
  await writeFile(
    join(d, 'libvirtd.conf'),
    'log_outputs = "3:file:/var/log/libvirt/libvirtd.log"\nunix_sock_rw_perms = "0700"\n',
  );

  if (!existsSync(join(d, 'frr', 'frr.conf'))) {
    await mkdir(join(d, 'frr'), { mode: 0o750 });
    await writeFile(join(d, 'frr', 'frr.conf'), `frr defaults datacenter\nhostname ${h.id}\n!\n`, {
      mode: 0o640,
    });
    await writeFile(join(d, 'frr', 'vtysh.conf'), '', { mode: 0o640 });
    for (const p of ['', 'frr.conf', 'vtysh.conf'])
      await chown(join(d, 'frr', p), i.frr.uid, i.frr.gid);
  }

  if (!existsSync(join(d, 'ovs', 'conf.db')))
    await run('ovsdb-tool', ['create', join(d, 'ovs', 'conf.db'), OVS_SCHEMA]);

  const scriptIn = {
    ns: h.ns,
    hostDir: d,
    node: i.node,
    plinth: i.plinth,
    ovsVersion: i.versions.ovs,
    dbVersion: i.versions.db,
    systemId: `${i.layout.name}-${h.id}`,
  };
  await writeFile(join(d, 'boot.sh'), bootScript(scriptIn), { mode: 0o755 });
  await writeFile(join(d, 'init.pl'), INIT_PL, { mode: 0o644 });
  await writeFile(join(d, 'power-on.sh'), powerOnScript(scriptIn), { mode: 0o755 });
  await writeFile(join(d, 'power-off.sh'), powerOffScript(scriptIn), { mode: 0o755 });
  if (!existsSync(join(d, 'power'))) await writeFile(join(d, 'power'), '1\n');

  // The BMC: credentials, SDRs, sensor files, FRU, chassis control.
  const b = join(d, 'bmc');
  const simName = `${i.layout.name}-${h.id}`;
  if (!existsSync(bmcPasswordFile(h)))
    await writeFile(bmcPasswordFile(h), randomBytes(9).toString('base64url'), { mode: 0o600 });
  const password = readFileSync(bmcPasswordFile(h), 'utf8').trim();
  const persist = join(b, 'state', 'ipmi_sim', simName);
  if (!existsSync(join(persist, 'sdr.20.main'))) {
    await mkdir(persist, { recursive: true });
    await writeFile(join(b, 'sim.sdrs'), sdrsText(LAB_SENSORS));
    await run('sdrcomp', ['-8', '-o', join(persist, 'sdr.20.main'), join(b, 'sim.sdrs')]);
    for (const [n, s] of LAB_SENSORS.entries())
      await writeFile(join(b, 'sensors', `s${n + 1}`), `${rawReading(s.type, s.value)}\n`);
  }
  await writeFile(join(b, 'chassis-control'), chassisControlText(d), { mode: 0o755 });
  await writeFile(
    join(b, 'sim.emu'),
    emuText(join(b, 'sensors'), LAB_SENSORS, labFru(`LAB-${h.id.toUpperCase()}`)),
  );
  await writeFile(
    join(b, 'lan.conf'),
    lanConfText({
      simName,
      addr: h.bmcAddr,
      port: BMC_PORT,
      chassisControl: join(b, 'chassis-control'),
      user: BMC_USER,
      password,
    }),
    { mode: 0o600 },
  );

  await writeFile(
    join(d, 'agent.json'),
    JSON.stringify(
      {
        hostId: h.id,
        dataDir: join(d, 'agent'),
        coordinator: { address: i.layout.coordinator },
        tls: i.pki,
        metrics: { enabled: true, listen: `${h.mgmtAddr}:9469` },
        drivers: {
          host: { enabled: true },
          libvirt: {
            enabled: true,
            defaultDomainType: 'qemu',
            imagePoolDir: join(d, 'images'),
            kernelDirs: [i.imagesDir],
            shutdownTimeoutMs: 15_000,
          },
          ovs: { enabled: true, datapathType: 'netdev' },
          frr: { enabled: true },
          bmc: {
            enabled: true,
            source: 'ipmi-lan',
            address: `${h.bmcAddr}:${BMC_PORT}`,
            user: BMC_USER,
            passwordFile: bmcPasswordFile(h),
            intervalSeconds: 5,
          },
          ...(i.cephConf
            ? {
                ceph: {
                  enabled: true,
                  conf: i.cephConf,
                  hostBucket: h.id,
                  adminSocketDir: join(d, 'run', 'ceph'),
                },
              }
            : {}),
        },
      },
      null,
      2,
    ) + '\n',
    { mode: 0o600 },
  );
}

export function powerState(h: HostLayout): 'on' | 'off' {
  try {
    return readFileSync(join(h.dir, 'power'), 'utf8').trim() === '0' ? 'off' : 'on';
  } catch {
    return 'on';
  }
}

/** Boot the host (no-op when it runs). The same script the BMC's power-on runs. */
export async function powerOnDirect(h: HostLayout): Promise<void> {
  await run(join(h.dir, 'power-on.sh'), [], 15_000);
}

export async function powerOffDirect(h: HostLayout): Promise<void> {
  await run(join(h.dir, 'power-off.sh'), [], 15_000);
}

export function bmcPid(h: HostLayout): number | undefined {
  const p = readPid(join(h.dir, 'bmc', 'ipmi_sim.pid'));
  return alive(p) ? p : undefined;
}

/** ipmitool lanplus to this host's BMC, from the root namespace over the management network. */
export async function ipmitool(h: HostLayout, args: string[], timeoutMs = 10_000): Promise<string> {
  const r = await run(
    'ipmitool',
    [
      '-I',
      'lanplus',
      '-C',
      '3',
      '-H',
      h.bmcAddr,
      '-p',
      String(BMC_PORT),
      '-U',
      BMC_USER,
      '-f',
      bmcPasswordFile(h),
      '-N',
      '1',
      '-R',
      '2',
      ...args,
    ],
    timeoutMs,
  );
  return r.stdout;
}

/** Start ipmi_sim in the host's BMC namespace, detached; resolves once it answers. */
export async function ensureBmc(h: HostLayout): Promise<void> {
  if (bmcPid(h) === undefined) {
    const b = join(h.dir, 'bmc');
    const log = openSync(join(h.dir, 'log', 'bmc.log'), 'a');
    try {
      const child = spawn(
        'ip',
        [
          'netns',
          'exec',
          h.bmcNs,
          'ipmi_sim',
          '-c',
          join(b, 'lan.conf'),
          '-f',
          join(b, 'sim.emu'),
          '-s',
          join(b, 'state'),
          '-n',
        ],
        { detached: true, stdio: ['ignore', log, log] },
      );
      child.unref();
      await writeFile(join(b, 'ipmi_sim.pid'), `${child.pid}\n`);
    } finally {
      closeSync(log);
    }
  }
  await waitUntil(
    `the BMC of ${h.id} (${h.bmcAddr}:${BMC_PORT})`,
    async () => (await ipmitool(h, ['chassis', 'power', 'status'], 5000)).includes('Chassis Power'),
    20_000,
    300,
  );
}

export interface HostDaemons {
  init?: number;
  virtlogd?: number;
  libvirtd?: number;
  'ovsdb-server'?: number;
  'ovs-vswitchd'?: number;
  zebra?: number;
  bgpd?: number;
  agent?: number;
}

/** PIDs of the host's daemons (undefined when not running), from their pidfiles. */
export function hostDaemons(h: HostLayout): HostDaemons {
  const r = join(h.dir, 'run');
  const files: [keyof HostDaemons, string][] = [
    ['init', join(h.dir, 'init.pid')],
    ['virtlogd', join(r, 'libvirt', 'virtlogd.pid')],
    ['libvirtd', join(r, 'libvirt', 'libvirtd.pid')],
    ['ovsdb-server', join(r, 'openvswitch', 'ovsdb-server.pid')],
    ['ovs-vswitchd', join(r, 'openvswitch', 'ovs-vswitchd.pid')],
    ['zebra', join(r, 'frr', 'zebra.pid')],
    ['bgpd', join(r, 'frr', 'bgpd.pid')],
    ['agent', join(h.dir, 'agent.pid')],
  ];
  const out: HostDaemons = {};
  const inNs = new Set(netnsPids(h.ns));
  for (const [k, f] of files) {
    const p = readPid(f);
    if (p !== undefined && inNs.has(p)) out[k] = p;
  }
  return out;
}

export function bootStatus(h: HostLayout): number | undefined {
  try {
    const v = Number(readFileSync(join(h.dir, 'boot.status'), 'utf8').trim());
    return Number.isInteger(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function tail(file: string, chars = 1500): string {
  try {
    const s = readFileSync(file, 'utf8');
    return s.slice(-chars);
  } catch {
    return '';
  }
}
