import t from 'tap';
import type { ApplyResult } from '../../../agent/drivers/driver.js';
import { createOvsDriver, type OvsDriver } from '../../../agent/drivers/ovs/index.js';
import { dialUnix, type Dial, type OvsdbSocket } from '../../../agent/drivers/ovs/ovsdb/dial.js';
import { ErrorCodes } from '../../../lib/errors.js';
import type { JsonObject } from '../../../lib/json.js';
import {
  ovsUnavailable,
  recordingContext,
  startOvs,
  type OvsHarness,
  type RecordedContext,
} from '../../harness/ovs.js';

/**
 * Someone else edits the switch between the driver's plan and its commit: the real
 * ovsdb-server must fail the transaction on its `wait` preconditions, leaving the
 * other edit in place, and the next pass re-plans from the new state. The race is
 * made deterministic by holding the driver's transact on its way to the socket
 * until the other edit has committed. No ovs-vswitchd: only the database matters.
 */

const BR = 'plt-ovs-cc0';
const P1 = 'plt-ovs-cc1';
const P2 = 'plt-ovs-cc2';

/** A real unix-socket dial whose next `transact` waits for `before()` first. */
function racingDial(): { dial: Dial; before: { next?: () => Promise<unknown> } } {
  const before: { next?: () => Promise<unknown> } = {};
  const dial: Dial = (path) => {
    const real = dialUnix(path);
    const sock: OvsdbSocket = {
      write(data: string) {
        const f = before.next;
        if (f && data.includes('"method":"transact"')) {
          before.next = undefined;
          void f().then(() => real.write(data));
          return true;
        }
        return real.write(data);
      },
      destroy: () => real.destroy(),
      on: (event: never, cb: never) => real.on(event, cb),
    };
    return sock;
  };
  return { dial, before };
}

const signal = () => AbortSignal.timeout(15_000);
const desired = (p1Tag: number, withP2 = false): JsonObject => ({
  bridges: [
    {
      name: BR,
      datapathType: 'netdev',
      ports: [
        { name: P1, type: 'internal', tag: p1Tag },
        ...(withP2 ? [{ name: P2, type: 'internal', tag: 5 }] : []),
      ],
    },
  ],
});

async function pass(d: OvsDriver, raw: JsonObject): Promise<ApplyResult[]> {
  const parsed = d.parseDesired(raw);
  return d.apply(parsed.desired, await d.observe(signal()), signal());
}

const missing = await ovsUnavailable();
if (missing) {
  t.plan(0, `skipping the OVS integration tests: ${missing}`);
} else {
  let h: OvsHarness;
  let rc: RecordedContext;
  let driver: OvsDriver;
  const race = racingDial();

  t.before(async () => {
    h = await startOvs({ vswitchd: false });
    rc = recordingContext(h.dir);
    driver = createOvsDriver(
      rc.ctx,
      {
        socket: h.dbSocket,
        datapathType: 'netdev',
        owner: 'plinth-test',
        requestTimeoutMs: 5000,
        echoIntervalMs: 1000,
      },
      { dial: race.dial },
    );
    await driver.start!();
  });
  t.teardown(async () => {
    await driver?.stop?.();
    await h?.stop();
  });

  t.test('a concurrent edit of an owned port fails the transaction, not the edit', async (t) => {
    const created = await pass(driver, desired(10));
    t.ok(created.every((r) => r.ok && r.action === 'create'));

    race.before.next = () => h.vsctl('set', 'port', P1, 'tag=30');
    const raced = await pass(driver, desired(20));
    t.match(
      raced.find((r) => r.id === P1),
      { ok: false, code: ErrorCodes.CONFLICT },
    );
    t.equal((await h.vsctl('get', 'port', P1, 'tag')).trim(), '30', 'the other edit stands');
    t.ok(
      rc.dirty.some((d) => d.reason === 'ovsdb transaction failed'),
      'asks for a re-observe',
    );

    const retried = await pass(driver, desired(20));
    t.match(
      retried.find((r) => r.id === P1),
      { ok: true, action: 'update' },
    );
    t.equal((await h.vsctl('get', 'port', P1, 'tag')).trim(), '20', 'the next pass converges');
  });

  t.test('a port created concurrently under the same name is not taken over', async (t) => {
    race.before.next = () => h.vsctl('add-port', BR, P2, 'tag=99');
    const raced = await pass(driver, desired(20, true));
    t.match(
      raced.find((r) => r.id === P2),
      { ok: false, code: ErrorCodes.CONFLICT },
    );
    t.equal((await h.vsctl('get', 'port', P2, 'tag')).trim(), '99');

    const next = await pass(driver, desired(20, true));
    t.match(
      next.find((r) => r.id === P2),
      { ok: false, code: ErrorCodes.CONFLICT },
    );
    t.match(next.find((r) => r.id === P2)?.message, /not owned/);
    t.equal((await h.vsctl('get', 'port', P2, 'tag')).trim(), '99', 'still theirs, untouched');
    t.equal((await h.vsctl('get', 'port', P2, 'external_ids')).trim(), '{}');
  });
}
