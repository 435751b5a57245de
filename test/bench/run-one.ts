// One benchmark in this process (run.ts starts one per benchmark): prints its
// figures, then writes them as JSON on fd 3 for run.ts's summary.
import { writeSync } from 'node:fs';
import { basename } from 'node:path';
import type { Bench, BenchResult } from './types.js';

const file = process.argv[2];
if (!file) throw new Error('usage: run-one.ts BENCH_FILE');
const mod = (await import(file)) as { bench?: Bench };
const name = basename(file, '.ts');
if (mod.bench?.name !== name)
  throw new Error(`${file} must export a benchmark named "${name}" (its file name)`);

process.stdout.write(`\n== ${name} ==\n`);
const t0 = performance.now();
let results: BenchResult[];
try {
  results = await mod.bench.run();
  for (const r of results) {
    const verdict = r.ok === undefined ? '' : r.ok ? '  OK' : '  MISSED';
    process.stdout.write(
      `  ${r.name}: ${r.value} ${r.unit}${r.target ? `  (target ${r.target})` : ''}${verdict}${r.note ? `  — ${r.note}` : ''}\n`,
    );
  }
  if (results.length === 0) process.stdout.write('  (skipped: see the reason above)\n');
} catch (e) {
  process.stdout.write(`  FAILED to run: ${(e as Error).message}\n`);
  results = [
    { name: 'benchmark run', value: NaN, unit: '', ok: false, note: (e as Error).message },
  ];
}
process.stdout.write(`  (${((performance.now() - t0) / 1000).toFixed(0)} s)\n`);
writeSync(3, JSON.stringify(results));
// Handles a benchmark left open (sockets, timers) must not keep its process alive.
process.exit(0);
