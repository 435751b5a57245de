import { CommanderError } from 'commander';
import { ErrorCodes, isPlinthError } from '../../lib/errors.js';

export interface CliExit {
  code: number;
  /** What goes to stderr ('' when commander has printed its own message). */
  stderr: string;
  /** False for an error no command means to throw: a bug, printed with its stack. */
  expected: boolean;
}

/**
 * How the CLI ends on an error: commander's exit code for a usage error; a
 * PlinthError as "plinth: message (code)", 2 for bad input and 1 otherwise; any
 * other error with its stack, 1. The in-process test runner uses the same rule.
 */
export function exitFor(e: unknown): CliExit {
  if (e instanceof CommanderError) return { code: e.exitCode, stderr: '', expected: true };
  if (isPlinthError(e)) {
    const bad = e.code === ErrorCodes.INVALID_ARGUMENT || e.code === ErrorCodes.CONFIG;
    return { code: bad ? 2 : 1, stderr: `plinth: ${e.message}\n  (${e.code})\n`, expected: true };
  }
  return { code: 1, stderr: `plinth: ${(e as Error).stack ?? String(e)}\n`, expected: false };
}
