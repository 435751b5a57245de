import { spawn } from 'node:child_process';
import { existsSync, openSync, closeSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { execFile } from '../../agent/host/exec.js';
import { alive, stopPid, waitUntil } from '../../lab/sys.js';

/**
 * A private dockerd for tests: its own unix socket, data-root, exec-root and
 * pidfile under one temp dir, no iptables and no bridge (nothing on the host's
 * network changes). overlay2 when the kernel allows it here, else vfs. The test
 * image is imported from a busybox-static rootfs tarball: no registry needed.
 */
export const TEST_IMAGE = 'plt-ctr-busybox:latest';

export interface DockerDaemon {
  dir: string;
  socketPath: string;
  storageDriver: string;
  docker: Docker;
  /** Create and start a container from TEST_IMAGE running `sleep`. */
  runContainer(name: string, labels?: Record<string, string>): Promise<string>;
  stop(): Promise<void>;
}

const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'];

export function dockerMissingReason(): string | undefined {
  for (const b of ['/usr/sbin/dockerd', '/usr/bin/containerd', '/usr/bin/runc']) {
    if (!existsSync(b) && !(b === '/usr/bin/runc' && existsSync('/usr/sbin/runc'))) {
      return `${b} not installed (apt-get install docker.io)`;
    }
  }
  if (!BUSYBOX.some((b) => existsSync(b)))
    return 'busybox not installed (apt-get install busybox-static)';
  if (process.getuid && process.getuid() !== 0) return 'dockerd needs root';
  return undefined;
}

async function startDaemon(
  dir: string,
  storageDriver: string,
): Promise<{ pid: number; docker: Docker } | undefined> {
  const socketPath = join(dir, 'docker.sock');
  const log = openSync(join(dir, `dockerd-${storageDriver}.log`), 'a');
  const child = spawn(
    'dockerd',
    [
      '--host',
      `unix://${socketPath}`,
      '--data-root',
      join(dir, 'data'),
      '--exec-root',
      join(dir, 'exec'),
      '--pidfile',
      join(dir, 'dockerd.pid'),
      '--iptables=false',
      '--ip-masq=false',
      '--bridge=none',
      '--storage-driver',
      storageDriver,
    ],
    { detached: true, stdio: ['ignore', log, log] },
  );
  closeSync(log);
  child.unref();
  const pid = child.pid!;
  const docker = new Docker({ socketPath, timeout: 5000 });
  // Answering, or gone (this storage driver cannot run here); a ping that throws is retried.
  const up = await waitUntil(
    `dockerd (${storageDriver}) to answer`,
    async () => (alive(pid) ? (await docker.ping(), 'answers') : 'exited'),
    30_000,
  ).catch(() => 'silent');
  if (up === 'answers') {
    const info = (await docker.info()) as { Driver?: string };
    if (info.Driver === storageDriver) return { pid, docker };
  }
  await stopPid(pid, 20_000, 5000);
  return undefined;
}

/** Mounts dockerd left under `dir` (overlay, shm) must go before the dir can. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/mounts', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[1] ?? '')
    .filter((m) => m.startsWith(dir + '/'))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) {
    await execFile('umount', ['-l', m], { timeoutMs: 10_000 }).catch(() => undefined);
  }
}

export async function startDockerDaemon(): Promise<DockerDaemon> {
  const dir = await mkdtemp(join(tmpdir(), 'plt-ctr-'));
  let started: { pid: number; docker: Docker } | undefined;
  let storageDriver = '';
  for (const driver of ['overlay2', 'vfs']) {
    started = await startDaemon(dir, driver);
    if (started) {
      storageDriver = driver;
      break;
    }
    await unmountUnder(dir);
    await rm(join(dir, 'data'), { recursive: true, force: true });
  }
  if (!started) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(`dockerd did not start with overlay2 nor vfs; see logs (removed) in ${dir}`);
  }
  const { pid, docker } = started;
  const socketPath = join(dir, 'docker.sock');

  const daemon: DockerDaemon = {
    dir,
    socketPath,
    storageDriver,
    docker,
    async runContainer(name, labels = {}) {
      const c = await docker.createContainer({
        name,
        Image: TEST_IMAGE,
        Cmd: ['/bin/busybox', 'sleep', '3600'],
        Labels: labels,
        HostConfig: { NetworkMode: 'none' },
      });
      await c.start();
      return c.id;
    },
    async stop() {
      // Containers first: dockerd would otherwise wait their stop timeout on shutdown.
      const list = await docker.listContainers({ all: true }).catch(() => []);
      for (const c of list) {
        const h = docker.getContainer(c.Id);
        await h.stop({ t: 1 }).catch(() => undefined);
        await h.remove({ force: true }).catch(() => undefined);
      }
      await stopPid(pid, 20_000, 5000);
      await unmountUnder(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };

  try {
    const rootfs = join(dir, 'rootfs');
    await mkdir(join(rootfs, 'bin'), { recursive: true });
    for (const d of ['proc', 'sys', 'dev', 'etc', 'tmp']) await mkdir(join(rootfs, d));
    const busybox = BUSYBOX.find((b) => existsSync(b))!;
    await copyFile(busybox, join(rootfs, 'bin', 'busybox'));
    for (const a of ['sh', 'sleep']) await symlink('busybox', join(rootfs, 'bin', a));
    const tar = join(dir, 'rootfs.tar');
    await execFile('tar', ['-C', rootfs, '-cf', tar, '.'], { timeoutMs: 30_000 });
    await execFile('docker', ['-H', `unix://${socketPath}`, 'import', tar, TEST_IMAGE], {
      timeoutMs: 60_000,
    });
    return daemon;
  } catch (e) {
    await daemon.stop().catch(() => undefined);
    throw e;
  }
}
