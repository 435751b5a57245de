import t from 'tap';
import { parseNetworks } from '../../../coordinator/vms/config.js';
import {
  composeDesired,
  macFor,
  type ComposeContext,
  type ComposeVm,
} from '../../../coordinator/vms/compose.js';
import type { VmSpec } from '../../../coordinator/vms/types.js';
import type { JsonObject } from '../../../lib/json.js';

const ctx: ComposeContext = {
  networks: parseNetworks({ prod: 'br-int:100', mgmt: 'br-mgmt' }),
  defaultDomainType: 'qemu',
  restartPolicy: 'defer',
  ceph: {
    monitors: ['198.18.9.1:6789'],
    user: 'plinth',
    secretUuid: '5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e',
  },
};

const spec = (over: Partial<VmSpec> = {}): VmSpec => ({
  name: 'web-1',
  vcpus: 2,
  memoryMiB: 512,
  disks: [{ name: 'root', sizeGiB: 10, pool: 'local', shared: false }],
  nics: [{ network: 'prod' }],
  labels: {},
  requiredLabels: {},
  onHostFailure: 'keep',
  ...over,
});
const U1 = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const U2 = '3f2504e0-4f89-41d3-9a0c-0305e82c3302';
const vm = (over: Partial<ComposeVm> = {}): ComposeVm => ({
  name: 'web-1',
  uuid: U1,
  spec: spec(),
  power: 'running',
  fenceToken: 7,
  ...over,
});

t.test('a VM becomes a domain, an assignment, and keeps the base', async (t) => {
  const base = { widgets: ['a'], bridges: [{ name: 'br-int' }] };
  const { spec: doc, problems } = composeDesired(base, [vm()], ctx, false);
  t.same(problems, []);
  t.same(doc, {
    widgets: ['a'],
    bridges: [{ name: 'br-int' }],
    domains: [
      {
        name: 'web-1',
        uuid: U1,
        vcpus: 2,
        memoryMiB: 512,
        domainType: 'qemu',
        disks: [{ volume: 'web-1-root', sizeGiB: 10 }],
        nics: [{ bridge: 'br-int', mac: macFor(U1, 0), model: 'virtio', vlan: 100 }],
        power: 'running',
        restartPolicy: 'defer',
      },
    ],
    assignments: { [U1]: { name: 'web-1', token: 7, policy: 'keep' } },
  });
});

t.test('MACs are stable, unicast, distinct per NIC and VM', async (t) => {
  t.equal(macFor(U1, 0), macFor(U1.toUpperCase(), 0));
  t.match(macFor(U1, 0), /^52:54:00(:[0-9a-f]{2}){3}$/);
  t.not(macFor(U1, 0), macFor(U1, 1));
  t.not(macFor(U1, 0), macFor(U2, 0));
});

t.test('ceph disks, kernel boot, explicit MAC, stopped power', async (t) => {
  const s = spec({
    disks: [{ name: 'root', sizeGiB: 10, pool: 'vms', shared: true }],
    nics: [{ network: 'mgmt', mac: '52:54:00:00:00:01' }],
    boot: { kernel: '/k/vmlinuz', initrd: '/k/initrd', cmdline: 'console=ttyS0' },
    domainType: 'kvm',
    onHostFailure: 'restart-after-fence',
  });
  const { spec: doc } = composeDesired({}, [vm({ spec: s, power: 'stopped' })], ctx, false);
  const d = (doc.domains as Record<string, unknown>[])[0]!;
  t.same(d.disks, [
    {
      rbd: {
        pool: 'vms',
        image: 'web-1-root',
        monitors: ['198.18.9.1:6789'],
        username: 'plinth',
        secretUuid: '5d6e7f80-91a2-4b3c-8d4e-5f6a7b8c9d0e',
      },
    },
  ]);
  t.same(d.nics, [{ bridge: 'br-mgmt', mac: '52:54:00:00:00:01', model: 'virtio' }]);
  t.same(d.boot, { kernel: '/k/vmlinuz', initrd: '/k/initrd', cmdline: 'console=ttyS0' });
  t.equal(d.power, 'stopped');
  t.equal(d.domainType, 'kvm');
  t.same(doc.assignments, { [U1]: { name: 'web-1', token: 7, policy: 'restart-after-fence' } });
});

t.test('announced /32s join the base bgp prefixes, only while running', async (t) => {
  const s = spec({ nics: [{ network: 'prod', announce: '198.18.9.10/32' }] });
  const base = { bgp: { asn: 65001, prefixes: ['198.18.9.0/24'] } };
  const running = composeDesired(base, [vm({ spec: s })], ctx, false);
  t.same(running.spec.bgp, {
    asn: 65001,
    importCheck: false, // a VM /32 has no route of its own in the RIB
    prefixes: ['198.18.9.0/24', '198.18.9.10/32'],
  });
  t.same(base.bgp.prefixes, ['198.18.9.0/24'], 'the base is not modified');
  const stopped = composeDesired(base, [vm({ spec: s, power: 'stopped' })], ctx, false);
  t.same(stopped.spec.bgp, base.bgp);
  const noBgp = composeDesired({}, [vm({ spec: s })], ctx, false);
  t.equal(noBgp.problems.length, 1);
  t.match(
    noBgp.problems[0]!.reason,
    /cannot announce 198\.18\.9\.10\/32: this host's base desired state has no bgp section/,
  );
  t.notOk('bgp' in noBgp.spec);
});

t.test('base domains are kept; VMs sorted by name; deterministic', async (t) => {
  const base = { domains: [{ name: 'expert', uuid: U2 }] };
  const a = vm({ name: 'b', uuid: U1 });
  const b = vm({ name: 'a', uuid: '3f2504e0-4f89-41d3-9a0c-0305e82c3303' });
  const one = composeDesired(base, [a, b], ctx, false).spec;
  const two = composeDesired(base, [b, a], ctx, false).spec;
  t.equal(JSON.stringify(one), JSON.stringify(two));
  t.same(
    (one.domains as { name: string }[]).map((d) => d.name),
    ['expert', 'a', 'b'],
  );
});

t.test(
  'without VMs: untouched unless the host is managed (then empty lists remove the last VM)',
  async (t) => {
    t.same(composeDesired({ x: 1 }, [], ctx, false).spec, { x: 1 });
    t.same(composeDesired({ x: 1 }, [], ctx, true).spec, { x: 1, domains: [], assignments: {} });
  },
);

t.test('a network removed from config is a problem', async (t) => {
  const r = composeDesired({}, [vm({ spec: spec({ nics: [{ network: 'gone' }] }) })], ctx, false);
  t.match(r.problems[0]!.reason, /network gone is no longer in the coordinator's vms\.networks/);
});

t.test('a base never contributes a VM domain or assignments', async (t) => {
  const base: JsonObject = {
    domains: [
      { name: 'expert', uuid: U2 },
      { name: 'web-1', uuid: U1, memoryMiB: 99 }, // this host's VM, stale copy
      { name: 'elsewhere', uuid: '3f2504e0-4f89-41d3-9a0c-0305e82c3309' }, // a VM on another host
      { name: 'renamed', uuid: U1.toUpperCase() },
    ],
    assignments: { [U2]: { name: 'expert', token: 1, policy: 'keep' } },
  };
  const owner = (k: { name?: string; uuid?: string }) =>
    k.name === 'elsewhere' ? 'elsewhere' : undefined;
  const out = composeDesired(base, [vm()], ctx, false, owner).spec;
  t.same(
    (out.domains as { name: string }[]).map((d) => d.name),
    ['expert', 'web-1'],
  );
  t.equal((out.domains as { memoryMiB: number }[])[1]!.memoryMiB, 512, "the service's entry");
  t.same(Object.keys(out.assignments as object), [U1]);
  const idle = composeDesired(base, [], ctx, false, owner).spec;
  t.notOk('assignments' in idle, 'base assignments dropped on an unmanaged host too');
  t.same(
    (idle.domains as { name: string }[]).map((d) => d.name),
    ['expert', 'web-1', 'renamed'],
    'only VMs the lookup knows are dropped when the host has none',
  );
});
