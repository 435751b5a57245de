import t from 'tap';
import { place } from '../../../coordinator/scheduler/place.js';
import { resolveSchedulerConfig } from '../../../coordinator/scheduler/config.js';
import { networkMap } from '../../../coordinator/vms/config.js';
import { host, request, snap } from './fixtures.js';

const cluster = () =>
  snap([
    host('h1', { usedVcpus: 62 }),
    host('h2', { cordoned: true }),
    host('h3', { usedVcpus: 20 }),
    host('h4'),
    host('h5', { state: 'down', usedVcpus: 63 }),
  ]);

t.test('full detail: chosen first, passing by score, rejected by id', async (t) => {
  const p = place(cluster(), request({ vcpus: 4 }));
  t.ok(p.ok);
  t.equal(p.hostId, 'h4', 'the emptiest host (spread)');
  t.same(
    p.hosts.map((h) => [h.hostId, h.pass]),
    [
      ['h4', true],
      ['h3', true],
      ['h1', false],
      ['h2', false],
      ['h5', false],
    ],
  );
  t.match(p.message, /^placed vm-1 on h4 \(score \d\.\d\d\)$/);
  t.equal(p.score, p.hosts[0]!.score);
  const byFilter = Object.fromEntries(p.filters.map((f) => [f.filter, f.removed]));
  t.same(byFilter, {
    ready: 1,
    schedulable: 1,
    hypervisor: 0,
    vcpus: 2,
    memory: 0,
    labels: 0,
    networks: 0,
    group: 0,
  });
  t.same(p.filters.find((f) => f.filter === 'vcpus')!.reasons, [
    { reason: 'needs 4, free 1 at ratio 4.0', hosts: 1 },
    { reason: 'needs 4, free 2 at ratio 4.0', hosts: 1 },
  ]);
});

t.test('summary detail: only the chosen host, same choice, same summary', async (t) => {
  const full = place(cluster(), request({ vcpus: 4 }));
  const sum = place(cluster(), request({ vcpus: 4 }), { detail: 'summary' });
  t.equal(sum.hostId, full.hostId);
  t.equal(sum.score, full.score);
  t.same(sum.hosts, [full.hosts[0]]);
  t.same(sum.filters, full.filters);
  t.equal(sum.message, full.message);
});

t.test('a rejection carries every host and names every filter, even in summary mode', async (t) => {
  const p = place(cluster(), request({ vcpus: 4, networks: ['storage'] }), { detail: 'summary' });
  t.notOk(p.ok);
  t.equal(p.hostId, undefined);
  t.equal(p.hosts.length, 5);
  t.same(
    p.hosts.map((h) => h.hostId),
    ['h1', 'h2', 'h3', 'h4', 'h5'],
  );
  t.match(p.message, /^no host fits vm-1 \(5 hosts\): /);
  t.match(p.message, /ready removed 1 \(1: host is down\)/);
  t.match(p.message, /schedulable removed 1 \(1: cordoned\)/);
  t.match(p.message, /vcpus removed 2/);
  t.match(p.message, /networks removed 5 \(5: missing storage\)/);
});

t.test('excludeHosts: never chosen, reported under schedulable', async (t) => {
  const p = place(cluster(), request({ excludeHosts: ['h4', 'nope'] }));
  t.equal(p.hostId, 'h3');
  const h4 = p.hosts.find((h) => h.hostId === 'h4')!;
  t.notOk(h4.pass);
  t.equal(h4.filters.find((f) => f.filter === 'schedulable')!.reason, 'excluded by the request');
});

t.test('no hosts at all', async (t) => {
  const p = place(snap([]), request());
  t.notOk(p.ok);
  t.same(p.hosts, []);
  t.equal(p.message, 'no host fits vm-1: the cluster has no hosts');
});

t.test('pure: the same input gives the same output, and the input is not changed', async (t) => {
  const s = cluster();
  const before = JSON.stringify(s, (_k, v: unknown) =>
    v instanceof Set || v instanceof Map ? [...v] : v,
  );
  const a = place(s, request({ vcpus: 3 }));
  const b = place(s, request({ vcpus: 3 }));
  t.same(a, b);
  t.equal(
    JSON.stringify(s, (_k, v: unknown) => (v instanceof Set || v instanceof Map ? [...v] : v)),
    before,
  );
});

t.test('config: pools, ratios and weights resolve; bad map values are refused', async (t) => {
  const c = resolveSchedulerConfig({
    poolStrategies: { batch: 'pack' },
    poolCpuRatios: { batch: '8', hpc: '1' },
  });
  t.same(c.pools, {
    batch: { strategy: 'pack', cpuRatio: 8 },
    hpc: { strategy: 'spread', cpuRatio: 1 },
    default: { strategy: 'spread' },
  });
  t.same(c.weights, { strategy: 1, rackBalance: 0.5, warnings: 1, groupSoft: 2 });
  t.throws(() => resolveSchedulerConfig({ poolStrategies: { x: 'fill' } }), {
    code: 'PLINTH_E_CONFIG',
    message: /scheduler\.poolStrategies\.x/,
  });
  t.throws(() => resolveSchedulerConfig({ poolCpuRatios: { x: 'many' } }), {
    code: 'PLINTH_E_CONFIG',
  });
});

t.test('config: networks map BRIDGE[:VLAN]', async (t) => {
  t.same(networkMap({ prod: 'br-int:100', mgmt: 'br-mgmt' }), {
    prod: { bridge: 'br-int', vlan: 100 },
    mgmt: { bridge: 'br-mgmt' },
  });
  for (const bad of ['br-int:0', 'br-int:4095', 'br int', 'a-very-long-bridge-name', ''])
    t.throws(() => networkMap({ prod: bad }), { code: 'PLINTH_E_CONFIG' }, bad);
  t.throws(() => networkMap({ 'bad name': 'br0' }), { code: 'PLINTH_E_CONFIG' });
});
