import t from 'tap';
import { runPlinth } from '../../harness/spine.js';

/**
 * The real `plinth` executable (coordinator/cli/main.ts) carries the VM commands
 * next to the operator ones: `host` keeps show/label/bmc/... and gains cordon,
 * drain and maintenance without a duplicate-command crash at start-up.
 */
const top = await runPlinth(['--help'], { timeoutMs: 60_000 });
t.equal(top.code, 0, top.stderr);
t.match(top.stdout, /^\s+vm\b/m);
t.match(top.stdout, /^\s+plan\b/m);
t.match(top.stdout, /^\s+apply\b/m);
const vm = await runPlinth(['vm', '--help'], { timeoutMs: 60_000 });
t.equal(vm.code, 0, vm.stderr);
for (const sub of ['create', 'list', 'show', 'start', 'stop', 'delete'])
  t.match(vm.stdout, new RegExp(`^\\s+${sub}\\b`, 'm'), `vm ${sub}`);
const host = await runPlinth(['host', '--help'], { timeoutMs: 60_000 });
t.equal(host.code, 0, host.stderr);
for (const sub of ['show', 'label', 'bmc', 'power', 'cordon', 'uncordon', 'drain', 'maintenance'])
  t.match(host.stdout, new RegExp(`^\\s+${sub}\\b`, 'm'), `host ${sub}`);
