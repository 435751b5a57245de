import t, { type Test } from 'tap';
import { parseOvsDesired } from '../../../agent/drivers/ovs/desired.js';
import { applyTableUpdates, type Tables } from '../../../agent/drivers/ovs/ovsdb/replica.js';
import { planOvs, type OvsPlan } from '../../../agent/drivers/ovs/plan.js';
import { parseState, type OvsState } from '../../../agent/drivers/ovs/state.js';
import { ErrorCodes } from '../../../lib/errors.js';
import type { JsonObject, JsonValue } from '../../../lib/json.js';
import { notification, reply } from './exchanges.js';

const OWNER = 'plinth';

function recordedTables(): Tables {
  const tables: Tables = new Map();
  applyTableUpdates(tables, reply('monitor').result!);
  return tables;
}
const state = (tables = recordedTables()): OvsState => parseState(tables);

/** The recorded switch, as desired: bridge plt-ovs-f0 with three owned ports. */
function asRecorded(): JsonObject {
  return {
    bridges: [
      {
        name: 'plt-ovs-f0',
        datapathType: 'netdev',
        ports: [
          { name: 'plt-ovs-acc', type: 'internal', tag: 10 },
          { name: 'plt-ovs-trk', type: 'internal', trunks: [10, 20] },
          { name: 'plt-ovs-vx', type: 'vxlan', remoteIp: '198.18.4.9', key: 5001 },
        ],
      },
    ],
  };
}
const desired = (raw: JsonValue | undefined) =>
  parseOvsDesired(raw, { datapathType: 'netdev' }).desired;
const ports = (raw: JsonObject) => (raw.bridges as JsonObject[])[0]!.ports as JsonObject[];

/** Every row an op updates or mutates (except the root row) is pinned by an earlier wait. */
function assertPinned(t: Test, plan: OvsPlan): void {
  const waited = new Set<string>();
  for (const op of plan.ops) {
    const where = op.where as JsonValue[][] | undefined;
    const uuid =
      where?.[0]?.[0] === '_uuid' ? ((where[0]![2] as JsonValue[])[1] as string) : undefined;
    if (op.op === 'wait' && uuid) waited.add(uuid);
    if ((op.op === 'update' || op.op === 'mutate') && op.table !== 'Open_vSwitch') {
      t.ok(uuid && waited.has(uuid), `${op.op} ${String(op.table)} ${uuid} has a wait before it`);
    }
  }
}
const opsOf = (plan: OvsPlan, op: string, table?: string) =>
  plan.ops.filter((o) => o.op === op && (table === undefined || o.table === table));

t.test('nothing differs: zero operations, every object a noop', async (t) => {
  const plan = planOvs(desired(asRecorded()), state(), OWNER);
  t.same(plan.ops, []);
  t.equal(plan.changes, 0);
  t.ok(plan.results.every((r) => r.ok && r.action === 'noop'));
  t.notOk(
    plan.results.some((r) => r.id === 'plt-ovs-other'),
    'the unowned port is not even reported',
  );
});

t.test('unmanaged: nothing at all', async (t) => {
  t.same(planOvs(desired(undefined), state(), OWNER), { ops: [], results: [], changes: 0 });
});

t.test('an owned port edited by hand (recorded update) is put back, pinned', async (t) => {
  const tables = recordedTables();
  applyTableUpdates(tables, (notification('vsctl-edit', 'update').params as JsonValue[])[1]!);
  const s = state(tables);
  const plan = planOvs(desired(asRecorded()), s, OWNER);
  t.equal(plan.changes, 1);
  t.same(plan.ops[0], { op: 'comment', comment: 'plinth-ovs plinth-owner=plinth: 1 change(s)' });
  const wait = opsOf(plan, 'wait', 'Port')[0]!;
  t.same(wait.rows, [
    {
      name: 'plt-ovs-acc',
      interfaces: s.portByName.get('plt-ovs-acc')!.raw.interfaces!,
      tag: 20,
      trunks: ['set', []],
      vlan_mode: ['set', []],
      external_ids: ['map', [['plinth-owner', 'plinth']]],
    },
  ]);
  t.same(opsOf(plan, 'update', 'Port')[0]!.row, {
    tag: 10,
    trunks: ['set', []],
    vlan_mode: ['set', []],
  });
  assertPinned(t, plan);
  t.same(
    plan.results.find((r) => r.id === 'plt-ovs-acc'),
    {
      kind: 'ovs.port',
      id: 'plt-ovs-acc',
      ok: true,
      action: 'update',
    },
  );
});

t.test('VLAN move, tunnel change, new patch pair: one transaction', async (t) => {
  const raw = asRecorded();
  ports(raw)[0]!.tag = 30;
  ports(raw)[2]!.remoteIp = '198.18.4.10';
  ports(raw).push({ name: 'plt-ovs-pa', type: 'patch', peer: 'plt-ovs-pb' });
  (raw.bridges as JsonObject[]).push({
    name: 'plt-ovs-f1',
    ports: [{ name: 'plt-ovs-pb', type: 'patch', peer: 'plt-ovs-pa' }],
  });
  const plan = planOvs(desired(raw), state(), OWNER);
  t.equal(plan.changes, 5, 'acc, vx, pa, bridge f1, pb');
  t.equal(opsOf(plan, 'comment').length, 1, 'one transaction for the whole change set');
  t.same(opsOf(plan, 'update', 'Interface')[0]!.row, {
    type: 'vxlan',
    options: [
      'map',
      [
        ['key', '5001'],
        ['remote_ip', '198.18.4.10'],
      ],
    ],
  });
  t.equal(opsOf(plan, 'insert', 'Bridge').length, 1);
  t.equal(opsOf(plan, 'insert', 'Port').length, 3, 'two patch ports and the new bridge local port');
  t.equal(opsOf(plan, 'mutate', 'Open_vSwitch').length, 1);
  const absent = opsOf(plan, 'wait').filter((w) => Array.isArray(w.rows) && w.rows.length === 0);
  t.equal(absent.length, 7, 'every new name is checked absent (3 for the bridge, 2 per port)');
  assertPinned(t, plan);
});

t.test('a desired port that exists unowned is left alone with an error', async (t) => {
  const raw = asRecorded();
  ports(raw).push({ name: 'plt-ovs-other', type: 'internal', tag: 40 });
  const plan = planOvs(desired(raw), state(), OWNER);
  t.same(plan.ops, []);
  const r = plan.results.find((x) => x.id === 'plt-ovs-other')!;
  t.equal(r.ok, false);
  t.equal(r.code, ErrorCodes.CONFLICT);
  t.match(r.message, /not owned/);
});

t.test('a bridge another system owns: errors, nothing changes', async (t) => {
  const tables = recordedTables();
  const br = state(tables).bridgeByName.get('plt-ovs-f0')!;
  applyTableUpdates(tables, {
    Bridge: {
      [br.uuid]: { new: { external_ids: ['map', [['plinth-owner', 'neutron']]] }, old: {} },
    },
  });
  const raw = asRecorded();
  ports(raw)[0]!.tag = 99;
  const plan = planOvs(desired(raw), state(tables), OWNER);
  t.same(plan.ops, []);
  t.equal(plan.results.length, 4);
  t.ok(plan.results.every((r) => !r.ok && r.code === ErrorCodes.CONFLICT));
  t.match(plan.results[0]!.message, /plinth-owner=neutron/);
});

t.test(
  'owned ports no longer desired are deleted; protected and unowned ones are not',
  async (t) => {
    const raw = asRecorded();
    ports(raw).splice(1, 2);
    ports(raw).push({ name: 'plt-ovs-trk', tag: 99999 }); // invalid -> protected
    const plan = planOvs(parseOvsDesired(raw, { datapathType: 'netdev' }).desired, state(), OWNER);
    t.same(
      plan.results.filter((r) => r.action === 'delete').map((r) => r.id),
      ['plt-ovs-vx'],
    );
    const mut = opsOf(plan, 'mutate', 'Bridge');
    t.equal(mut.length, 1);
    t.same((mut[0]!.mutations as JsonValue[][])[0]![1], 'delete');
    assertPinned(t, plan);
  },
);

t.test('an owned bridge no longer desired is kept while it carries an unowned port', async (t) => {
  const plan = planOvs(desired({ bridges: [] }), state(), OWNER);
  t.same(plan.ops, []);
  t.equal(plan.results[0]?.code, ErrorCodes.CONFLICT);
  t.match(plan.results[0]?.message, /plt-ovs-other/);
});

t.test('an owned bridge no longer desired and only carrying owned ports is deleted', async (t) => {
  const tables = recordedTables();
  const other = state(tables).portByName.get('plt-ovs-other')!;
  applyTableUpdates(tables, { Port: { [other.uuid]: { old: {} } } });
  const plan = planOvs(desired({ bridges: [] }), state(tables), OWNER);
  t.equal(plan.changes, 1);
  const m = opsOf(plan, 'mutate', 'Open_vSwitch')[0]!;
  t.same((m.mutations as JsonValue[][])[0]!.slice(0, 2), ['bridges', 'delete']);
  t.equal(opsOf(plan, 'wait', 'Bridge').length, 1);
});

t.test('a port moves between owned bridges by reference (keeps its row)', async (t) => {
  const raw = asRecorded();
  const acc = ports(raw).shift()!;
  (raw.bridges as JsonObject[]).push({ name: 'plt-ovs-f1', ports: [acc] });
  const s = state();
  const plan = planOvs(desired(raw), s, OWNER);
  const accRef = ['uuid', s.portByName.get('plt-ovs-acc')!.uuid];
  const newBridge = opsOf(plan, 'insert', 'Bridge')[0]!.row as JsonObject;
  t.ok(JSON.stringify(newBridge.ports).includes(JSON.stringify(accRef)));
  t.same(plan.results.find((r) => r.id === 'plt-ovs-acc')?.action, 'move');
  t.notOk(
    plan.results.some((r) => r.action === 'delete'),
    'not deleted from the old bridge as undesired',
  );
  assertPinned(t, plan);
});

t.test('a new port whose name is taken by an interface elsewhere is a conflict', async (t) => {
  const tables = recordedTables();
  const s0 = state(tables);
  const port = s0.portByName.get('plt-ovs-other')!;
  applyTableUpdates(tables, {
    Port: { [port.uuid]: { new: { name: 'plt-ovs-renamed' }, old: { name: 'x' } } },
  });
  const raw = asRecorded();
  ports(raw).push({ name: 'plt-ovs-other', type: 'internal' });
  const plan = planOvs(desired(raw), state(tables), OWNER);
  t.same(plan.ops, []);
  t.match(
    plan.results.find((r) => r.id === 'plt-ovs-other')?.message,
    /interface named plt-ovs-other/,
  );
});

t.test('200 ports onto a new bridge from empty: one transaction', async (t) => {
  const tables: Tables = new Map();
  const root = reply('monitor').result as JsonObject;
  applyTableUpdates(tables, { Open_vSwitch: root.Open_vSwitch! });
  const s = state(tables);
  s.system!.bridgeUuids = [];
  const many = Array.from({ length: 200 }, (_, i) => ({
    name: `p${i}`,
    type: 'internal',
    tag: 1 + (i % 4000),
  }));
  const plan = planOvs(desired({ bridges: [{ name: 'br0', ports: many }] }), s, OWNER);
  t.equal(plan.changes, 201);
  t.equal(opsOf(plan, 'comment').length, 1);
  t.equal(opsOf(plan, 'insert', 'Port').length, 201);
  t.equal(opsOf(plan, 'insert', 'Interface').length, 201);
});

t.test('no Open_vSwitch row: an error, no transaction', async (t) => {
  const plan = planOvs(desired(asRecorded()), parseState(new Map()), OWNER);
  t.same(plan.ops, []);
  t.equal(plan.results[0]?.code, ErrorCodes.OVSDB_UNAVAILABLE);
});
