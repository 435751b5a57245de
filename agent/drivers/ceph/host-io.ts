import { existsSync } from 'node:fs';
import { readdir, readFile, rename, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { delimiter, join } from 'node:path';
import { createDockerApi, type DockerApi } from '../containers/docker.js';
import { adminSocketCall, type AdminSocketCall } from './admin-socket.js';

/**
 * The Ceph driver's host IO beyond DriverContext.exec: files, /proc, signals, the
 * admin socket and dockerd. One plain object so unit tests pass a literal fake.
 * (Lives here rather than in agent/host/ because that directory is not this
 * driver's to edit; it is a thin shell with no logic.)
 */
export interface CephHostIo {
  exists(path: string): boolean;
  readFile(path: string): Promise<string | undefined>;
  /** Atomic replace (write + rename). */
  writeFile(path: string, text: string): Promise<void>;
  /** Numeric entries of /proc. */
  listPids(): Promise<number[]>;
  readProc(pid: number, file: 'cmdline' | 'stat' | 'cgroup'): Promise<string | undefined>;
  kill(pid: number, signal: NodeJS.Signals): boolean;
  hostname(): string;
  /** Where `name` resolves on PATH (or itself when it contains a slash), if anywhere. */
  which(name: string): string | undefined;
  env(name: string): string | undefined;
  adminSocket: AdminSocketCall;
  docker(socketPath: string, timeoutMs: number): DockerApi;
}

export const realCephHostIo: CephHostIo = {
  exists: (p) => existsSync(p),
  async readFile(p) {
    try {
      return await readFile(p, 'utf8');
    } catch {
      return undefined;
    }
  },
  async writeFile(p, text) {
    const tmp = `${p}.tmp-${process.pid}`;
    await writeFile(tmp, text);
    await rename(tmp, p);
  },
  async listPids() {
    const names = await readdir('/proc');
    return names.filter((n) => /^\d+$/.test(n)).map(Number);
  },
  async readProc(pid, file) {
    try {
      return await readFile(`/proc/${pid}/${file}`, 'utf8');
    } catch {
      return undefined;
    }
  },
  kill(pid, signal) {
    try {
      process.kill(pid, signal);
      return true;
    } catch {
      return false;
    }
  },
  hostname: () => hostname(),
  which(name) {
    if (name.includes('/')) return existsSync(name) ? name : undefined;
    for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
      const p = join(dir, name);
      if (dir !== '' && existsSync(p)) return p;
    }
    return undefined;
  },
  env: (name) => process.env[name],
  adminSocket: adminSocketCall,
  docker: createDockerApi,
};
