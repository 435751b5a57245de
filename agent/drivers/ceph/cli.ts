import { ErrorCodes, PlinthError, isPlinthError } from '../../../lib/errors.js';
import type { Exec, ExecResult } from '../../host/exec.js';
import { parseJson, splitJsonDocuments } from './parse.js';

/**
 * The `ceph` CLI, always with JSON output and a hard timeout. Each run costs a
 * Python start-up (0.2–0.45 s), so read-only mon commands are batched: the CLI in
 * interactive mode reads one command per line from stdin and prints one JSON
 * document per command, which turns `status` + `osd dump` + `osd tree` + `health
 * detail` into one process.
 */
export interface CephCliOptions {
  binary: string;
  conf: string;
  clientName: string;
  keyring: string;
  timeoutMs: number;
}

export interface CephCli {
  run(
    args: readonly string[],
    opts?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<ExecResult>;
  batch(
    commands: readonly string[],
    opts?: { signal?: AbortSignal; timeoutMs?: number },
  ): Promise<unknown[]>;
  /** Processes spawned so far (for the benchmark and a metric). */
  spawns(): number;
}

/** Mon commands go in the batch as text lines: only plain words, never operator input. */
const SAFE_BATCH_LINE = /^[a-z][a-z0-9 _-]*$/;

/**
 * The CLI exits with a command's errno (EBUSY=16 from ok-to-stop, EINVAL=22, ...)
 * when the cluster answered, and with 1 or a connection errno when it never did
 * (its own --connect-timeout: "timed out"). Only the latter means unavailable.
 */
const UNREACHABLE_EXITS = new Set([1, 107, 110, 111, 113]);
export function isUnreachableExit(code: unknown): boolean {
  return typeof code === 'number' && UNREACHABLE_EXITS.has(code);
}

export function createCephCli(exec: Exec, o: CephCliOptions, onSpawn?: () => void): CephCli {
  let spawns = 0;
  const base = (timeoutMs: number) => {
    const args = ['--conf', o.conf, '--name', o.clientName];
    if (o.keyring !== '') args.push('--keyring', o.keyring);
    // The CLI's own connect timeout lets it fail with a message before we kill it.
    args.push('--connect-timeout', String(Math.max(1, Math.floor(timeoutMs / 1000) - 1)));
    return args;
  };
  const call = async (
    args: string[],
    what: string,
    opts: { signal?: AbortSignal; timeoutMs?: number; input?: string },
  ): Promise<ExecResult> => {
    const timeoutMs = opts.timeoutMs ?? o.timeoutMs;
    spawns++;
    onSpawn?.();
    try {
      return await exec(o.binary, [...base(timeoutMs), ...args], {
        timeoutMs,
        signal: opts.signal,
        input: opts.input,
        env: { ...process.env, CEPH_CONF: o.conf },
      });
    } catch (e) {
      if (isPlinthError(e) && e.code === ErrorCodes.TIMEOUT) {
        throw new PlinthError(
          ErrorCodes.CEPH_UNAVAILABLE,
          `ceph ${what} did not answer within ${timeoutMs} ms (cluster unreachable or command hung)`,
          { command: what, timeoutMs },
          { cause: e },
        );
      }
      if (
        isPlinthError(e) &&
        e.code === ErrorCodes.EXEC_FAILED &&
        isUnreachableExit(e.details?.exitCode)
      ) {
        const stderr = String(e.details?.stderr ?? '').trim();
        throw new PlinthError(
          ErrorCodes.CEPH_UNAVAILABLE,
          `ceph ${what}: cluster unreachable: ${stderr.slice(0, 300)}`,
          { command: what, stderr: stderr.slice(0, 2000) },
          { cause: e },
        );
      }
      throw e;
    }
  };
  return {
    run: (args, opts = {}) => call([...args], args.join(' '), opts),
    async batch(commands, opts = {}) {
      for (const c of commands) {
        if (!SAFE_BATCH_LINE.test(c)) {
          throw new PlinthError(ErrorCodes.INTERNAL, `refusing batch line ${JSON.stringify(c)}`);
        }
      }
      const what = commands.join(' + ');
      const r = await call(['--format', 'json'], what, {
        ...opts,
        input: commands.join('\n') + '\n',
      });
      const docs =
        commands.length === 1 ? [parseJson(r.stdout, what)] : splitJsonDocuments(r.stdout, what);
      if (docs.length !== commands.length) {
        throw new PlinthError(
          ErrorCodes.PARSE,
          `ceph ${what}: expected ${commands.length} JSON documents, got ${docs.length}: ${r.stderr.trim().slice(0, 300)}`,
          { command: what, stderr: r.stderr.slice(0, 2000) },
        );
      }
      return docs;
    },
    spawns: () => spawns,
  };
}
