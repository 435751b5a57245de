import t from 'tap';
import { X509Certificate } from 'node:crypto';
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import {
  certPaths,
  describeCertPem,
  HOST_URI_PREFIX,
  identityFromSan,
  initCa,
  issueCert,
  issueToDir,
  loadCa,
  pkiPaths,
  ROLE_URI_PREFIX,
  type Role,
} from '../../../lib/pki.js';
import { caughtAsync, tempDir } from './helpers.js';

const SERVER = '1.3.6.1.5.5.7.3.1';
const CLIENT = '1.3.6.1.5.5.7.3.2';

t.test('identityFromSan: table', async (t) => {
  const cases: {
    name: string;
    san: string | undefined;
    eku: string[] | undefined;
    cn?: string;
    want: unknown;
  }[] = [
    {
      name: 'agent',
      san: 'URI:urn:plinth:role:agent, URI:urn:plinth:host:h1',
      eku: [CLIENT],
      cn: 'h1',
      want: { role: 'agent', name: 'h1' },
    },
    {
      name: 'agent host comes from the SAN, not the CN',
      san: 'URI:urn:plinth:role:agent, URI:urn:plinth:host:h1',
      eku: [CLIENT],
      cn: 'h2',
      want: { role: 'agent', name: 'h1' },
    },
    { name: 'agent without host URI', san: 'URI:urn:plinth:role:agent', eku: [CLIENT], want: null },
    {
      name: 'agent with two host URIs',
      san: 'URI:urn:plinth:role:agent, URI:urn:plinth:host:h1, URI:urn:plinth:host:h2',
      eku: [CLIENT],
      want: null,
    },
    {
      name: 'agent with serverAuth only',
      san: 'URI:urn:plinth:role:agent, URI:urn:plinth:host:h1',
      eku: [SERVER],
      want: null,
    },
    {
      name: 'agent without EKU',
      san: 'URI:urn:plinth:role:agent, URI:urn:plinth:host:h1',
      eku: undefined,
      want: null,
    },
    {
      name: 'coordinator',
      san: 'URI:urn:plinth:role:coordinator, DNS:localhost, IP Address:127.0.0.1',
      eku: [SERVER],
      cn: 'c1',
      want: { role: 'coordinator', name: 'c1' },
    },
    {
      name: 'coordinator with clientAuth only',
      san: 'URI:urn:plinth:role:coordinator',
      eku: [CLIENT],
      cn: 'c1',
      want: null,
    },
    {
      name: 'admin',
      san: 'URI:urn:plinth:role:admin',
      eku: [CLIENT],
      cn: 'ops',
      want: { role: 'admin', name: 'ops' },
    },
    {
      name: 'admin without CN',
      san: 'URI:urn:plinth:role:admin',
      eku: [CLIENT],
      want: { role: 'admin', name: '' },
    },
    {
      name: 'admin with serverAuth only',
      san: 'URI:urn:plinth:role:admin',
      eku: [SERVER],
      cn: 'ops',
      want: null,
    },
    {
      name: 'two roles',
      san: 'URI:urn:plinth:role:admin, URI:urn:plinth:role:coordinator',
      eku: [SERVER, CLIENT],
      cn: 'x',
      want: null,
    },
    {
      name: 'unknown role',
      san: 'URI:urn:plinth:role:root',
      eku: [SERVER, CLIENT],
      cn: 'x',
      want: null,
    },
    {
      name: 'role in a DNS name, not a URI',
      san: 'DNS:urn:plinth:role:admin',
      eku: [CLIENT],
      cn: 'x',
      want: null,
    },
    { name: 'no SAN', san: undefined, eku: [CLIENT], cn: 'x', want: null },
    { name: 'empty SAN', san: '', eku: [CLIENT], cn: 'x', want: null },
  ];
  for (const c of cases) t.same(identityFromSan(c.san, c.eku, c.cn), c.want, c.name);
});

t.test('certPaths', async (t) => {
  t.same(certPaths('/p', 'agent', 'h1'), { cert: '/p/agent-h1.crt', key: '/p/agent-h1.key' });
  t.same(certPaths('/p', 'admin', 'ops'), { cert: '/p/admin-ops.crt', key: '/p/admin-ops.key' });
  t.same(certPaths('/p', 'coordinator', 'c'), {
    cert: '/p/coordinator-c.crt',
    key: '/p/coordinator-c.key',
  });
  t.same(pkiPaths('/p'), { dir: '/p', caCert: '/p/ca.crt', caKey: '/p/ca.key' });
});

t.test('a real CA and leaf certificates', async (t) => {
  const dir = join(tempDir(t, 'pki'), 'pki');
  t.equal(await initCa(dir, { commonName: 'test CA' }), true, 'created');
  const caKeyBefore = readFileSync(pkiPaths(dir).caKey, 'utf8');
  t.equal(await initCa(dir), false, 'second init is a no-op');
  t.equal(readFileSync(pkiPaths(dir).caKey, 'utf8'), caKeyBefore, 'CA key not replaced');
  t.equal(statSync(pkiPaths(dir).caKey).mode & 0o777, 0o600, 'CA key is 0600');
  t.equal(statSync(dir).mode & 0o777, 0o700, 'PKI dir is 0700');
  const ca = new X509Certificate(readFileSync(pkiPaths(dir).caCert));
  t.ok(ca.ca, 'CA cert has CA:TRUE');
  t.match(ca.subject, /CN=test CA/);

  t.test('agent certificate: client only, names its host', async (t) => {
    const r = await issueToDir(dir, { role: 'agent', name: 'node-1' });
    t.same(r, { ...certPaths(dir, 'agent', 'node-1'), created: true });
    t.equal(statSync(r.key).mode & 0o777, 0o600, 'key is 0600');
    const pem = readFileSync(r.cert, 'utf8');
    const c = new X509Certificate(pem);
    t.same(c.keyUsage, [CLIENT], 'clientAuth only');
    t.notOk(c.keyUsage?.includes(SERVER), 'no serverAuth');
    t.match(c.subjectAltName, `URI:${ROLE_URI_PREFIX}agent`);
    t.match(c.subjectAltName, `URI:${HOST_URI_PREFIX}node-1`);
    t.notMatch(c.subjectAltName ?? '', /DNS:|IP Address:/, 'no DNS/IP SANs');
    t.ok(c.checkIssued(ca), 'issued by the CA');
    t.ok(c.verify(ca.publicKey), 'signed by the CA');
    t.notOk(c.ca);
    t.same(describeCertPem(pem).identity, { role: 'agent', name: 'node-1' });
    t.match(pem, /-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----/, 'chain includes the CA');
  });

  t.test('coordinator certificate: server, localhost and 127.0.0.1, extra names', async (t) => {
    const r = await issueToDir(dir, {
      role: 'coordinator',
      name: 'coord',
      dnsNames: ['coord.example'],
      ips: ['198.18.0.1'],
    });
    const c = new X509Certificate(readFileSync(r.cert));
    t.same(c.keyUsage, [SERVER]);
    t.equal(c.checkHost('localhost'), 'localhost');
    t.equal(c.checkHost('coord.example'), 'coord.example');
    t.equal(c.checkIP('127.0.0.1'), '127.0.0.1');
    t.equal(c.checkIP('::1'), '::1');
    t.equal(c.checkIP('198.18.0.1'), '198.18.0.1');
    t.equal(c.checkHost('other.example'), undefined);
    t.notMatch(c.subjectAltName ?? '', HOST_URI_PREFIX, 'no host URI');
    t.same(describeCertPem(readFileSync(r.cert, 'utf8')).identity, {
      role: 'coordinator',
      name: 'coord',
    });
  });

  t.test('admin certificate', async (t) => {
    const r = await issueToDir(dir, { role: 'admin', name: 'ops' });
    const d = describeCertPem(readFileSync(r.cert, 'utf8'));
    t.same(d.identity, { role: 'admin', name: 'ops' });
    t.match(d.subject, /CN=ops/);
    t.ok(Date.parse(d.notAfter) > Date.now() + 800 * 86_400_000, 'valid for the default 825 days');
  });

  t.test('existing files are not overwritten without force', async (t) => {
    const first = await issueToDir(dir, { role: 'agent', name: 'keep' });
    t.equal(first.created, true);
    const cert = readFileSync(first.cert, 'utf8');
    const key = readFileSync(first.key, 'utf8');
    const again = await issueToDir(dir, { role: 'agent', name: 'keep' });
    t.equal(again.created, false);
    t.equal(readFileSync(first.cert, 'utf8'), cert);
    t.equal(readFileSync(first.key, 'utf8'), key);
    const forced = await issueToDir(dir, { role: 'agent', name: 'keep', force: true });
    t.equal(forced.created, true);
    t.not(readFileSync(first.cert, 'utf8'), cert, 'forced: new cert');
    t.not(readFileSync(first.key, 'utf8'), key, 'forced: new key');
    t.equal(statSync(first.key).mode & 0o777, 0o600);
  });

  t.test('a pre-existing key file with loose permissions is tightened on force', async (t) => {
    const p = certPaths(dir, 'admin', 'loose');
    writeFileSync(p.key, 'old', { mode: 0o644 });
    writeFileSync(p.cert, 'old');
    await issueToDir(dir, { role: 'admin', name: 'loose', force: true });
    t.equal(statSync(p.key).mode & 0o777, 0o600);
  });

  t.test('invalid names and roles are refused before anything is written', async (t) => {
    const cases: { role: string; name: string; message: string }[] = [
      {
        role: 'agent',
        name: 'Node_1',
        message: 'invalid host id "Node_1": must match ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$',
      },
      {
        role: 'agent',
        name: 'h;rm -rf',
        message: 'invalid host id "h;rm -rf": must match ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$',
      },
      {
        role: 'agent',
        name: '',
        message: 'invalid host id "": must match ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$',
      },
      {
        role: 'admin',
        name: 'a/b',
        message: 'invalid name "a/b": must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$',
      },
      {
        role: 'coordinator',
        name: 'x y',
        message: 'invalid name "x y": must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$',
      },
      { role: 'root', name: 'x', message: 'unknown role "root": use coordinator, agent or admin' },
      {
        role: 'Agent',
        name: 'x',
        message: 'unknown role "Agent": use coordinator, agent or admin',
      },
    ];
    for (const c of cases) {
      const e = await caughtAsync(t, () => issueToDir(dir, { role: c.role as Role, name: c.name }));
      t.ok(e instanceof PlinthError, `${c.role} ${c.name}`);
      t.equal(e.code, ErrorCodes.INVALID_ARGUMENT, `${c.role} ${c.name}`);
      t.equal(e.message, c.message);
    }
    const ca2 = await loadCa(dir);
    const e = await caughtAsync(t, () => issueCert(ca2, { role: 'agent', name: 'UPPER' }));
    t.equal(e.code, ErrorCodes.INVALID_ARGUMENT, 'issueCert validates too');
  });

  t.test('a certificate from another CA does not verify against ours', async (t) => {
    const other = join(tempDir(t, 'pki-other'), 'pki');
    await initCa(other);
    const r = await issueToDir(other, { role: 'agent', name: 'node-1' });
    const foreign = new X509Certificate(readFileSync(r.cert));
    t.notOk(foreign.checkIssued(ca) && foreign.verify(ca.publicKey), 'not ours');
    t.ok(
      foreign.verify(new X509Certificate(readFileSync(pkiPaths(other).caCert)).publicKey),
      'but valid for its own CA',
    );
  });
});

t.test('loadCa / issueToDir without a CA say how to create one', async (t) => {
  const dir = tempDir(t, 'pki-empty');
  const e = await caughtAsync(t, () => loadCa(dir));
  t.equal(e.code, ErrorCodes.CONFIG);
  t.equal(e.message, `no CA in ${dir}: run \`plinth pki init --dir ${dir}\` first`);
  const e2 = await caughtAsync(t, () => issueToDir(dir, { role: 'agent', name: 'h1' }));
  t.equal(e2.message, e.message);
});

t.test('initCa refuses to replace a half-present CA', async (t) => {
  const dir = tempDir(t, 'pki-half');
  writeFileSync(join(dir, 'ca.key'), 'precious');
  t.equal(await initCa(dir), false);
  t.equal(readFileSync(join(dir, 'ca.key'), 'utf8'), 'precious');
});
