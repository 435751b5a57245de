import { existsSync, readFileSync, readdirSync, readlinkSync, statSync } from 'node:fs';
import { execFile, type ExecResult } from '../agent/host/exec.js';

/** argv only, always a deadline (agent/host/exec.ts). */
export function run(
  file: string,
  args: readonly string[],
  timeoutMs = 15_000,
): Promise<ExecResult> {
  return execFile(file, args, { timeoutMs });
}

export const ip = (args: readonly string[], timeoutMs = 10_000) => run('ip', args, timeoutMs);

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Poll until `fn` is truthy; bounded in time and count. */
export async function waitUntil<T>(
  what: string,
  fn: () => T | Promise<T>,
  timeoutMs: number,
  intervalMs = 200,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (let i = 0; i < Math.ceil(timeoutMs / intervalMs) + 2; i++) {
    try {
      const v = await fn();
      if (v) return v as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) break;
    await sleep(intervalMs);
  }
  throw new Error(
    `timed out after ${Math.round(timeoutMs / 1000)} s waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`,
  );
}

export function readPid(path: string): number | undefined {
  try {
    const n = Number.parseInt(readFileSync(path, 'utf8').trim(), 10);
    return Number.isInteger(n) && n > 1 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie (PID 1 on this kind of machine reaps late). */
export function alive(pid: number | undefined): boolean {
  if (pid === undefined) return false;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const s = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return s !== 'Z' && s !== 'X';
  } catch {
    return false;
  }
}

/** Processes whose network namespace is `ns` (what `ip netns pids` does, without a spawn). */
export function netnsPids(ns: string): number[] {
  const path = `/run/netns/${ns}`;
  if (!existsSync(path)) return [];
  let ino: number;
  try {
    ino = statSync(path).ino;
  } catch {
    return [];
  }
  const want = `net:[${ino}]`;
  const out: number[] = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readlinkSync(`/proc/${e}/ns/net`) === want && alive(Number(e))) out.push(Number(e));
    } catch {
      /* gone, or a kernel thread */
    }
  }
  return out;
}

export function comm(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return '?';
  }
}

/** Resident set size in bytes (VmRSS), 0 when gone. */
export function rssBytes(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

export function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** SIGTERM, then SIGKILL after `graceMs`, then wait up to `killWaitMs` for it to go; bounded. */
export async function stopPid(
  pid: number | undefined,
  graceMs = 3000,
  killWaitMs = 2000,
): Promise<void> {
  if (!alive(pid)) return;
  signal(pid!, 'SIGTERM');
  const until = Date.now() + graceMs;
  for (let i = 0; i <= Math.ceil(graceMs / 50) && Date.now() < until; i++) {
    if (!alive(pid)) return;
    await sleep(50);
  }
  signal(pid!, 'SIGKILL');
  for (let i = 0; i < Math.ceil(killWaitMs / 50) && alive(pid); i++) await sleep(50);
}

/** SIGKILL every process in a network namespace until none is left (bounded rounds). */
export async function killNetns(ns: string, rounds = 40): Promise<void> {
  for (let i = 0; i < rounds; i++) {
    const pids = netnsPids(ns);
    if (pids.length === 0) return;
    for (const p of pids) signal(p, 'SIGKILL');
    await sleep(100);
  }
  const left = netnsPids(ns);
  if (left.length) throw new Error(`processes left in ${ns} after SIGKILL: ${left.join(' ')}`);
}

export async function listNetns(): Promise<string[]> {
  const { stdout } = await ip(['netns', 'list']);
  return stdout
    .split('\n')
    .map((l) => l.trim().split(/\s+/)[0] ?? '')
    .filter(Boolean);
}

export async function linkExists(name: string, ns?: string): Promise<boolean> {
  try {
    await ip([...(ns ? ['-n', ns] : []), 'link', 'show', 'dev', name]);
    return true;
  } catch {
    return false;
  }
}
