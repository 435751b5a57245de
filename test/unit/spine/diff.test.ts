import t from 'tap';
import {
  applyChanges,
  diffDriverObjects,
  type KnownObjects,
} from '../../../agent/reconcile/diff.js';
import type { ObservedObject } from '../../../agent/drivers/driver.js';
import { canonicalJson } from '../../../lib/canonical-json.js';
import { objectKey } from '../../../lib/model.js';

function known(
  ...objs: { kind: string; id: string; driver: string; data: Record<string, unknown> }[]
): KnownObjects {
  const m: KnownObjects = new Map();
  for (const o of objs)
    m.set(objectKey(o.kind, o.id), { ...o, data: o.data as never, canon: canonicalJson(o.data) });
  return m;
}

const o = (kind: string, id: string, data: Record<string, unknown>): ObservedObject => ({
  kind,
  id,
  data: data as never,
});

t.test('table: diffDriverObjects', async (t) => {
  const base = known(
    {
      kind: 'host.link',
      id: 'eth0',
      driver: 'host',
      data: { mtu: 1500, up: true, addrs: ['a', 'b'] },
    },
    { kind: 'host.link', id: 'eth1', driver: 'host', data: { mtu: 9000 } },
    { kind: 'ovs.bridge', id: 'br0', driver: 'ovs', data: { ports: 2 } },
  );
  const cases: { name: string; driver: string; observed: ObservedObject[]; want: unknown[] }[] = [
    {
      name: 'unchanged, keys in another order',
      driver: 'host',
      observed: [
        o('host.link', 'eth0', { addrs: ['a', 'b'], up: true, mtu: 1500 }),
        o('host.link', 'eth1', { mtu: 9000 }),
      ],
      want: [],
    },
    {
      name: 'a changed value',
      driver: 'host',
      observed: [
        o('host.link', 'eth0', { mtu: 1500, up: false, addrs: ['a', 'b'] }),
        o('host.link', 'eth1', { mtu: 9000 }),
      ],
      want: [{ kind: 'host.link', id: 'eth0', data: { mtu: 1500, up: false, addrs: ['a', 'b'] } }],
    },
    {
      name: 'array order is a change',
      driver: 'host',
      observed: [
        o('host.link', 'eth0', { mtu: 1500, up: true, addrs: ['b', 'a'] }),
        o('host.link', 'eth1', { mtu: 9000 }),
      ],
      want: [{ kind: 'host.link', id: 'eth0', data: { mtu: 1500, up: true, addrs: ['b', 'a'] } }],
    },
    {
      name: 'an added object',
      driver: 'host',
      observed: [
        o('host.link', 'eth0', { mtu: 1500, up: true, addrs: ['a', 'b'] }),
        o('host.link', 'eth1', { mtu: 9000 }),
        o('host.link', 'eth2', {}),
      ],
      want: [{ kind: 'host.link', id: 'eth2', data: {} }],
    },
    {
      name: "a vanished object of this driver is deleted; the other driver's objects are untouched",
      driver: 'host',
      observed: [o('host.link', 'eth1', { mtu: 9000 })],
      want: [{ kind: 'host.link', id: 'eth0', deleted: true }],
    },
    {
      name: "an empty observation deletes all of this driver's objects and nothing else",
      driver: 'host',
      observed: [],
      want: [
        { kind: 'host.link', id: 'eth0', deleted: true },
        { kind: 'host.link', id: 'eth1', deleted: true },
      ],
    },
    {
      name: 'another driver deletes only its own',
      driver: 'ovs',
      observed: [],
      want: [{ kind: 'ovs.bridge', id: 'br0', deleted: true }],
    },
    {
      name: 'a driver with no objects yet',
      driver: 'frr',
      observed: [],
      want: [],
    },
    {
      name: 'duplicates: the last one wins',
      driver: 'ovs',
      observed: [o('ovs.bridge', 'br0', { ports: 3 }), o('ovs.bridge', 'br0', { ports: 2 })],
      want: [],
    },
    {
      name: 'duplicates: the last one wins (changed)',
      driver: 'ovs',
      observed: [o('ovs.bridge', 'br0', { ports: 2 }), o('ovs.bridge', 'br0', { ports: 5 })],
      want: [{ kind: 'ovs.bridge', id: 'br0', data: { ports: 5 } }],
    },
    {
      name: 'an object taken over from another driver is a change even with equal data',
      driver: 'host',
      observed: [
        o('host.link', 'eth0', { mtu: 1500, up: true, addrs: ['a', 'b'] }),
        o('host.link', 'eth1', { mtu: 9000 }),
        o('ovs.bridge', 'br0', { ports: 2 }),
      ],
      want: [{ kind: 'ovs.bridge', id: 'br0', data: { ports: 2 } }],
    },
    {
      name: 'same id, different kind is a different object',
      driver: 'ovs',
      observed: [o('ovs.bridge', 'br0', { ports: 2 }), o('ovs.port', 'br0', { ports: 2 })],
      want: [{ kind: 'ovs.port', id: 'br0', data: { ports: 2 } }],
    },
  ];
  for (const c of cases) {
    const k = new Map(base);
    t.same(diffDriverObjects(k, c.driver, c.observed), c.want, c.name);
    t.equal(k.size, base.size, `${c.name}: diff does not modify known`);
  }
});

t.test('ids containing the key separator stay distinct', async (t) => {
  const k = known({ kind: 'a', id: 'b\u0000c', driver: 'd', data: {} });
  t.same(diffDriverObjects(k, 'd', [o('a', 'b\u0000c', {})]), []);
});

t.test('applyChanges then diff again gives nothing: converged', async (t) => {
  const k: KnownObjects = new Map();
  const obs1 = [
    o('host.link', 'eth0', { b: 1, a: { y: 2, x: 1 } }),
    o('host.link', 'eth1', { up: true }),
  ];
  const c1 = diffDriverObjects(k, 'host', obs1);
  t.equal(c1.length, 2);
  applyChanges(k, 'host', c1);
  t.equal(k.size, 2);
  t.same(k.get(objectKey('host.link', 'eth0')), {
    kind: 'host.link',
    id: 'eth0',
    driver: 'host',
    data: { b: 1, a: { y: 2, x: 1 } },
    canon: '{"a":{"x":1,"y":2},"b":1}',
  });
  t.same(
    diffDriverObjects(k, 'host', [
      o('host.link', 'eth0', { a: { x: 1, y: 2 }, b: 1 }),
      o('host.link', 'eth1', { up: true }),
    ]),
    [],
    'converged',
  );

  const c2 = diffDriverObjects(k, 'host', [o('host.link', 'eth1', { up: false })]);
  t.same(c2, [
    { kind: 'host.link', id: 'eth1', data: { up: false } },
    { kind: 'host.link', id: 'eth0', deleted: true },
  ]);
  applyChanges(k, 'host', c2);
  t.same([...k.keys()], [objectKey('host.link', 'eth1')]);
  t.equal(k.get(objectKey('host.link', 'eth1'))?.canon, '{"up":false}');
});

t.test(
  'applyChanges: a change without data is stored as {}; deleting an unknown object is harmless',
  async (t) => {
    const k: KnownObjects = new Map();
    applyChanges(k, 'x', [
      { kind: 'k', id: 'a' },
      { kind: 'k', id: 'zz', deleted: true },
    ]);
    t.same(k.get(objectKey('k', 'a')), { kind: 'k', id: 'a', driver: 'x', data: {}, canon: '{}' });
    t.equal(k.size, 1);
  },
);
