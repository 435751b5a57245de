import t from 'tap';
import { statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fakeDriver } from '../../harness/fake-driver.js';
import { ipmiSimUnavailableReason, startIpmiSim } from '../../harness/ipmi-sim.js';
import { startRedfish } from '../../harness/redfish.js';
import {
  memoryLog,
  runPlinth,
  startTestAgent,
  startTestCoordinator,
  testAdmin,
  TestPki,
} from '../../harness/spine.js';

/**
 * The operator's path end to end: `plinth host bmc set`, `host power`, `fence`
 * through the real coordinator, against a real ipmi_sim and the Redfish test
 * server. Credentials stay encrypted at the coordinator and never show up in a
 * log, an answer or an error.
 */
const pki = await TestPki.create('plt-bmc-coord-');
t.teardown(() => pki.cleanup());
const { log, lines } = memoryLog();
const coord = await startTestCoordinator(pki, { log });
t.teardown(() => coord.stop());
const admin = await testAdmin(pki, coord.port);
t.teardown(() => admin.close());
const agent = await startTestAgent(pki, {
  hostId: 'bmc-host',
  coordinatorPort: coord.port,
  drivers: [fakeDriver().driver],
});
t.teardown(() => agent.stop());
await new Promise((r) => setTimeout(r, 300));
const cli = (...args: string[]) =>
  runPlinth(
    [
      ...args,
      '--coordinator',
      admin.target.coordinator,
      '--ca',
      admin.target.ca,
      '--cert',
      admin.target.cert,
      '--key',
      admin.target.key,
    ],
    { timeoutMs: 60_000 },
  );
const passwords: string[] = [];

t.test('IPMI: set, power status, fence, fence again, wrong password', async (t) => {
  const why = await ipmiSimUnavailableReason();
  if (why) {
    t.plan(0, `skipped: ${why}`);
    return;
  }
  const sim = await startIpmiSim({ power: 'on' });
  t.teardown(() => sim.stop());
  passwords.push(sim.password);
  const pwFile = join(pki.dir, 'ipmi.pw');
  writeFileSync(pwFile, sim.password + '\n', { mode: 0o600 });
  const setIpmi = () =>
    cli(
      'host',
      'bmc',
      'set',
      'bmc-host',
      '--ipmi',
      `${sim.host}:${sim.port}`,
      '--user',
      sim.user,
      '--password-file',
      pwFile,
    );

  const set = await setIpmi();
  t.equal(set.code, 0, set.stderr);
  t.match(set.stdout, `bmc-host: BMC ipmi ${sim.host}:${sim.port} as ${sim.user}`);
  const stored = coord.store.getBmc('bmc-host')!;
  t.notMatch(stored.secret, sim.password, 'the stored secret is not the password');
  t.match(stored.secret, /^v1\./, 'it is the encrypted form');
  t.equal(
    statSync(join(pki.dir, 'coordinator', 'bmc.key')).mode & 0o777,
    0o600,
    'the key file is 0600',
  );

  const show = await cli('host', 'bmc', 'show', 'bmc-host', '--json');
  t.notMatch(show.stdout, sim.password, 'show never prints the password');

  const status = await cli('host', 'power', 'bmc-host', 'status');
  t.equal(status.stdout.trim(), 'bmc-host: power on');

  const f1 = await cli('fence', 'bmc-host', '--yes');
  t.equal(f1.code, 0, f1.stderr);
  t.match(f1.stdout, /bmc-host is off: confirmed in \d+ ms/);
  t.equal(await sim.powerState(), 'off', 'the simulated chassis really is off');
  const f2 = await cli('fence', 'bmc-host', '--yes', '--json');
  t.equal(f2.code, 0);
  t.match(
    JSON.parse(f2.stdout),
    { ok: true, alreadyOff: true, powerState: 'off' },
    'fencing an off host succeeds',
  );

  const noTty = await cli('fence', 'bmc-host');
  t.equal(noTty.code, 2);
  t.match(
    noTty.stderr,
    'refusing to fence without confirmation: stdin is not a terminal; pass --yes',
  );

  const events = await admin.call('ListEvents', { afterId: 0, limit: 200, hostId: 'bmc-host' });
  const types = events.events.map((e) => e.type);
  t.ok(
    types.includes('fence.start') &&
      types.includes('fence.attempt') &&
      types.includes('fence.done'),
    'every attempt and the outcome are events',
  );

  writeFileSync(pwFile, 'wrong-password\n');
  await setIpmi();
  const t0 = performance.now();
  const bad = await cli('fence', 'bmc-host', '--yes', '--json');
  const took = performance.now() - t0;
  t.equal(bad.code, 1);
  t.match(JSON.parse(bad.stdout), { ok: false, code: 'PLINTH_E_BMC_AUTH' });
  t.ok(took < 5000, `a wrong password fails fast (${Math.round(took)} ms including CLI start-up)`);
});

t.test('Redfish: a verified certificate, fence twice (409 on the second ForceOff)', async (t) => {
  const rf = await startRedfish({ sensors: [], power: 'On' });
  t.teardown(() => rf.stop());
  passwords.push(rf.password);
  const pwFile = join(pki.dir, 'redfish.pw');
  writeFileSync(pwFile, rf.password, { mode: 0o600 });
  const caFile = join(pki.dir, 'redfish-ca.pem');
  writeFileSync(caFile, rf.pki.caPem);

  const noTrust = await cli(
    'host',
    'bmc',
    'set',
    'bmc-host',
    '--redfish',
    rf.url,
    '--user',
    rf.user,
    '--password-file',
    pwFile,
  );
  t.equal(noTrust.code, 2);
  t.match(
    noTrust.stderr,
    'a Redfish BMC needs exactly one of --ca-file, --pin-sha256 or --insecure-skip-verify',
  );
  const plain = await cli(
    'host',
    'bmc',
    'set',
    'bmc-host',
    '--redfish',
    rf.url.replace('https:', 'http:'),
    '--user',
    rf.user,
    '--password-file',
    pwFile,
    '--ca-file',
    caFile,
  );
  t.match(plain.stderr, '--redfish must be an https:// URL');

  const set = await cli(
    'host',
    'bmc',
    'set',
    'bmc-host',
    '--redfish',
    rf.url,
    '--user',
    rf.user,
    '--password-file',
    pwFile,
    '--ca-file',
    caFile,
  );
  t.equal(set.code, 0, set.stderr);
  const f1 = await cli('fence', 'bmc-host', '--yes', '--json');
  t.match(JSON.parse(f1.stdout), { ok: true, powerState: 'off' });
  t.equal(rf.powerState(), 'Off');
  const f2 = await cli('fence', 'bmc-host', '--yes', '--json');
  t.match(JSON.parse(f2.stdout), { ok: true, alreadyOff: true }, 'already off is success');
  const on = await cli('host', 'power', 'bmc-host', 'on');
  t.equal(on.stdout.trim(), 'bmc-host: power on');
});

t.test('no BMC password in any log line', async (t) => {
  t.ok(passwords.length > 0);
  for (const p of passwords)
    t.notOk(
      lines.some((l) => l.includes(p)),
      'the coordinator log never contains a BMC password',
    );
});
