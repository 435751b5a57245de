// npm run bench [-- NAME...]: runs every benchmark under test/bench/ (or the named
// ones) and prints each figure beside its target. Benchmarks never fail a build;
// they report. A benchmark whose daemon is missing says so and is skipped.
import { readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchResult } from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const skipFiles = new Set(['run.ts', 'types.ts', 'proc.ts', 'sim-agents.ts']);
const wanted = process.argv.slice(2);

process.stdout.write('building (npm run build) so the daemons run as compiled in production...\n');
execFileSync('npm', ['run', '--silent', 'build'], { cwd: join(here, '../..'), stdio: 'inherit' });

const rows: (BenchResult & { bench: string })[] = [];
for (const file of readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !skipFiles.has(f))
  .sort()) {
  const mod = (await import(join(here, file))) as { bench?: Bench };
  if (!mod.bench) continue;
  if (wanted.length && !wanted.includes(mod.bench.name)) continue;
  process.stdout.write(`\n== ${mod.bench.name} ==\n`);
  const t0 = performance.now();
  try {
    const results = await mod.bench.run();
    for (const r of results) {
      rows.push({ ...r, bench: mod.bench.name });
      const verdict = r.ok === undefined ? '' : r.ok ? '  OK' : '  MISSED';
      process.stdout.write(
        `  ${r.name}: ${r.value} ${r.unit}${r.target ? `  (target ${r.target})` : ''}${verdict}${r.note ? `  — ${r.note}` : ''}\n`,
      );
    }
    if (results.length === 0) process.stdout.write('  (skipped: see the reason above)\n');
  } catch (e) {
    process.stdout.write(`  FAILED to run: ${(e as Error).message}\n`);
    rows.push({
      bench: mod.bench.name,
      name: 'benchmark run',
      value: NaN,
      unit: '',
      ok: false,
      note: (e as Error).message,
    });
  }
  process.stdout.write(`  (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
}
const missed = rows.filter((r) => r.ok === false);
process.stdout.write(
  `\n${rows.length} figures, ${rows.filter((r) => r.ok).length} targets met, ${missed.length} missed${missed.length ? ':\n' + missed.map((r) => `  - [${r.bench}] ${r.name}: ${r.value} ${r.unit} (target ${r.target ?? '-'})`).join('\n') : ''}\n`,
);
