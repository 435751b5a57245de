// npm run bench [-- NAME...]: runs every benchmark under test/bench/ (or the named
// ones) and prints each figure beside its target. Benchmarks never fail a build;
// they report. A benchmark whose daemon is missing says so and is skipped.
//
// Each benchmark runs in its own Node process (run-one.ts): one benchmark's heap
// and modules must not shape another's figures. Loaded together, the harnesses of
// the others made the placement benchmark's young-generation GC pauses four times
// longer (1.2 ms -> 5 ms), and those pauses are its latency tail.
import { spawn } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchResult } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const repo = join(here, '../..');
const skipFiles = new Set(['run.ts', 'run-one.ts', 'types.ts', 'proc.ts', 'sim-agents.ts']);
const wanted = process.argv.slice(2);
/** A benchmark bounds its own waits; this only stops one that hangs. */
const BENCH_TIMEOUT_MS = 30 * 60_000;

const files = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !skipFiles.has(f))
  .sort();
// A benchmark's name is its file's name (run-one.ts checks it).
const unknown = wanted.filter((w) => !files.includes(`${w}.ts`));
if (unknown.length) {
  process.stderr.write(
    `no benchmark named ${unknown.join(', ')}; there are: ${files.map((f) => basename(f, '.ts')).join(', ')}\n`,
  );
  process.exit(2);
}

process.stdout.write('building (npm run build) so the daemons run as compiled in production...\n');
await runChild('npm', ['run', '--silent', 'build'], false);

const rows: (BenchResult & { bench: string })[] = [];
for (const file of files) {
  const name = basename(file, '.ts');
  if (wanted.length && !wanted.includes(name)) continue;
  const got = await runChild(
    process.execPath,
    ['--import', 'tsx', join(here, 'run-one.ts'), join(here, file)],
    true,
  );
  if (got.rows) rows.push(...got.rows.map((r) => ({ ...r, bench: name })));
  else {
    process.stdout.write(`  FAILED to run: ${got.error}\n`);
    rows.push({
      bench: name,
      name: 'benchmark run',
      value: NaN,
      unit: '',
      ok: false,
      note: got.error,
    });
  }
}
const missed = rows.filter((r) => r.ok === false);
process.stdout.write(
  `\n${rows.length} figures, ${rows.filter((r) => r.ok).length} targets met, ${missed.length} missed${missed.length ? ':\n' + missed.map((r) => `  - [${r.bench}] ${r.name}: ${r.value} ${r.unit} (target ${r.target ?? '-'})`).join('\n') : ''}\n`,
);

/** Output passes through; with `results`, the child writes its figures as JSON on fd 3. */
function runChild(
  cmd: string,
  args: string[],
  results: boolean,
): Promise<{ rows?: BenchResult[]; error?: string }> {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, {
      cwd: repo,
      stdio: ['ignore', 'inherit', 'inherit', ...(results ? (['pipe'] as const) : [])],
    });
    let json = '';
    child.stdio[3]?.on('data', (d: Buffer) => (json += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), BENCH_TIMEOUT_MS);
    child.on('error', (e) => {
      clearTimeout(timer);
      resolve({ error: e.message });
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (!results) {
        if (code !== 0) {
          process.stderr.write(`${cmd} ${args.join(' ')} failed (${signal ?? code})\n`);
          process.exit(1);
        }
        return resolve({});
      }
      try {
        resolve({ rows: JSON.parse(json) as BenchResult[] });
      } catch {
        resolve({
          error: `the benchmark process ended (${signal ?? `exit ${code}`}) without its figures`,
        });
      }
    });
  });
}
