import { dirname, extname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import type { Exec } from '../../host/exec.js';
import { SI_CALLS, type SiFacts, type SiFactsSource } from './inventory.js';

/** Node's own startup plus loading systeminformation, on a loaded 2-core host. */
const CHILD_STARTUP_MS = 15_000;
/** A few KiB on a small host; a large JBOD's block devices stay far below this. */
export const SI_FACTS_MAX_BYTES = 4 * 1024 * 1024;
const MAX_CALL_TIMEOUT_MS = 120_000;

/** The child's only argument; refused rather than clamped, since only we write it. */
export function parseCallTimeout(arg: string | undefined): number {
  const ms = Number(arg);
  if (!Number.isInteger(ms) || ms < 1 || ms > MAX_CALL_TIMEOUT_MS) {
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `si-facts-child: call timeout must be an integer from 1 to ${MAX_CALL_TIMEOUT_MS} ms, got ${JSON.stringify(arg)}`,
    );
  }
  return ms;
}

/** The whole run: every call may use its full deadline, one after the other. */
export function childTimeoutMs(callTimeoutMs: number): number {
  return SI_CALLS.length * callTimeoutMs + CHILD_STARTUP_MS;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const LIST_CALLS: ReadonlySet<string> = new Set(['diskLayout', 'blockDevices']);

/**
 * Checks the shape the mappers rely on (objects where objects are expected, lists
 * where lists are); the values inside come from systeminformation as before.
 */
export function parseSiFacts(stdout: string): SiFacts {
  const line = stdout.trimEnd().split('\n').at(-1) ?? '';
  let raw: unknown;
  try {
    raw = JSON.parse(line);
  } catch {
    throw new PlinthError(
      ErrorCodes.PARSE,
      `systeminformation child printed no JSON: ${JSON.stringify(line.slice(0, 200))}`,
    );
  }
  if (!isObject(raw))
    throw new PlinthError(ErrorCodes.PARSE, 'systeminformation child: not an object');
  for (const call of SI_CALLS) {
    const f = raw[call];
    const ok =
      isObject(f) &&
      (f.ok === true
        ? LIST_CALLS.has(call)
          ? Array.isArray(f.value)
          : isObject(f.value)
        : f.ok === false && typeof f.error === 'string');
    if (!ok) {
      throw new PlinthError(
        ErrorCodes.PARSE,
        `systeminformation child: "${call}" is not {ok:true,value} or {ok:false,error}`,
      );
    }
  }
  return raw as SiFacts;
}

/**
 * Loader flags (tsx) when running from the TypeScript sources, so tests run the same
 * child; nothing else is inherited (an --inspect port would collide, heap flags are ours).
 */
export function loaderArgs(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i]!;
    if (/^--(import|require|loader|experimental-loader)=/.test(a)) out.push(a);
    else if (/^(--import|--require|-r|--loader|--experimental-loader)$/.test(a)) {
      const v = execArgv[i + 1];
      if (v !== undefined) out.push(a, v);
      i++;
    }
  }
  return out;
}

export function siFactsChildCommand(
  callTimeoutMs: number,
  self: string = fileURLToPath(import.meta.url),
  execArgv: readonly string[] = process.execArgv,
): { file: string; args: string[] } {
  const ext = extname(self);
  const child = join(dirname(self), `si-facts-child${ext}`);
  return {
    file: process.execPath,
    args: [...(ext === '.js' ? [] : loaderArgs(execArgv)), child, String(callTimeoutMs)],
  };
}

/** Runs systeminformation in a child process (argv array, hard timeout, bounded output). */
export function siFactsViaChild(exec: Exec): SiFactsSource {
  return async (callTimeoutMs, signal) => {
    const { file, args } = siFactsChildCommand(callTimeoutMs);
    const { stdout } = await exec(file, args, {
      timeoutMs: childTimeoutMs(callTimeoutMs),
      signal,
      maxBufferBytes: SI_FACTS_MAX_BYTES,
    });
    return parseSiFacts(stdout);
  };
}
