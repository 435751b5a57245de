import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { execFile } from '../../agent/host/exec.js';

/**
 * A throwaway network namespace (`plt-host-<random>`) and the host-driver probe
 * (test/integration/host/probe.ts) running inside it. Everything is removed by
 * close(); every wait is bounded.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const probePath = fileURLToPath(new URL('../integration/host/probe.ts', import.meta.url));

/** Why the netns tests cannot run here, or undefined when they can. */
export async function netnsUnavailable(): Promise<string | undefined> {
  if (process.getuid?.() !== 0) return 'network namespaces need root';
  try {
    await execFile('ip', ['-V'], { timeoutMs: 5000 });
  } catch {
    return 'iproute2 (ip) is not installed';
  }
  return undefined;
}

export interface Netns {
  name: string;
  /** `ip -n NAME ARGS...` */
  ip(...args: string[]): Promise<void>;
  close(): Promise<void>;
}

export async function createNetns(): Promise<Netns> {
  const name = `plt-host-${randomBytes(3).toString('hex')}`;
  await execFile('ip', ['netns', 'add', name], { timeoutMs: 5000 });
  const ns: Netns = {
    name,
    async ip(...args) {
      await execFile('ip', ['-n', name, ...args], { timeoutMs: 5000 });
    },
    async close() {
      await execFile('ip', ['netns', 'del', name], { timeoutMs: 5000 }).catch(() => undefined);
    },
  };
  await ns.ip('link', 'set', 'lo', 'up');
  return ns;
}

export interface ProbeLine {
  type: string;
  /** performance.now() in this process when the line arrived. */
  at: number;
  [key: string]: unknown;
}

export interface Probe {
  lines: ProbeLine[];
  /** Resolves with the first line (seen so far or later) matching `pred`; rejects after timeoutMs. */
  waitFor(
    pred: (l: ProbeLine) => boolean,
    timeoutMs: number,
    what: string,
    from?: number,
  ): Promise<ProbeLine>;
  stderr(): string;
  close(): Promise<void>;
}

export function startProbe(ns: string, maxSeconds = 90): Probe {
  const child: ChildProcess = spawn(
    'ip',
    ['netns', 'exec', ns, process.execPath, '--import', 'tsx', probePath],
    {
      cwd: repoRoot,
      env: { ...process.env, PROBE_MAX_SECONDS: String(maxSeconds) },
      stdio: ['pipe', 'pipe', 'pipe'],
    },
  );
  const lines: ProbeLine[] = [];
  const waiters = new Set<() => void>();
  let err = '';
  let buf = '';
  child.stdout!.setEncoding('utf8');
  child.stdout!.on('data', (chunk: string) => {
    const at = performance.now();
    buf += chunk;
    let nl: number;
    while ((nl = buf.indexOf('\n')) !== -1) {
      const text = buf.slice(0, nl);
      buf = buf.slice(nl + 1);
      try {
        lines.push({ ...(JSON.parse(text) as object), at } as ProbeLine);
      } catch {
        err += `(non-JSON stdout) ${text}\n`;
      }
    }
    for (const w of waiters) w();
  });
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (c: string) => {
    if (err.length < 20_000) err += c;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  exited.then(() => {
    for (const w of waiters) w();
  });

  return {
    lines,
    stderr: () => err,
    waitFor(pred, timeoutMs, what, from = 0) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const hit = lines.slice(from).find(pred);
          if (hit) {
            done();
            resolve(hit);
          } else if (child.exitCode !== null || child.signalCode !== null) {
            done();
            reject(
              new Error(
                `probe exited (${child.exitCode ?? child.signalCode}) before ${what}; stderr: ${err.slice(-2000)}`,
              ),
            );
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`no ${what} within ${timeoutMs} ms; stderr: ${err.slice(-2000)}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const killer = setTimeout(() => child.kill('SIGKILL'), 3000);
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      clearTimeout(killer);
    },
  };
}
