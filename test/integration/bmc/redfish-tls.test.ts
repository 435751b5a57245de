import t from 'tap';
import {
  assertRedfishPath,
  createRedfishClient,
  parseBaseUrl,
  type TlsPolicy,
} from '../../../agent/drivers/bmc/redfish-http.js';
import { ErrorCodes } from '../../../lib/errors.js';
import { DEFAULT_SENSORS } from '../../harness/ipmi-sim.js';
import { startRedfish } from '../../harness/redfish.js';
import { generateTestPki } from '../../redfish-server/certs.js';

/**
 * Trust is explicit, and checked before any HTTP byte: a BMC whose certificate is not
 * accepted never sees a request, so never sees the credentials.
 */
const rf = await startRedfish({ sensors: DEFAULT_SENSORS });
t.teardown(() => rf.stop());
const otherPki = await generateTestPki('another BMC');

const client = (tls: TlsPolicy, password = rf.password) =>
  createRedfishClient({ baseUrl: rf.url, user: rf.user, password, tls }, { timeoutMs: 3000 });

t.test('accepted: the BMC CA, the pinned leaf, or the explicit insecure mode', async (t) => {
  for (const [what, tls] of [
    ['CA', { caPem: rf.pki.caPem }],
    ['pin', { pinnedSha256: rf.pki.fingerprint256 }],
    [
      'pin without colons, lower case',
      { pinnedSha256: rf.pki.fingerprint256.replace(/:/g, '').toLowerCase() },
    ],
    ['CA and pin', { caPem: rf.pki.caPem, pinnedSha256: rf.pki.fingerprint256 }],
    ['insecure', { insecureSkipVerify: true }],
  ] as [string, TlsPolicy][]) {
    const c = client(tls);
    t.match(await c.get('/redfish/v1/Systems/1'), { PowerState: 'On' }, what);
    t.equal(c.authMode(), 'session', what);
    await c.close();
  }
});

t.test('refused before any request: no trust configured, another CA, a wrong pin', async (t) => {
  for (const [what, tls] of [
    ['nothing', {}],
    ['another CA', { caPem: otherPki.caPem }],
    ['wrong pin', { pinnedSha256: otherPki.fingerprint256 }],
    ['right pin, wrong CA', { caPem: otherPki.caPem, pinnedSha256: rf.pki.fingerprint256 }],
  ] as [string, TlsPolicy][]) {
    const before = rf.requests.length;
    const err = await client(tls)
      .get('/redfish/v1/Systems/1')
      .then(
        () => null,
        (e: unknown) => e,
      );
    t.match(err, { code: ErrorCodes.BMC_UNAVAILABLE, details: { tls: true } }, what);
    t.equal(rf.requests.length, before, `${what}: the server saw no request`);
    t.notOk(String((err as Error).message).includes(rf.password));
  }
});

t.test('a wrong password: PLINTH_E_BMC_AUTH, and basic auth gets the same', async (t) => {
  await t.rejects(client({ caPem: rf.pki.caPem }, 'nope').get('/redfish/v1/Systems/1'), {
    code: ErrorCodes.BMC_AUTH,
  });
  const basicOnly = await startRedfish({ sensors: DEFAULT_SENSORS, sessions: false });
  t.teardown(() => basicOnly.stop());
  const c = createRedfishClient(
    {
      baseUrl: basicOnly.url,
      user: basicOnly.user,
      password: 'nope',
      tls: { caPem: basicOnly.pki.caPem },
    },
    { timeoutMs: 3000 },
  );
  await t.rejects(c.get('/redfish/v1/Systems/1'), { code: ErrorCodes.BMC_AUTH });
});

t.test('URLs and paths are checked', async (t) => {
  for (const bad of [
    'http://127.0.0.1:1',
    'https://u:p@127.0.0.1',
    'https://127.0.0.1/redfish',
    'not a url',
  ])
    t.throws(() => parseBaseUrl(bad), { code: ErrorCodes.INVALID_ARGUMENT }, bad);
  t.same(parseBaseUrl('https://[fd00::1]:8443'), { host: 'fd00::1', port: 8443 });
  for (const bad of [
    '/etc/passwd',
    '/redfish/v1/../../x',
    'https://evil/redfish/v1',
    '/redfish/v1/Systems/1 HTTP/1.1\r\nX: y',
  ])
    t.throws(
      () => assertRedfishPath(bad),
      { code: ErrorCodes.INVALID_ARGUMENT },
      JSON.stringify(bad),
    );
  t.equal(assertRedfishPath('/redfish/v1/Chassis/1/Thermal'), '/redfish/v1/Chassis/1/Thermal');
});
