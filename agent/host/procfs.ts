import { readFileSync, readdirSync } from 'node:fs';
import { statfs } from 'node:fs/promises';

/**
 * Reads of /proc and /sys: the host driver's metrics and NUMA/disk facts come from
 * here, never from a spawned process. Tests pass an object literal instead.
 */
export interface HostFs {
  readFile(path: string): Promise<string>;
  readdir(path: string): Promise<string[]>;
  statfs(path: string): Promise<{ bsize: number; blocks: number; bavail: number; bfree: number }>;
}

/**
 * /proc and /sys files are generated in memory by the kernel: a synchronous read takes
 * microseconds, while an async one is four threadpool round trips (open, fstat, read,
 * close) queued behind whatever else uses the pool (node-netlink keeps one of its four
 * threads busy). Sync reads keep a scrape at a few ms on a loaded host. statfs stays
 * async: it can block on a filesystem, and the caller bounds it with a deadline.
 */
export const hostFs: HostFs = {
  readFile: async (p) => readFileSync(p, 'utf8'),
  readdir: async (p) => readdirSync(p),
  statfs: async (p) => {
    const s = await statfs(p);
    return { bsize: s.bsize, blocks: s.blocks, bavail: s.bavail, bfree: s.bfree };
  },
};
