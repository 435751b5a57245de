import { spawn } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { chown, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { SPINE_ASN, type LabLayout } from './layout.js';
import type { LabPaths, LabState } from './state.js';
import { alive, readPid, run, stopPid, waitUntil } from './sys.js';

export function coordinatorPid(p: LabPaths): number | undefined {
  const pid = readPid(join(p.coordDir, 'coordinator.pid'));
  return alive(pid) ? pid : undefined;
}

export async function writeCoordinatorConfig(
  l: LabLayout,
  s: LabState,
  p: LabPaths,
): Promise<void> {
  await mkdir(join(p.coordDir, 'data'), { recursive: true, mode: 0o700 });
  await writeFile(
    join(p.coordDir, 'coordinator.json'),
    JSON.stringify(
      {
        dataDir: join(p.coordDir, 'data'),
        listen: l.coordinator,
        tls: {
          ca: p.ca,
          cert: join(p.pki, 'coordinator-coordinator.crt'),
          key: join(p.pki, 'coordinator-coordinator.key'),
        },
        metrics: { enabled: true, listen: `${l.coordAddr}:9470` },
        // VMs attach to the bridge every lab host gets; TCG guests (no nested KVM).
        vms: { networks: { vm: 'br-vm' }, defaultDomainType: 'qemu' },
        ...s.coordinator,
      },
      null,
      2,
    ) + '\n',
    { mode: 0o600 },
  );
}

/** Start the coordinator in its namespace, detached, unless it runs. */
export async function startCoordinator(
  l: LabLayout,
  p: LabPaths,
  plinth: string[],
): Promise<number> {
  const have = coordinatorPid(p);
  if (have !== undefined) return have;
  const log = openSync(join(p.coordDir, 'coordinator.log'), 'a');
  try {
    const child = spawn(
      'ip',
      [
        'netns',
        'exec',
        l.coordNs,
        process.execPath,
        ...plinth,
        'coordinator',
        '--config',
        join(p.coordDir, 'coordinator.json'),
      ],
      { detached: true, stdio: ['ignore', log, log] },
    );
    child.unref();
    await writeFile(join(p.coordDir, 'coordinator.pid'), `${child.pid}\n`);
    return child.pid!;
  } finally {
    closeSync(log);
  }
}

/** SIGTERM (or SIGKILL with `hard`) the coordinator and wait until it is gone. */
export async function stopCoordinator(p: LabPaths, hard = false): Promise<void> {
  const pid = coordinatorPid(p);
  if (pid === undefined) return;
  await stopPid(pid, hard ? 0 : 10_000);
}

export function spineConfig(l: LabLayout): string {
  return [
    'frr defaults datacenter',
    'hostname spine',
    '!',
    `router bgp ${SPINE_ASN}`,
    ` bgp router-id ${l.fabricNet.replace(/\.0\/24$/, '.254')}`,
    ' no bgp ebgp-requires-policy',
    ...l.hosts.flatMap((h) => [
      ` neighbor ${h.fabricAddr} remote-as ${h.asn}`,
      ` neighbor ${h.fabricAddr} description ${h.id}`,
    ]),
    '!',
    '',
  ].join('\n');
}

export function spinePids(p: LabPaths): { zebra?: number; bgpd?: number } {
  const out: { zebra?: number; bgpd?: number } = {};
  for (const d of ['zebra', 'bgpd'] as const) {
    const pid = readPid(join(p.spineDir, `${d}.pid`));
    if (alive(pid)) out[d] = pid;
  }
  return out;
}

/** zebra + bgpd in the spine namespace (FRR daemonises itself; pidfiles are explicit). */
export async function startSpine(
  l: LabLayout,
  p: LabPaths,
  frr: { uid: number; gid: number },
): Promise<void> {
  const dir = p.spineDir;
  await mkdir(dir, { recursive: true, mode: 0o750 });
  await writeFile(join(dir, 'frr.conf'), spineConfig(l), { mode: 0o640 });
  await writeFile(join(dir, 'vtysh.conf'), '', { mode: 0o640 });
  for (const f of ['', 'frr.conf', 'vtysh.conf']) await chown(join(dir, f), frr.uid, frr.gid);
  const running = spinePids(p);
  for (const d of ['zebra', 'bgpd'] as const) {
    if (running[d] !== undefined) continue;
    await run(
      'ip',
      [
        'netns',
        'exec',
        l.spineNs,
        `/usr/lib/frr/${d}`,
        '-d',
        '-N',
        l.spineNs,
        '-i',
        join(dir, `${d}.pid`),
        '--vty_socket',
        dir,
        '-f',
        join(dir, 'frr.conf'),
        '--log',
        `file:${join(dir, `${d}.log`)}`,
        '-z',
        join(dir, 'zserv.api'),
      ],
      20_000,
    );
    await waitUntil(`spine ${d}`, () => alive(readPid(join(dir, `${d}.pid`))), 10_000, 100);
  }
}

/** vtysh against the spine. */
export async function spineVtysh(p: LabPaths, command: string): Promise<string> {
  const r = await run(
    'vtysh',
    ['--vty_socket', p.spineDir, '--config_dir', p.spineDir, '-c', command],
    15_000,
  );
  return r.stdout;
}
