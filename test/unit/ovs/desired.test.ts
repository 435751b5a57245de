import t from 'tap';
import { parseOvsDesired } from '../../../agent/drivers/ovs/desired.js';
import { ErrorCodes } from '../../../lib/errors.js';
import type { JsonValue } from '../../../lib/json.js';

const D = { datapathType: 'netdev' };
const bridge = (ports: JsonValue[], extra: Record<string, JsonValue> = {}): JsonValue => ({
  bridges: [
    { name: 'br0', ports, ...extra },
    { name: 'br1', ports: [{ name: 'ok1', type: 'internal' }] },
  ],
});

t.test('absent section: unmanaged, nothing to do', async (t) => {
  const r = parseOvsDesired(undefined, D);
  t.equal(r.desired.managed, false);
  t.same(r.errors, []);
});

t.test('a full valid document normalises', async (t) => {
  const r = parseOvsDesired(
    {
      bridges: [
        {
          name: 'br-vm',
          ports: [
            { name: 'vm1', type: 'internal', tag: 10 },
            { name: 'up0', type: 'system', trunks: [20, 10, 20] },
            { name: 'vx-h2', type: 'vxlan', remoteIp: '198.18.4.2', key: 5001 },
            { name: 'gn-h3', type: 'geneve', remoteIp: 'fd00::3' },
            { name: 'pa', type: 'patch', peer: 'pb' },
          ],
        },
        {
          name: 'br-ext',
          datapathType: 'system',
          ports: [{ name: 'pb', type: 'patch', peer: 'pa' }],
        },
      ],
    },
    D,
  );
  t.same(r.errors, []);
  t.equal(r.desired.managed, true);
  t.same(r.desired.bridges[0], {
    name: 'br-vm',
    datapathType: 'netdev',
    ports: [
      { name: 'vm1', type: 'internal', tag: 10, trunks: [], options: {} },
      { name: 'up0', type: 'system', trunks: [10, 20], options: {} },
      {
        name: 'vx-h2',
        type: 'vxlan',
        trunks: [],
        options: { remote_ip: '198.18.4.2', key: '5001' },
      },
      { name: 'gn-h3', type: 'geneve', trunks: [], options: { remote_ip: 'fd00::3' } },
      { name: 'pa', type: 'patch', trunks: [], options: { peer: 'pb' } },
    ],
  });
  t.equal(r.desired.bridges[1]?.datapathType, 'system');
});

const badPorts: Array<[string, JsonValue, RegExp]> = [
  ['name over 15 characters', { name: 'a-very-long-port0', type: 'internal' }, /1-15 characters/],
  ['name with a slash', { name: 'ab/c', type: 'internal' }, /invalid/],
  ['name with a space', { name: 'a b', type: 'internal' }, /invalid/],
  ['empty name', { name: '', type: 'internal' }, /invalid/],
  ['VLAN 4096', { name: 'p1', type: 'internal', tag: 4096 }, /outside 0-4095/],
  ['VLAN -1', { name: 'p1', type: 'internal', tag: -1 }, /outside 0-4095/],
  ['VLAN not a number', { name: 'p1', type: 'internal', tag: '10' }, /outside 0-4095/],
  ['trunk VLAN 5000', { name: 'p1', trunks: [10, 5000] }, /trunk VLAN 5000/],
  ['tag and trunks', { name: 'p1', tag: 1, trunks: [2] }, /either tag/],
  ['vxlan without remote', { name: 'vx1', type: 'vxlan', key: 1 }, /needs remoteIp/],
  [
    'geneve with a bad remote',
    { name: 'g1', type: 'geneve', remoteIp: 'host.example' },
    /needs remoteIp/,
  ],
  [
    'tunnel key too big',
    { name: 'vx1', type: 'vxlan', remoteIp: '198.18.4.2', key: 2 ** 24 },
    /tunnel key/,
  ],
  ['patch without peer', { name: 'pa', type: 'patch' }, /needs peer/],
  ['patch to itself', { name: 'pa', type: 'patch', peer: 'pa' }, /own peer/],
  ['unknown type', { name: 'p1', type: 'bond' }, /not one of/],
  ['unknown key', { name: 'p1', vlan: 3 }, /unknown keys vlan/],
  [
    'remoteIp on an internal port',
    { name: 'p1', type: 'internal', remoteIp: '198.18.4.2' },
    /only to vxlan/,
  ],
];

for (const [what, port, msg] of badPorts) {
  t.test(`bad port: ${what}`, async (t) => {
    const r = parseOvsDesired(bridge([port, { name: 'good', type: 'internal', tag: 5 }]), D);
    t.equal(r.errors.length, 1, 'exactly one error');
    t.equal(r.errors[0]?.kind, 'ovs.port');
    t.equal(r.errors[0]?.code, ErrorCodes.INVALID_ARGUMENT);
    t.match(r.errors[0]?.message, msg);
    t.same(
      r.desired.bridges.map((b) => b.ports.map((p) => p.name)),
      [['good'], ['ok1']],
      'everything else is kept',
    );
    const n = (port as { name?: unknown }).name;
    if (typeof n === 'string' && n)
      t.ok(r.desired.protectedPorts.includes(n), 'its name is protected');
  });
}

const badBridges: Array<[string, JsonValue, RegExp]> = [
  ['name too long', { name: 'bridge-name-too-long' }, /1-15 characters/],
  ['name with a quote', { name: 'br"0' }, /invalid/],
  ['bad datapath type', { name: 'br9', datapathType: 'Kernel Space' }, /datapathType/],
  ['ports not a list', { name: 'br9', ports: {} }, /ports must be a list/],
];
for (const [what, b, msg] of badBridges) {
  t.test(`bad bridge: ${what}`, async (t) => {
    const r = parseOvsDesired({ bridges: [b, { name: 'br1', ports: [] }] }, D);
    t.equal(r.errors.length, 1);
    t.equal(r.errors[0]?.kind, 'ovs.bridge');
    t.match(r.errors[0]?.message, msg);
    t.same(
      r.desired.bridges.map((x) => x.name),
      ['br1'],
    );
    t.ok(r.desired.protectedBridges.length === 1);
  });
}

t.test('duplicates and name clashes', async (t) => {
  const r = parseOvsDesired(
    {
      bridges: [
        { name: 'br0', ports: [{ name: 'p1' }, { name: 'p1' }, { name: 'br1' }] },
        { name: 'br1' },
        { name: 'br0' },
      ],
    },
    D,
  );
  t.same(
    r.errors.map((e) => e.message),
    ['port p1 is listed twice', 'port br1 has the name of a bridge', 'bridge br0 is listed twice'],
  );
});

t.test('a section that is not an object is one error and manages nothing', async (t) => {
  const r = parseOvsDesired([1, 2], D);
  t.equal(r.errors.length, 1);
  t.equal(r.desired.managed, false);
});
