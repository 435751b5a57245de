/**
 * Child process for agent-store.test.ts: writes to an AgentStore and dies by
 * SIGKILL without closing it, like an agent killed -9.
 * argv: <db path> <number of deltas> | <db path> loop
 *  - a number: write that many deltas, trim, save state, print "<incarnation> <lastSeq>", kill itself;
 *  - loop: write deltas forever (bounded to 100,000), printing "ready" after the first; the parent kills it.
 */
import { silentLog } from '../../../lib/log.js';
import { AgentStore } from '../../../agent/state/store.js';

const [path, count] = process.argv.slice(2);
const store = new AgentStore({ path: path!, log: silentLog(), now: () => 1000 });

if (count === 'loop') {
  for (let n = 1; n <= 100_000; n++) {
    const seq = store.lastSeq() + 1;
    store.recordDelta(
      'host',
      [
        { kind: 'counter', id: 'c', data: { seq } },
        { kind: 'item', id: `i${seq}`, data: { seq } },
      ],
      [],
    );
    if (n === 1) process.stdout.write('ready\n');
  }
  process.exit(3); // the parent should have killed us long before
} else {
  store.saveDesired(7, { vms: { a: 1 } });
  store.saveInventory({ cpu: 'x' });
  for (let i = 1; i <= Number(count); i++) {
    store.recordDelta('host', [{ kind: 'host.link', id: `l${i}`, data: { i } }], []);
  }
  store.trimOutbox(2);
  store.saveApplied(7, [{ kind: 'vm', id: 'a', ok: true, action: 'noop' }]);
  process.stdout.write(`${store.incarnation} ${store.lastSeq()}\n`, () =>
    process.kill(process.pid, 'SIGKILL'),
  );
}
