import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import t from 'tap';
import type { RedfishClient, RedfishResponse } from '../../../agent/drivers/bmc/redfish-http.js';
import { createBmcClient } from '../../../coordinator/fencing/client.js';
import { createRedfishPowerClient } from '../../../coordinator/fencing/redfish-client.js';
import { ErrorCodes } from '../../../lib/errors.js';
import { silentLog } from '../../../lib/log.js';

const fx = (name: string): unknown =>
  JSON.parse(readFileSync(new URL(`../../fixtures/bmc/${name}`, import.meta.url), 'utf8'));

/** A RedfishClient fake over the captured resources; POSTs answer from a script. */
function fakeRedfish(
  state: { power: 'On' | 'Off' },
  resetReplies: RedfishResponse[],
  allowed?: string[],
) {
  const posts: { path: string; body: unknown }[] = [];
  const client: RedfishClient = {
    async get(path) {
      if (path === '/redfish/v1/') return fx('redfish-service-root.json');
      if (path === '/redfish/v1/Systems')
        return { Members: [{ '@odata.id': '/redfish/v1/Systems/1' }] };
      if (path === '/redfish/v1/Systems/1') {
        const sys = fx(
          state.power === 'On' ? 'redfish-system-on.json' : 'redfish-system-off.json',
        ) as Record<string, unknown>;
        if (allowed)
          (sys.Actions as Record<string, Record<string, unknown>>)['#ComputerSystem.Reset']![
            'ResetType@Redfish.AllowableValues'
          ] = allowed;
        return sys;
      }
      throw new Error(`unexpected GET ${path}`);
    },
    async post(path, body) {
      posts.push({ path, body });
      return resetReplies.shift() ?? { status: 204, headers: {}, body: undefined };
    },
    authMode: () => 'session',
    close: async () => {},
  };
  return { client, posts };
}

const target = {
  protocol: 'redfish' as const,
  url: 'https://10.0.0.9',
  user: 'admin',
  password: 'pw-xyz',
  caPem: 'PEM',
};
const conflict = fx('redfish-reset-conflict.json') as RedfishResponse;

t.test('ForceOff through the Reset action target', async (t) => {
  const f = fakeRedfish({ power: 'On' }, []);
  const c = createRedfishPowerClient(target, {
    timeoutMs: 1000,
    log: silentLog(),
    client: f.client,
  });
  t.equal(await c.powerStatus(), 'on');
  t.same(await c.powerOff(), { alreadyInState: false });
  t.same(f.posts, [
    { path: '/redfish/v1/Systems/1/Actions/ComputerSystem.Reset', body: { ResetType: 'ForceOff' } },
  ]);
});

t.test(
  '409 on a reset to the current state: read back, and already-in-state counts as done',
  async (t) => {
    const off = fakeRedfish({ power: 'Off' }, [conflict]);
    const c = createRedfishPowerClient(target, {
      timeoutMs: 1000,
      log: silentLog(),
      client: off.client,
    });
    t.same(await c.powerOff(), { alreadyInState: true });
    // 409 while the system is still on is a real conflict.
    const on = fakeRedfish({ power: 'On' }, [conflict]);
    const c2 = createRedfishPowerClient(target, {
      timeoutMs: 1000,
      log: silentLog(),
      client: on.client,
    });
    await t.rejects(c2.powerOff(), {
      code: ErrorCodes.CONFLICT,
      message: /ForceOff refused with HTTP 409: The change to the requested resource failed/,
    });
  },
);

t.test('power on, cycle, unsupported reset types', async (t) => {
  const f = fakeRedfish({ power: 'Off' }, []);
  const c = createRedfishPowerClient(target, {
    timeoutMs: 1000,
    log: silentLog(),
    client: f.client,
  });
  await c.powerCycle();
  t.same(f.posts.at(-1)?.body, { ResetType: 'On' }, 'cycle of an off system powers it on');
  const g = fakeRedfish({ power: 'On' }, [], ['On', 'ForceOff', 'PowerCycle']);
  const c2 = createRedfishPowerClient(target, {
    timeoutMs: 1000,
    log: silentLog(),
    client: g.client,
  });
  await c2.powerCycle();
  t.same(
    g.posts.at(-1)?.body,
    { ResetType: 'PowerCycle' },
    'PowerCycle when ForceRestart is not offered',
  );
  const h = fakeRedfish({ power: 'On' }, [], ['On', 'GracefulShutdown']);
  const c3 = createRedfishPowerClient(target, {
    timeoutMs: 1000,
    log: silentLog(),
    client: h.client,
  });
  await t.rejects(c3.powerOff(), {
    code: ErrorCodes.INVALID_ARGUMENT,
    message: /ForceOff is not supported/,
  });
});

t.test('trust must be explicit; insecureSkipVerify is loud', async (t) => {
  t.throws(
    () =>
      createRedfishPowerClient(
        { ...target, caPem: undefined },
        { timeoutMs: 1000, log: silentLog() },
      ),
    { code: ErrorCodes.INVALID_ARGUMENT },
  );
  t.throws(
    () =>
      createRedfishPowerClient(
        { ...target, systemId: '1/../../x' },
        { timeoutMs: 1000, log: silentLog() },
      ),
    { code: ErrorCodes.INVALID_ARGUMENT },
  );
  let text = '';
  const log = pino(
    { level: 'info' },
    new Writable({
      write(c, _e, cb) {
        text += String(c);
        cb();
      },
    }),
  );
  const c = createBmcClient(
    { ...target, caPem: undefined, insecureSkipVerify: true },
    { exec: async () => ({ stdout: '', stderr: '' }), log },
  );
  t.equal(c.describe, 'redfish https://10.0.0.9 as admin');
  t.match(text, /INSECURE: insecureSkipVerify/);
  t.notOk(text.includes('pw-xyz'));
});

t.test('IPMI client: argv and replies', async (t) => {
  const calls: string[][] = [];
  let power = 'on';
  const exec = async (_f: string, args: readonly string[], opts: { env?: NodeJS.ProcessEnv }) => {
    calls.push([...args]);
    t.equal(opts.env?.IPMI_PASSWORD, 'pw-xyz');
    const cmd = args.slice(-1)[0];
    if (cmd === 'status') return { stdout: `Chassis Power is ${power}\n`, stderr: '' };
    if (cmd === 'off') power = 'off';
    if (cmd === 'on') power = 'on';
    return {
      stdout: `Chassis Power Control: ${cmd === 'off' ? 'Down/Off' : 'Up/On'}\n`,
      stderr: '',
    };
  };
  const c = createBmcClient(
    { protocol: 'ipmi', host: '10.0.0.8', user: 'admin', password: 'pw-xyz' },
    { exec, log: silentLog() },
  );
  t.equal(c.describe, 'ipmi 10.0.0.8:623 as admin');
  await c.powerOff();
  t.equal(await c.powerStatus(), 'off');
  await c.powerCycle();
  t.equal(power, 'on');
  t.ok(
    calls.every(
      (a) =>
        !a.join(' ').includes('pw-xyz') &&
        a.includes('-E') &&
        a.includes('-C') &&
        a[a.indexOf('-C') + 1] === '3',
    ),
  );
  const bad = createBmcClient(
    { protocol: 'ipmi', host: '10.0.0.8', user: 'admin', password: 'x' },
    { exec: async () => ({ stdout: 'huh', stderr: '' }), log: silentLog() },
  );
  await t.rejects(bad.powerOff(), { code: ErrorCodes.PARSE });
});
