import t from 'tap';
import { siFactsViaChild } from '../../../agent/drivers/host/si-facts-exec.js';
import { execFile, spawnsSoFar } from '../../../agent/host/exec.js';

/**
 * The real child: node running si-facts-child with the real systeminformation on
 * this machine, through the agent's one exec. Its answer must be what the driver maps.
 */
t.test('the systeminformation child answers every call', async (t) => {
  const before = spawnsSoFar();
  const facts = await siFactsViaChild(execFile)(10_000, AbortSignal.timeout(60_000));
  t.ok(spawnsSoFar() > before, 'ran as a child process through agent/host/exec.ts');
  t.ok(facts.cpu.ok && facts.cpu.value.cores > 0, 'cpu: logical cores');
  t.ok(facts.cpu.ok && facts.cpu.value.flags.length > 0, 'cpu: flags');
  t.ok(facts.mem.ok && facts.mem.value.total > 0, 'memory total');
  t.ok(facts.osInfo.ok && facts.osInfo.value.kernel.length > 0, 'kernel');
  t.ok(facts.blockDevices.ok && Array.isArray(facts.blockDevices.value), 'block devices');
  // dmidecode may be refused inside a container: then `system` is an error, not a crash.
  t.ok(facts.system.ok || facts.system.error.length > 0, 'system: a value or an error');
});

t.test('a child that cannot finish in time is killed and reported', async (t) => {
  await t.rejects(
    siFactsViaChild(execFile)(10_000, AbortSignal.timeout(1)),
    { code: 'PLINTH_E_TIMEOUT' },
    'aborted by the caller',
  );
});
