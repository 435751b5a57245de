import { existsSync, readdirSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ErrorCodes, PlinthError } from '../lib/errors.js';
import { initCa, issueToDir } from '../lib/pki.js';
import { labAdmin, setBmc, type LabAdmin } from './admin.js';
import { buildGuestImage } from './guest-image.js';
import { CEPH_PORT, cephConfPath, ensureCeph } from './ceph.js';
import {
  BMC_PORT,
  BMC_USER,
  SPINE_ASN,
  VM_BRIDGE,
  defaultSubnetIndex,
  labLayout,
  type HostLayout,
} from './layout.js';
import { ensureNetwork } from './network.js';
import {
  bmcPasswordFile,
  bootStatus,
  ensureBmc,
  ensureHostFiles,
  hostDaemons,
  powerOffDirect,
  powerOnDirect,
  powerState,
  tail,
} from './host.js';
import { assertPreflight } from './preflight.js';
import {
  coordinatorPid,
  startCoordinator,
  startSpine,
  writeCoordinatorConfig,
} from './services.js';
import {
  labPaths,
  readState,
  writeState,
  defaultRuntime,
  plinthArgv,
  type LabRuntime,
  type LabState,
} from './state.js';
import { netnsPids, run, waitUntil } from './sys.js';
import { infoOf, resolveRef, type LabInfo, type LabProgress, type LabRef } from './info.js';

export interface LabUpOptions extends LabRef {
  hosts: number;
  ceph?: boolean;
  /** bin/plinth.js (`dist`, default when built) or the TypeScript source through tsx (`source`). */
  runtime?: LabRuntime;
  /** 0..84: which 198.19.0.0/16 /24s the lab uses (default: 0 for `lab`, else a hash of the name). */
  subnetIndex?: number;
  heartbeatSeconds?: number;
  suspectAfterSeconds?: number;
  downAfterSeconds?: number;
  startupGraceSeconds?: number;
  /** Bound of the whole `up` (default 240 s). */
  timeoutMs?: number;
}

/** The base desired state the lab gives every host: a VM bridge and BGP to the spine. */
export function baseDesired(h: HostLayout): { ovs: unknown; bgp: unknown } {
  return {
    ovs: { bridges: [{ name: VM_BRIDGE, datapathType: 'netdev', ports: [] }] },
    bgp: {
      asn: h.asn,
      routerId: h.fabricAddr,
      neighbors: [{ address: h.spineAddr, remoteAs: SPINE_ASN, description: 'spine' }],
      prefixes: [],
    },
  };
}

async function frrIds(): Promise<{ uid: number; gid: number }> {
  const uid = Number((await run('id', ['-u', 'frr'])).stdout.trim());
  const gid = Number((await run('id', ['-g', 'frr'])).stdout.trim());
  return { uid, gid };
}

async function ovsVersions(): Promise<{ ovs: string; db: string }> {
  const ovs =
    /\d+\.\d+\.\d+/.exec((await run('ovs-vswitchd', ['--version'])).stdout)?.[0] ?? '0.0.0';
  const db = (
    await run('ovsdb-tool', ['schema-version', '/usr/share/openvswitch/vswitch.ovsschema'])
  ).stdout.trim();
  if (!/^\d+\.\d+\.\d+$/.test(db)) throw new Error(`unexpected OVS schema version ${db}`);
  return { ovs, db };
}

function sameShape(a: LabState, b: LabState): string | undefined {
  if (a.hosts !== b.hosts) return `it has ${a.hosts} hosts, not ${b.hosts}`;
  if (a.subnetIndex !== b.subnetIndex)
    return `it uses subnet index ${a.subnetIndex}, not ${b.subnetIndex}`;
  if (a.ceph !== b.ceph) return a.ceph ? 'it has Ceph' : 'it has no Ceph';
  if (JSON.stringify(a.coordinator) !== JSON.stringify(b.coordinator))
    return 'its coordinator timeouts differ';
  return undefined;
}

/**
 * Build the lab, or finish building it: whatever runs is kept (idempotent). Resolves
 * once every powered-on host's agent is ready at the coordinator with its base state
 * applied. Processes outlive the caller.
 */
export async function labUp(
  o: LabUpOptions,
  onProgress: (p: LabProgress) => void = () => undefined,
): Promise<LabInfo> {
  const { name, dir } = resolveRef(o);
  const t0 = Date.now();
  const say = (message: string, host?: string) =>
    onProgress({ atMs: Date.now() - t0, host, message });
  const deadline = t0 + (o.timeoutMs ?? 240_000);
  const left = () => Math.max(1000, deadline - Date.now());
  const p = labPaths(dir);
  const runtime = o.runtime ?? readState(dir)?.runtime ?? defaultRuntime(p);
  assertPreflight({ ceph: o.ceph, distMain: runtime === 'dist' ? p.distMain : undefined });
  const plinth = plinthArgv(p, runtime);

  const want: LabState = {
    version: 1,
    name,
    dir,
    hosts: o.hosts,
    subnetIndex: o.subnetIndex ?? defaultSubnetIndex(name),
    ceph: !!o.ceph,
    runtime,
    coordinator: {
      heartbeatSeconds: o.heartbeatSeconds ?? 2,
      suspectAfterSeconds: o.suspectAfterSeconds ?? 6,
      downAfterSeconds: o.downAfterSeconds ?? 15,
      startupGraceSeconds: o.startupGraceSeconds ?? 10,
    },
    createdAt: new Date().toISOString(),
  };
  const l = labLayout(name, dir, want.hosts, want.subnetIndex);
  if (want.coordinator.downAfterSeconds <= want.coordinator.suspectAfterSeconds)
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      '--down-after must be greater than --suspect-after',
    );
  const existing = readState(dir);
  if (existing) {
    const diff = sameShape(existing, want);
    if (diff)
      throw new PlinthError(
        ErrorCodes.CONFLICT,
        `lab ${name} in ${dir} already exists and ${diff}: run \`plinth lab down${name === 'lab' ? '' : ` --name ${name}`}\` first`,
      );
    want.createdAt = existing.createdAt;
    say(`lab ${name} exists in ${dir}: checking every part`);
  } else {
    if (existsSync(dir) && readdirSync(dir).length > 0)
      throw new PlinthError(
        ErrorCodes.CONFLICT,
        `${dir} exists, is not empty and holds no lab: choose another --dir`,
      );
    // Another lab (another name, same subnet index) would own the same root route.
    const { stdout } = await run('ip', ['-4', '-o', 'addr', 'show'], 5000);
    const net = l.rootAddr.replace(/\.1$/, '.');
    const clash = stdout
      .split('\n')
      .find((line) => line.includes(`inet ${net}`) && !line.includes(` ${l.rootLink} `));
    if (clash)
      throw new PlinthError(
        ErrorCodes.CONFLICT,
        `${l.mgmtNet} is already used on this machine (${clash.trim().split(/\s+/).slice(1, 4).join(' ')}): pass another --subnet-index`,
      );
  }
  await mkdir(dir, { recursive: true, mode: 0o755 });
  await writeState(want);
  say(`lab ${name}: ${o.hosts} hosts, management ${l.mgmtNet}, fabric ${l.fabricNet}, dir ${dir}`);

  const image = buildGuestImage(p.images);
  image.catch(() => undefined);

  // PKI: a CA for this lab, the coordinator (with its lab address), the CLI, every agent.
  await initCa(p.pki, { commonName: `plinth lab ${name} CA` });
  await issueToDir(p.pki, { role: 'coordinator', name: 'coordinator', ips: [l.coordAddr] });
  await issueToDir(p.pki, { role: 'admin', name: 'admin' });
  for (const h of l.hosts) await issueToDir(p.pki, { role: 'agent', name: h.id });
  await writeFile(
    p.cliConfig,
    JSON.stringify(
      { coordinator: l.coordinator, ca: p.ca, cert: p.adminCert, key: p.adminKey },
      null,
      2,
    ) + '\n',
  );

  await ensureNetwork(l, want.ceph);
  say('network namespaces and links ready');

  const [frr, versions] = await Promise.all([frrIds(), ovsVersions()]);
  await writeCoordinatorConfig(l, want, p);
  await startCoordinator(l, p, plinth);
  await startSpine(l, p, frr);
  say('coordinator and spine router running');
  const ceph = want.ceph
    ? ensureCeph(l).then(() => say(`Ceph cluster up (mon ${l.cephAddr}:${CEPH_PORT}, 1 OSD, mgr)`))
    : Promise.resolve();
  ceph.catch(() => undefined);

  await Promise.all(
    l.hosts.map(async (h) => {
      await ensureHostFiles({
        layout: l,
        host: h,
        node: process.execPath,
        plinth,
        imagesDir: p.images,
        pki: {
          ca: p.ca,
          cert: join(p.pki, `agent-${h.id}.crt`),
          key: join(p.pki, `agent-${h.id}.key`),
        },
        versions,
        frr,
        cephConf: want.ceph ? cephConfPath(l) : undefined,
      });
      if (powerState(h) === 'on') {
        const running = netnsPids(h.ns).length > 0;
        const broken = running ? brokenReason(h) : undefined;
        if (broken) {
          // Half a host is no host: reboot it (its agent restores its guests).
          say(`${broken}: rebooting it`, h.id);
          await powerOffDirect(h);
        }
        await powerOnDirect(h);
        say(running && !broken ? 'already running' : 'booting', h.id);
      } else say('powered off: left off (plinth lab power ' + h.id + ' on)', h.id);
      await ensureBmc(h);
    }),
  );
  await image;
  say('guest image ready');
  await ceph;

  const admin = await waitUntil(
    `the coordinator at ${l.coordinator}`,
    async () => {
      if (coordinatorPid(p) === undefined)
        throw new Error(`it exited: ${tail(join(p.coordDir, 'coordinator.log'), 800)}`);
      const a = await labAdmin(infoOf(l, p).target, 3000);
      try {
        await a.listHosts();
        return a;
      } catch (e) {
        a.close();
        throw e;
      }
    },
    Math.min(left(), 60_000),
    300,
  );
  try {
    await Promise.all(
      l.hosts
        .filter((h) => powerState(h) === 'on')
        .map(async (h) => {
          await waitHostReady(admin, h, left());
          say('agent ready at the coordinator', h.id);
          await setBmc(admin, h.id, `${h.bmcAddr}:${BMC_PORT}`, BMC_USER, bmcPasswordFile(h));
          const gen = await admin.mergeDesired(h.id, baseDesired(h));
          await waitUntil(
            `${h.id} to apply its base state (generation ${gen})`,
            async () => {
              const x = (await admin.listHosts()).find((y) => y.id === h.id);
              return x && Number(x.appliedGeneration) >= gen;
            },
            Math.min(left(), 60_000),
            300,
          );
          say(
            `base state applied: bridge ${VM_BRIDGE}, BGP AS ${h.asn} to the spine, BMC registered`,
            h.id,
          );
        }),
    );
  } finally {
    admin.close();
  }
  say(`lab ${name} is up`);
  return infoOf(l, p, want.ceph);
}

const HOST_DAEMONS = [
  'init',
  'virtlogd',
  'libvirtd',
  'ovsdb-server',
  'ovs-vswitchd',
  'zebra',
  'bgpd',
] as const;

/** Why a running host is not whole (a failed boot, a dead daemon), or undefined. */
function brokenReason(h: HostLayout): string | undefined {
  const st = bootStatus(h);
  if (st === undefined) return hostDaemons(h).init === undefined ? 'its init is gone' : undefined;
  if (st !== 0) return `its last boot failed (status ${st})`;
  const d = hostDaemons(h);
  const dead = HOST_DAEMONS.filter((n) => d[n] === undefined);
  return dead.length ? `${dead.join(', ')} not running` : undefined;
}

/** The drivers every lab host runs; `up` waits until each reports healthy. */
export const LAB_DRIVERS = ['host', 'libvirt', 'ovs', 'frr', 'bmc'] as const;

async function waitHostReady(admin: LabAdmin, h: HostLayout, timeoutMs: number): Promise<void> {
  await waitUntil(
    `host ${h.id} to boot and its agent to be ready`,
    async () => {
      const st = bootStatus(h);
      if (st !== undefined && st !== 0)
        throw new PlinthError(
          ErrorCodes.UNAVAILABLE,
          `host ${h.id} failed to boot (status ${st}):\n${tail(join(h.dir, 'log', 'boot.log'))}`,
        );
      const x = (await admin.listHosts()).find((y) => y.id === h.id);
      if (x?.state !== 'ready' || !x.connected) return false;
      const health = new Map(x.drivers.map((d) => [d.name, d.health]));
      return LAB_DRIVERS.every((d) => health.get(d) === 'healthy');
    },
    timeoutMs,
    300,
  ).catch((e: Error) => {
    if (e instanceof PlinthError) throw e;
    throw new PlinthError(
      ErrorCodes.TIMEOUT,
      `${e.message}\n--- ${h.id} boot.log\n${tail(join(h.dir, 'log', 'boot.log'), 800)}\n--- agent.log\n${tail(join(h.dir, 'log', 'agent.log'), 1500)}`,
    );
  });
}
