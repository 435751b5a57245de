import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import type { Test } from 'tap';
import type { Log } from '../../../lib/log.js';

/** Run fn and return what it threw; fails the test if it did not throw. */
export function caught(t: Test, fn: () => unknown): Error & { code?: string; details?: unknown } {
  try {
    fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  t.fail('expected a throw');
  return new Error('did not throw');
}

export async function caughtAsync(
  t: Test,
  fn: () => Promise<unknown>,
): Promise<Error & { code?: string }> {
  try {
    await fn();
  } catch (e) {
    return e as Error & { code?: string };
  }
  t.fail('expected a rejection');
  return new Error('did not reject');
}

/** A fresh temp dir removed when the test ends. */
export function tempDir(t: Test, what = 'x'): string {
  const dir = mkdtempSync(join(tmpdir(), `plt-spine-${what}-`));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A pino logger whose JSON lines are collected in memory. */
export function bufferLog(): { log: Log; lines: () => Record<string, unknown>[] } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      chunks.push(chunk.toString('utf8'));
      cb();
    },
  });
  const log = pino({ level: 'info' }, stream);
  return {
    log,
    lines: () =>
      chunks
        .join('')
        .split('\n')
        .filter((l) => l.trim() !== '')
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

export interface Deferred<T> {
  promise: Promise<T>;
  resolve(v: T): void;
  reject(e: unknown): void;
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (v: T) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/** Poll `cond` every 5 ms until true; bounded by `ms`. Returns whether it became true. */
export async function waitFor(cond: () => boolean, ms = 2000): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (let i = 0; i < 10_000 && Date.now() < deadline; i++) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return cond();
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
