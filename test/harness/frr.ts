import { randomBytes } from 'node:crypto';
import { access, chmod, chown, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { constants as fsConstants } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { execFile, type Exec } from '../../agent/host/exec.js';
import { systemClock } from '../../agent/host/clock.js';
import type { DriverContext, DriverEvent } from '../../agent/drivers/driver.js';
import { frrConfigDefaults, type FrrConfig } from '../../agent/drivers/frr/config.js';
import { silentLog } from '../../lib/log.js';

/**
 * Three FRR routers as network namespaces (A–B, A–C veth pairs), each running zebra + bgpd
 * (+ bfdd when present) started by hand under one temp dir, stopped by PID.
 *
 * Addressing (all inside the namespaces, range 198.18.5.0/24):
 *   A–B 198.18.5.0/30: A .1, B .2      A–C 198.18.5.4/30: A .5, C .6
 * A = AS 65001 (managed by the driver under test), B = AS 65002, C = AS 65003.
 * With `bench50`, B also gets 50 addresses 198.18.6.10-59 and A 50 source addresses
 * 198.18.6.110-159 (one /32 route each, so every session has its own address pair);
 * B accepts them as dynamic neighbours (`bgp listen range`).
 */

export const FRR_BIN = '/usr/lib/frr';
export const VTYSH = '/usr/bin/vtysh';
const IP = '/usr/sbin/ip';
const T = { timeoutMs: 10_000 };

export const ASN = { a: 65001, b: 65002, c: 65003 } as const;
export const ADDR = {
  aToB: '198.18.5.1',
  bToA: '198.18.5.2',
  aToC: '198.18.5.5',
  cToA: '198.18.5.6',
} as const;

export type RouterName = 'a' | 'b' | 'c';

export interface Router {
  name: RouterName;
  ns: string;
  dir: string;
  /** vtysh against this router; returns stdout. */
  vtysh(...commands: string[]): Promise<string>;
  vtyshJson<T = unknown>(command: string): Promise<T>;
  /** vtysh with -E (echo), as the driver calls it for batched reads. */
  vtyshEcho(...commands: string[]): Promise<string>;
  /** Run a command inside the router's netns (argv). */
  nsExec(file: string, args: string[]): Promise<string>;
}

export interface Lab {
  root: string;
  id: string;
  a: Router;
  b: Router;
  c: Router;
  bfd: boolean;
  /** Interface names inside the namespaces. */
  /** aUnnum/bUnnum: a second A–B link without IPv4, for unnumbered (interface) sessions. */
  links: { aToB: string; bToA: string; aToC: string; cToA: string; aUnnum: string; bUnnum: string };
  stop(): Promise<void>;
}

export interface LabOptions {
  /** Full frr.conf body for A (after the defaults line); default: hostname only. */
  aConfig?: string;
  /** Give B 50 addresses and accept 50 dynamic sessions from A. */
  bench50?: boolean;
  /** Start bfdd when available (default true). */
  bfd?: boolean;
  exec?: Exec;
}

/** Why the lab cannot run here, or null when it can. */
export async function frrUnavailableReason(): Promise<string | null> {
  if (process.getuid?.() !== 0) return 'FRR integration tests need root (network namespaces)';
  for (const f of [`${FRR_BIN}/zebra`, `${FRR_BIN}/bgpd`, VTYSH, IP]) {
    try {
      await access(f, fsConstants.X_OK);
    } catch {
      return `${f} is not installed (Debian package frr / iproute2)`;
    }
  }
  try {
    execFileSync('id', ['frr'], { stdio: 'ignore', timeout: 5000 });
  } catch {
    return 'user frr does not exist (Debian package frr creates it)';
  }
  return null;
}

export async function bfddAvailable(): Promise<boolean> {
  try {
    await access(`${FRR_BIN}/bfdd`, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function frrIds(): { uid: number; gid: number } {
  const uid = Number(execFileSync('id', ['-u', 'frr'], { timeout: 5000 }).toString().trim());
  const gid = Number(execFileSync('id', ['-g', 'frr'], { timeout: 5000 }).toString().trim());
  return { uid, gid };
}

function peerConfig(
  name: RouterName,
  asn: number,
  routerId: string,
  peer: string,
  bfd: boolean,
  extra: string,
): string {
  return [
    `hostname ${name}`,
    '!',
    `router bgp ${asn}`,
    ` bgp router-id ${routerId}`,
    ' no bgp ebgp-requires-policy',
    ` neighbor ${peer} remote-as ${ASN.a}`,
    // Slow BFD timers (3 x 1 s, which also bounds A's side): a loaded CI host must not flap
    // BFD, or "B's connectionsDropped unchanged" would fail for the wrong reason.
    ...(bfd ? [` neighbor ${peer} bfd 3 1000 1000`] : []),
    extra,
    '!',
  ]
    .filter((l) => l !== '')
    .join('\n');
}

async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  const maxTries = Math.ceil(timeoutMs / intervalMs) + 1;
  for (let i = 0; i < maxTries; i++) {
    if (await check()) return;
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Bounded poll helper for tests: resolves with the first truthy value of `probe`. */
export async function eventually<T>(
  what: string,
  probe: () => Promise<T | undefined | null | false>,
  timeoutMs = 30_000,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  const maxTries = Math.ceil(timeoutMs / intervalMs) + 1;
  let last: unknown;
  for (let i = 0; i < maxTries; i++) {
    try {
      const v = await probe();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, intervalMs));
  }
  throw new Error(
    `timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`,
  );
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // PID 1 here reaps late: a zombie still answers kill -0.
  try {
    const stat = execFileSync('cat', [`/proc/${pid}/stat`], { timeout: 2000 }).toString();
    return !/^\d+ \(.*\) Z/.test(stat);
  } catch {
    return false;
  }
}

async function stopPid(pid: number): Promise<void> {
  if (!alive(pid)) return;
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
  if (alive(pid)) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
}

export function daemonPids(dir: string, daemons: string[]): Promise<number[]> {
  return Promise.all(
    daemons.map(async (d) => {
      try {
        return Number((await readFile(join(dir, `${d}.pid`), 'utf8')).trim());
      } catch {
        return 0;
      }
    }),
  ).then((p) => p.filter((x) => x > 0));
}

export async function startLab(opts: LabOptions = {}): Promise<Lab> {
  const exec = opts.exec ?? execFile;
  const bfd = (opts.bfd ?? true) && (await bfddAvailable());
  const id = randomBytes(2).toString('hex');
  const root = await mkdtemp(join(tmpdir(), 'plt-frr-'));
  await chmod(root, 0o755);
  const { uid, gid } = frrIds();
  const names: RouterName[] = ['a', 'b', 'c'];
  const ns = (r: RouterName): string => `plt-frr-${id}-${r}`;
  const links = {
    aToB: `plt-frr${id}ab`,
    bToA: `plt-frr${id}ba`,
    aToC: `plt-frr${id}ac`,
    cToA: `plt-frr${id}ca`,
    aUnnum: `plt-frr${id}au`,
    bUnnum: `plt-frr${id}bu`,
  };
  const daemons = ['zebra', 'bgpd', ...(bfd ? ['bfdd'] : [])];
  const createdNs: string[] = [];

  const ip = (args: string[]): Promise<unknown> => exec(IP, args, T);
  const nsIp = (r: RouterName, args: string[]): Promise<unknown> =>
    exec(IP, ['-n', ns(r), ...args], T);

  const makeRouter = (name: RouterName): Router => {
    const dir = join(root, name);
    const base = ['--vty_socket', dir, '--config_dir', dir];
    return {
      name,
      ns: ns(name),
      dir,
      async vtysh(...commands) {
        const args = [...base, ...commands.flatMap((c) => ['-c', c])];
        return (await exec(VTYSH, args, { timeoutMs: 15_000 })).stdout;
      },
      async vtyshEcho(...commands) {
        const args = [...base, '-E', ...commands.flatMap((c) => ['-c', c])];
        return (await exec(VTYSH, args, { timeoutMs: 15_000 })).stdout;
      },
      async vtyshJson<T>(command: string) {
        const out = (await exec(VTYSH, [...base, '-c', command], { timeoutMs: 15_000 })).stdout;
        return JSON.parse(out) as T;
      },
      async nsExec(file, args) {
        return (await exec(IP, ['netns', 'exec', ns(name), file, ...args], T)).stdout;
      },
    };
  };

  const stop = async (): Promise<void> => {
    for (const r of names) {
      const pids = await daemonPids(join(root, r), [...daemons].reverse());
      for (const pid of pids) await stopPid(pid);
    }
    for (const n of createdNs) {
      try {
        await ip(['netns', 'del', n]);
      } catch {
        /* already gone */
      }
    }
    await rm(root, { recursive: true, force: true });
  };

  try {
    for (const r of names) {
      await ip(['netns', 'add', ns(r)]);
      createdNs.push(ns(r));
      await nsIp(r, ['link', 'set', 'lo', 'up']);
    }
    await ip([
      'link',
      'add',
      links.aToB,
      'netns',
      ns('a'),
      'type',
      'veth',
      'peer',
      'name',
      links.bToA,
      'netns',
      ns('b'),
    ]);
    await ip([
      'link',
      'add',
      links.aToC,
      'netns',
      ns('a'),
      'type',
      'veth',
      'peer',
      'name',
      links.cToA,
      'netns',
      ns('c'),
    ]);
    await ip([
      'link',
      'add',
      links.aUnnum,
      'netns',
      ns('a'),
      'type',
      'veth',
      'peer',
      'name',
      links.bUnnum,
      'netns',
      ns('b'),
    ]);
    await nsIp('a', ['addr', 'add', `${ADDR.aToB}/30`, 'dev', links.aToB]);
    await nsIp('b', ['addr', 'add', `${ADDR.bToA}/30`, 'dev', links.bToA]);
    await nsIp('a', ['addr', 'add', `${ADDR.aToC}/30`, 'dev', links.aToC]);
    await nsIp('c', ['addr', 'add', `${ADDR.cToA}/30`, 'dev', links.cToA]);
    let bExtra = '';
    if (opts.bench50) {
      await nsIp('a', ['addr', 'add', '198.18.6.1/24', 'dev', links.aToB]);
      await nsIp('b', ['addr', 'add', '198.18.6.2/24', 'dev', links.bToA]);
      for (let i = 0; i < 50; i++) {
        await nsIp('b', ['addr', 'add', `198.18.6.${10 + i}/24`, 'dev', links.bToA]);
        await nsIp('a', ['addr', 'add', `198.18.6.${110 + i}/32`, 'dev', links.aToB]);
      }
      bExtra = [
        ' neighbor BENCH peer-group',
        ` neighbor BENCH remote-as ${ASN.a}`,
        ' bgp listen range 198.18.6.0/24 peer-group BENCH',
        ' bgp listen limit 200',
      ].join('\n');
    }
    for (const [dev, r] of [
      [links.aToB, 'a'],
      [links.bToA, 'b'],
      [links.aToC, 'a'],
      [links.cToA, 'c'],
      [links.aUnnum, 'a'],
      [links.bUnnum, 'b'],
    ] as const) {
      await nsIp(r, ['link', 'set', dev, 'up']);
    }
    if (opts.bench50) {
      // Source routing: each of A's 50 sessions leaves from its own address.
      for (let i = 0; i < 50; i++) {
        await nsIp('a', [
          'route',
          'add',
          `198.18.6.${10 + i}/32`,
          'dev',
          links.aToB,
          'src',
          `198.18.6.${110 + i}`,
        ]);
      }
    }

    const configs: Record<RouterName, string> = {
      a: opts.aConfig ?? 'hostname a\n!',
      // B also offers an unnumbered (IPv6 link-local) session on a second link to A, for the
      // driver's interface neighbours; it stays idle until A configures its side. Not on the
      // numbered link: FRR would match A's IPv4 connection to the interface peer there.
      b: peerConfig(
        'b',
        ASN.b,
        ADDR.bToA,
        ADDR.aToB,
        bfd,
        [` neighbor ${links.bUnnum} interface remote-as external`, bExtra]
          .filter(Boolean)
          .join('\n'),
      ),
      c: peerConfig('c', ASN.c, ADDR.cToA, ADDR.aToC, bfd, ''),
    };
    for (const r of names) {
      const dir = join(root, r);
      await mkdir(dir, { mode: 0o750 });
      // `frr defaults datacenter`: fast timers, no ebgp-requires-policy (fabric profile).
      await writeFile(join(dir, 'frr.conf'), `frr defaults datacenter\n${configs[r]}\n`, {
        mode: 0o640,
      });
      await writeFile(join(dir, 'vtysh.conf'), '', { mode: 0o640 });
      for (const p of [dir, join(dir, 'frr.conf'), join(dir, 'vtysh.conf')])
        await chown(p, uid, gid);
    }

    for (const r of names) {
      const dir = join(root, r);
      for (const d of daemons) {
        const args = [
          'netns',
          'exec',
          ns(r),
          `${FRR_BIN}/${d}`,
          '-d',
          '-N',
          ns(r),
          '-i',
          join(dir, `${d}.pid`),
          '--vty_socket',
          dir,
          '-f',
          join(dir, 'frr.conf'),
          '--log',
          `file:${join(dir, `${d}.log`)}`,
          ...(d === 'bfdd' ? ['--bfdctl', join(dir, 'bfdd.sock')] : []),
          ...(d === 'zebra' ? ['-z', join(dir, 'zserv.api')] : ['-z', join(dir, 'zserv.api')]),
        ];
        await exec(IP, args, { timeoutMs: 15_000 });
        await waitFor(
          `${d} of router ${r}`,
          async () => {
            try {
              await access(join(dir, `${d}.vty`));
              return true;
            } catch {
              return false;
            }
          },
          10_000,
        );
      }
    }
    return {
      root,
      id,
      a: makeRouter('a'),
      b: makeRouter('b'),
      c: makeRouter('c'),
      bfd,
      links,
      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Stop one daemon of a router by PID (for "bgpd not running" tests). */
export async function stopDaemon(router: Router, daemon: string): Promise<void> {
  for (const pid of await daemonPids(router.dir, [daemon])) await stopPid(pid);
}

/** Start one daemon of a router again with the lab's arguments. */
export async function startDaemon(
  router: Router,
  daemon: string,
  exec: Exec = execFile,
): Promise<void> {
  const dir = router.dir;
  await rm(join(dir, `${daemon}.vty`), { force: true });
  await exec(
    IP,
    [
      'netns',
      'exec',
      router.ns,
      `${FRR_BIN}/${daemon}`,
      '-d',
      '-N',
      router.ns,
      '-i',
      join(dir, `${daemon}.pid`),
      '--vty_socket',
      dir,
      '-f',
      join(dir, 'frr.conf'),
      '--log',
      `file:${join(dir, `${daemon}.log`)}`,
      '-z',
      join(dir, 'zserv.api'),
      ...(daemon === 'bfdd' ? ['--bfdctl', join(dir, 'bfdd.sock')] : []),
    ],
    { timeoutMs: 15_000 },
  );
  await waitFor(
    `${daemon} of router ${router.name}`,
    async () => {
      try {
        await access(join(dir, `${daemon}.vty`));
        return true;
      } catch {
        return false;
      }
    },
    10_000,
  );
}

export interface Recorder {
  ctx: DriverContext;
  /** markDirty calls with their monotonic time (performance.now()). */
  dirty: { reason: string; at: number }[];
  events: DriverEvent[];
  registry: Registry;
}

/** A DriverContext for tests: silent log, real exec, system clock, fresh registry, recorders. */
export function makeContext(root = tmpdir()): Recorder {
  const dirty: Recorder['dirty'] = [];
  const events: DriverEvent[] = [];
  const registry = new Registry();
  const ctx: DriverContext = {
    log: silentLog(),
    exec: execFile,
    clock: systemClock,
    metrics: registry,
    markDirty: (reason) => dirty.push({ reason, at: performance.now() }),
    emit: (e) => events.push(e),
    paths: { stateDir: root, runDir: root },
  };
  return { ctx, dirty, events, registry };
}

/** Driver config pointing at one lab router. */
export function driverConfig(router: Router, overrides: Partial<FrrConfig> = {}): FrrConfig {
  return { ...frrConfigDefaults, vtySocketDir: router.dir, configDir: router.dir, ...overrides };
}

/** Value of one plinth_bgp_* gauge for a label set, or undefined. */
export async function gaugeValue(
  registry: Registry,
  name: string,
  labels: Record<string, string>,
): Promise<number | undefined> {
  const m = registry.getSingleMetric(name);
  if (!m) return undefined;
  const got = await m.get();
  const v = got.values.find((x) =>
    Object.entries(labels).every(
      ([k, want]) => String((x.labels as Record<string, unknown>)[k]) === want,
    ),
  );
  return v?.value;
}
