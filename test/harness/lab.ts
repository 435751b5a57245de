import { pathToFileURL } from 'node:url';
import { Command } from 'commander';
import { registerLabCommands } from '../../lab/cli.js';
import { preflightProblems } from '../../lab/preflight.js';

export * from '../../lab/lab.js';

/** Why the lab cannot run here (for t.skip), or undefined when it can. */
export function labUnavailable(): string | undefined {
  const p = preflightProblems({});
  return p.length ? p.join('; ') : undefined;
}

// `npx tsx test/harness/lab.ts up --hosts 3`: the lab CLI before main.ts wires it.
if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const program = new Command('plinth');
  registerLabCommands(program);
  program.parseAsync(['node', 'plinth', 'lab', ...process.argv.slice(2)]).catch((e: Error) => {
    process.stderr.write(`plinth: ${e.message}\n`);
    process.exitCode = 1;
  });
}
