import { Command } from 'commander';
import { registerEvacuationCommands } from '../../coordinator/cli/evacuation-commands.js';
import { exitFor } from '../../coordinator/cli/exit.js';
import { registerOperatorCommands } from '../../coordinator/cli/operator.js';
import type { CliIo } from '../../coordinator/cli/vm-cli-io.js';
import { registerVmCommands } from '../../coordinator/cli/vm-commands.js';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** One line on success, else the command, its exit code and its output (for messages). */
  text: string;
}

/**
 * The real `plinth` operator, VM and evacuation commands (the same commander tree,
 * argv, actions and output), run in this process the way coordinator/cli/main.ts
 * builds and ends them (exitFor). Spawning the CLI from source costs 2-15 s per call
 * on a loaded 2-core machine; `runPlinth` (a real child process) stays where the
 * process itself matters. An error no command means to throw fails the test.
 */
export async function runCliInProcess(
  args: string[],
  opts: { sleep?: (ms: number) => Promise<void>; columns?: number } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const capture = {
    writeOut: (s: string) => void (stdout += s),
    writeErr: (s: string) => void (stderr += s),
  };
  const io: CliIo = {
    out: capture.writeOut,
    err: capture.writeErr,
    now: Date.now,
    sleep: opts.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms))),
    columns: () => opts.columns ?? 160,
  };
  const out = { code: 0 };
  const program = new Command('plinth');
  registerOperatorCommands(program, out);
  registerVmCommands(program, out, io);
  registerEvacuationCommands(program, io);
  for (const c of allCommands(program)) c.exitOverride().configureOutput(capture);
  let code: number;
  try {
    await program.parseAsync(['node', 'plinth', ...args]);
    code = out.code;
  } catch (e) {
    const exit = exitFor(e);
    if (!exit.expected) throw e;
    stderr += exit.stderr;
    code = exit.code;
  }
  const head = `plinth ${args.slice(0, 3).join(' ')}`;
  const text = code === 0 ? head : `${head} -> ${code}\n${stdout.slice(-3000)}\n${stderr}`;
  return { code, stdout, stderr, text };
}

function allCommands(c: Command): Command[] {
  return [c, ...c.commands.flatMap((x) => allCommands(x))];
}
