/**
 * Bug in lib/pki.ts issueToDir, found by the spine unit tests. Kept as a regression test
 * (fixed).
 *
 * issueToDir builds the file paths from opts.name and checks whether they exist
 * BEFORE the name is validated (validation happens later, in issueCert). A name
 * such as "../x" therefore reaches a file path: when files exist at the traversed
 * location, issueToDir reports them as the existing certificate ({created: false},
 * paths outside the PKI dir) instead of refusing the name. Principle: validate
 * every name before it reaches a path.
 *
 * Second bug: with `force`, the new private key is written into the EXISTING key
 * file (writeFile's mode only applies when it creates the file) and chmod 0600
 * comes after. If the old file was readable by others (0644), anyone who opened it
 * before keeps a file descriptor that reads the NEW private key: the permission fix
 * comes too late. Write to a fresh 0600 temp file and rename it into place instead.
 *
 * Third bug: a coordinator's extra dnsNames and ips are not validated. Any string
 * goes into the certificate as a DNS SAN ("bad name!;rm -rf /" is accepted), and a
 * bad IP fails deep inside @peculiar/x509 with a plain Error (no PLINTH_E_ code) whose
 * message does not name the value ("Invalid IPv4 address part").
 */
import t from 'tap';
import { closeSync, mkdirSync, openSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes } from '../../../lib/errors.js';
import { certPaths, initCa, issueCert, issueToDir, loadCa } from '../../../lib/pki.js';
import { caughtAsync, tempDir } from './helpers.js';

t.test('a traversing name is refused even when files exist where it points', async (t) => {
  const root = tempDir(t, 'pki-bug');
  const dir = join(root, 'pki');
  mkdirSync(dir);
  await initCa(dir);
  // "admin-../../../outside" resolves to <root>/outside.crt / .key, outside the PKI dir
  writeFileSync(join(root, 'outside.crt'), 'not a cert');
  writeFileSync(join(root, 'outside.key'), 'not a key');
  const e = await caughtAsync(t, () =>
    issueToDir(dir, { role: 'admin', name: '../../../outside' }),
  );
  t.equal(e.code, ErrorCodes.INVALID_ARGUMENT);
});

t.test(
  'force: a descriptor opened on the old, world-readable key cannot read the new key',
  async (t) => {
    const dir = join(tempDir(t, 'pki-bug'), 'pki');
    await initCa(dir);
    const p = certPaths(dir, 'admin', 'ops');
    writeFileSync(p.key, 'old key\n', { mode: 0o644 });
    writeFileSync(p.cert, 'old cert\n');
    const fd = openSync(p.key, 'r'); // someone who could read the 0644 file
    t.teardown(() => closeSync(fd));
    await issueToDir(dir, { role: 'admin', name: 'ops', force: true });
    const buf = Buffer.alloc(4096);
    const n = readSync(fd, buf, 0, buf.length, 0);
    t.notMatch(
      buf.subarray(0, n).toString('utf8'),
      /BEGIN PRIVATE KEY/,
      'the new key is not readable through the old descriptor',
    );
  },
);

t.test('coordinator dnsNames and ips are validated with a clear INVALID_ARGUMENT', async (t) => {
  const dir = join(tempDir(t, 'pki-bug'), 'pki');
  await initCa(dir);
  const ca = await loadCa(dir);
  const cases = [
    { dnsNames: ['bad name!;rm -rf /'], value: 'bad name!;rm -rf /' },
    { ips: ['999.1.1.1'], value: '999.1.1.1' },
    { ips: ['not-an-ip'], value: 'not-an-ip' },
  ];
  for (const c of cases) {
    const { value, ...extra } = c;
    const e = await caughtAsync(t, () =>
      issueCert(ca, { role: 'coordinator', name: 'c', ...extra }),
    );
    t.equal(e.code, ErrorCodes.INVALID_ARGUMENT, value);
    t.match(e.message, value, `the message names ${value}`);
  }
});
