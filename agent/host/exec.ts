import { execFile as nodeExecFile } from 'node:child_process';
import { ErrorCodes, PlinthError } from '../../lib/errors.js';

export interface ExecOptions {
  /** Hard deadline for the child; it is killed (SIGKILL) when it passes. */
  timeoutMs: number;
  signal?: AbortSignal;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
  maxBufferBytes?: number;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
}

/** The one way plinth runs a program: argv array, no shell, always a timeout. */
export type Exec = (
  file: string,
  args: readonly string[],
  opts: ExecOptions,
) => Promise<ExecResult>;

let spawnCount = 0;
/** Processes spawned by this agent since start: the benchmarks report it per minute. */
export function spawnsSoFar(): number {
  return spawnCount;
}

export const execFile: Exec = (file, args, opts) =>
  new Promise((resolve, reject) => {
    spawnCount++;
    const child = nodeExecFile(
      file,
      [...args],
      {
        timeout: opts.timeoutMs,
        killSignal: 'SIGKILL',
        signal: opts.signal,
        env: opts.env,
        cwd: opts.cwd,
        maxBuffer: opts.maxBufferBytes ?? 32 * 1024 * 1024,
        encoding: 'utf8',
        shell: false,
      },
      (err, stdout, stderr) => {
        if (!err) return resolve({ stdout, stderr });
        const e = err as NodeJS.ErrnoException & {
          killed?: boolean;
          code?: unknown;
          signal?: string;
        };
        const cmd = [file, ...args].join(' ');
        if (e.code === 'ENOENT') {
          return reject(
            new PlinthError(
              ErrorCodes.UNAVAILABLE,
              `${file} is not installed (not found on PATH)`,
              {
                file,
              },
            ),
          );
        }
        if (e.killed || e.signal === 'SIGKILL' || e.name === 'AbortError') {
          return reject(
            new PlinthError(
              ErrorCodes.TIMEOUT,
              `${file} did not finish within ${opts.timeoutMs} ms and was killed`,
              { file, timeoutMs: opts.timeoutMs },
            ),
          );
        }
        reject(
          new PlinthError(
            ErrorCodes.EXEC_FAILED,
            `${cmd.slice(0, 200)} exited with ${String(e.code ?? e.signal)}: ${String(
              stderr || stdout,
            )
              .trim()
              .slice(0, 500)}`,
            {
              file,
              exitCode: e.code,
              stderr: String(stderr).slice(0, 2000),
              stdout: String(stdout).slice(0, 2000),
            },
          ),
        );
      },
    );
    if (opts.input !== undefined) {
      child.stdin?.end(opts.input);
    }
  });
