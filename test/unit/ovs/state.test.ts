import t from 'tap';
import { toInventory, toObservedObjects } from '../../../agent/drivers/ovs/observe.js';
import {
  applyTableUpdates,
  monitorRequests,
  type Tables,
} from '../../../agent/drivers/ovs/ovsdb/replica.js';
import { MONITORED_COLUMNS, QUIET_COLUMNS, parseState } from '../../../agent/drivers/ovs/state.js';
import { notification, recorded, reply, transcript } from './exchanges.js';

function initialTables(): Tables {
  const tables: Tables = new Map();
  applyTableUpdates(tables, reply('monitor').result!);
  return tables;
}

t.test('monitor request asks the real schema for exactly the wanted columns', async (t) => {
  const req = monitorRequests(reply('get_schema').result!, MONITORED_COLUMNS);
  t.same(
    req,
    recorded('monitor', 'send').params && (recorded('monitor', 'send').params as never[])[2],
  );
  t.throws(() => monitorRequests({ tables: {} }, MONITORED_COLUMNS));
});

t.test('parse the recorded monitor reply', async (t) => {
  const s = parseState(initialTables());
  t.equal(s.system?.ovsVersion, '3.1.0');
  t.equal(s.system?.dbVersion, '8.3.1');
  t.same(s.system?.datapathTypes, ['netdev', 'system']);
  t.ok(s.system?.ifaceTypes.includes('vxlan'));
  const br = s.bridgeByName.get('plt-ovs-f0')!;
  t.equal(br.datapathType, 'netdev');
  t.equal(br.portUuids.length, 5);
  t.equal(s.portByName.get('plt-ovs-acc')?.tag, 10);
  t.same(s.portByName.get('plt-ovs-trk')?.trunks, [10, 20]);
  t.equal(s.portByName.get('plt-ovs-trk')?.tag, undefined);
  const vx = s.interfaceByName.get('plt-ovs-vx')!;
  t.equal(vx.type, 'vxlan');
  t.same(vx.options, { key: '5001', remote_ip: '198.18.4.9' });
  t.equal(s.interfaceByName.get('plt-ovs-acc')?.mtu, 1500);
  t.equal(s.interfaceByName.get('plt-ovs-acc')?.statistics.rx_packets, 0);
});

t.test('observed objects: ownership, no counters', async (t) => {
  const objs = toObservedObjects(parseState(initialTables()), 'plinth');
  const get = (kind: string, id: string) => objs.find((o) => o.kind === kind && o.id === id)?.data;
  t.same(get('ovs.bridge', 'plt-ovs-f0')?.ports, [
    'plt-ovs-acc',
    'plt-ovs-f0',
    'plt-ovs-other',
    'plt-ovs-trk',
    'plt-ovs-vx',
  ]);
  t.equal(get('ovs.bridge', 'plt-ovs-f0')?.owned, true);
  t.equal(get('ovs.port', 'plt-ovs-other')?.owned, false);
  t.equal(get('ovs.port', 'plt-ovs-acc')?.bridge, 'plt-ovs-f0');
  t.equal(get('ovs.interface', 'plt-ovs-vx')?.port, 'plt-ovs-vx');
  t.equal(get('ovs.interface', 'plt-ovs-f0')?.linkState, 'down');
  t.notOk(JSON.stringify(objs).includes('rx_packets'), 'counters are metrics, not object data');
  t.same(toInventory(parseState(initialTables()), '8.3.1'), {
    ovsVersion: '3.1.0',
    dbVersion: '8.3.1',
    schemaVersion: '8.3.1',
    datapathTypes: ['netdev', 'system'],
    ifaceTypes: parseState(initialTables()).system!.ifaceTypes,
    systemId: 'plt-ovs-test',
  });
});

t.test('recorded updates: an edit is meaningful, a counters-only change is not', async (t) => {
  const tables = initialTables();
  const edit = notification('vsctl-edit', 'update').params as [string, never];
  t.equal(applyTableUpdates(tables, edit[1], QUIET_COLUMNS), true);
  t.equal(parseState(tables).portByName.get('plt-ovs-acc')?.tag, 20);

  const acc = parseState(tables).interfaceByName.get('plt-ovs-acc')!;
  const statsOnly = {
    Interface: {
      [acc.uuid]: {
        new: { ...acc.raw, statistics: ['map', [['rx_packets', 7]]] },
        old: { statistics: acc.raw.statistics! },
      },
    },
  };
  t.equal(applyTableUpdates(tables, statsOnly, QUIET_COLUMNS), false);
  t.equal(parseState(tables).interfaceByName.get('plt-ovs-acc')?.statistics.rx_packets, 7);

  const afterPlan = transcript.filter(
    (e) => e.step === 'transact-plan' && e.msg.method === 'update',
  );
  for (const u of afterPlan)
    applyTableUpdates(tables, (u.msg.params as never[])[1]!, QUIET_COLUMNS);
  const s = parseState(tables);
  t.equal(s.bridgeByName.get('plt-ovs-f1')?.datapathType, 'netdev');
  t.same(s.interfaceByName.get('plt-ovs-pa')?.options, { peer: 'plt-ovs-pb' });
  t.equal(s.portByName.get('plt-ovs-acc')?.tag, 10, 'the plan put the hand edit back');

  const del = { Port: { [s.portByName.get('plt-ovs-pa')!.uuid]: { old: {} } } };
  t.equal(applyTableUpdates(tables, del, QUIET_COLUMNS), true);
  t.notOk(parseState(tables).portByName.has('plt-ovs-pa'));
});
