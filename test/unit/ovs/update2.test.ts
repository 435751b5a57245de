import t from 'tap';
import { toObservedObjects } from '../../../agent/drivers/ovs/observe.js';
import { applyTableUpdates, type Tables } from '../../../agent/drivers/ovs/ovsdb/replica.js';
import { applyTableUpdates2, columnTypes } from '../../../agent/drivers/ovs/ovsdb/update2.js';
import { MONITORED_COLUMNS, QUIET_COLUMNS, parseState } from '../../../agent/drivers/ovs/state.js';
import { ErrorCodes } from '../../../lib/errors.js';
import type { JsonValue } from '../../../lib/json.js';
import { reply, transcript } from './exchanges.js';

const types = columnTypes(reply('get_schema').result!, MONITORED_COLUMNS);

t.test('column kinds and defaults from the real schema', async (t) => {
  t.same(types.Port!.tag, { kind: 'scalar', default: ['set', []] }, 'optional scalar');
  t.same(types.Port!.trunks, { kind: 'set', default: ['set', []] });
  t.same(types.Port!.interfaces, { kind: 'set', default: ['set', []] });
  t.same(types.Interface!.options, { kind: 'map', default: ['map', []] });
  t.same(types.Interface!.statistics, { kind: 'map', default: ['map', []] });
  t.same(types.Bridge!.name, { kind: 'scalar', default: '' });
  t.same(types.Bridge!.datapath_type, { kind: 'scalar', default: '' });
});

/** Everything the driver derives from a copy: objects plus counters. */
function view(tables: Tables) {
  const s = parseState(tables);
  const objs = toObservedObjects(s, 'plinth').sort((a, b) =>
    `${a.kind}/${a.id}`.localeCompare(`${b.kind}/${b.id}`),
  );
  const stats = [...s.interfaces.values()]
    .map((i) => [i.name, i.statistics] as const)
    .sort((a, b) => a[0].localeCompare(b[0]));
  return { objs, stats };
}

t.test(
  'update2 diffs and RFC 7047 updates, recorded side by side, give the same copy',
  async (t) => {
    const viaDiffs: Tables = new Map();
    const viaRows: Tables = new Map();
    applyTableUpdates2(viaDiffs, reply('monitor_cond').result!, types);
    applyTableUpdates(viaRows, reply('monitor').result!);
    t.same(view(viaDiffs), view(viaRows), 'initial');
    for (const step of ['vsctl-edit', 'vsctl-edit2', 'transact-plan', 'after']) {
      for (const e of transcript.filter((x) => x.step === step && x.dir === 'recv')) {
        const p = e.msg.params as JsonValue[] | undefined;
        if (e.msg.method === 'update2') applyTableUpdates2(viaDiffs, p![1]!, types);
        if (e.msg.method === 'update') applyTableUpdates(viaRows, p![1]!);
      }
      t.same(view(viaDiffs), view(viaRows), `after ${step}`);
    }
    const s = parseState(viaDiffs);
    t.same(s.portByName.get('plt-ovs-trk')?.trunks, [10, 20], 'set diff applied (and put back)');
    t.same(s.interfaceByName.get('plt-ovs-vx')?.options, { key: '5001', remote_ip: '198.18.4.9' });
    t.equal(s.portByName.get('plt-ovs-other')?.tag, undefined, 'optional scalar cleared');
    t.equal(s.bridgeByName.get('plt-ovs-f1')?.datapathType, 'netdev', 'insert');
  },
);

t.test('meaningful: counters alone are not', async (t) => {
  const tables: Tables = new Map();
  applyTableUpdates2(tables, reply('monitor_cond').result!, types);
  const acc = parseState(tables).interfaceByName.get('plt-ovs-acc')!;
  const stats = {
    Interface: { [acc.uuid]: { modify: { statistics: ['map', [['rx_packets', 5]]] } } },
  };
  t.equal(applyTableUpdates2(tables, stats, types, QUIET_COLUMNS), false);
  t.equal(parseState(tables).interfaceByName.get('plt-ovs-acc')?.statistics.rx_packets, 5);
  const link = { Interface: { [acc.uuid]: { modify: { link_state: 'up' } } } };
  t.equal(applyTableUpdates2(tables, link, types, QUIET_COLUMNS), true);
  const gone = { Interface: { [acc.uuid]: { delete: null } } };
  t.equal(applyTableUpdates2(tables, gone, types, QUIET_COLUMNS), true);
  t.notOk(parseState(tables).interfaceByName.has('plt-ovs-acc'));
});

t.test('a modify of a row never seen is malformed', async (t) => {
  const tables: Tables = new Map();
  t.throws(() => applyTableUpdates2(tables, { Port: { nope: { modify: { tag: 1 } } } }, types), {
    code: ErrorCodes.PARSE,
  });
  t.throws(() => applyTableUpdates2(tables, [1] as JsonValue, types), { code: ErrorCodes.PARSE });
});
