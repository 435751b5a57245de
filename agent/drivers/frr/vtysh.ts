import type { Exec } from '../../host/exec.js';
import { ErrorCodes, PlinthError, isPlinthError } from '../../../lib/errors.js';
import type { FrrConfig } from './config.js';

/**
 * The only way the driver talks to FRR: `vtysh --vty_socket DIR --config_dir DIR -c ...`
 * with an argv array (no shell), one exec per batch, always with a deadline.
 */
export interface Vtysh {
  /** Read-only commands; `echo` adds -E so several outputs can be split apart. */
  show(commands: readonly string[], opts: { echo: boolean; signal?: AbortSignal }): Promise<string>;
  /** `configure terminal`, the commands, `end` (and `write memory` when asked) in one call. */
  configure(
    commands: readonly string[],
    opts: { save: boolean; signal?: AbortSignal },
  ): Promise<string>;
  save(signal?: AbortSignal): Promise<string>;
}

export function vtyshArgs(
  cfg: Pick<FrrConfig, 'vtySocketDir' | 'configDir'>,
  commands: readonly string[],
  echo = false,
): string[] {
  for (const c of commands) {
    // vtysh splits -c on newlines: one argv entry must stay one command.
    if (/[\n\r\0]/.test(c))
      throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, 'vtysh command with a line break');
  }
  return [
    '--vty_socket',
    cfg.vtySocketDir,
    '--config_dir',
    cfg.configDir,
    ...(echo ? ['-E'] : []),
    ...commands.flatMap((c) => ['-c', c]),
  ];
}

/** Any failure to get an answer from FRR is FRR being unavailable to plinth. */
function unavailable(e: unknown): PlinthError {
  const msg = isPlinthError(e) || e instanceof Error ? e.message : String(e);
  return new PlinthError(ErrorCodes.FRR_UNAVAILABLE, `FRR is unavailable: ${msg}`, undefined, {
    cause: e,
  });
}

export function createVtysh(exec: Exec, cfg: FrrConfig): Vtysh {
  const run = async (args: string[], timeoutMs: number, signal?: AbortSignal): Promise<string> => {
    try {
      const r = await exec(cfg.vtysh, args, { timeoutMs, ...(signal ? { signal } : {}) });
      return r.stdout;
    } catch (e) {
      throw unavailable(e);
    }
  };
  return {
    show: (commands, { echo, signal }) =>
      run(vtyshArgs(cfg, commands, echo), cfg.observeTimeoutMs, signal),
    configure: (commands, { save, signal }) =>
      run(
        vtyshArgs(
          cfg,
          ['configure terminal', ...commands, 'end', ...(save ? ['write memory'] : [])],
          true,
        ),
        cfg.applyTimeoutMs,
        signal,
      ),
    save: (signal) => run(vtyshArgs(cfg, ['write memory']), cfg.applyTimeoutMs, signal),
  };
}
