import t from 'tap';
import { plan, type PlanInput } from '../../../agent/drivers/libvirt/plan.js';
import { specHash } from '../../../agent/drivers/libvirt/render.js';
import type {
  DesiredDomains,
  DomainSpec,
  ObservedDomain,
} from '../../../agent/drivers/libvirt/types.js';

const U1 = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const U2 = '7c9e6679-7425-40de-944b-e07fc1f90ae7';
const render = { imagePoolDir: '/var/lib/plinth/images', consoleLogDir: '/var/log/libvirt/qemu' };

const spec: DomainSpec = {
  name: 'web-1',
  uuid: U1,
  domainType: 'qemu',
  vcpus: 1,
  memoryMiB: 128,
  machine: 'pc',
  boot: { kernel: '/boot/vmlinuz', initrd: '/boot/initrd' },
  disks: [
    {
      target: 'vda',
      bus: 'virtio',
      source: { type: 'volume', volume: 'web-1-root.qcow2', sizeBytes: 2 ** 30 },
    },
  ],
  nics: [],
  power: 'running',
  restartPolicy: 'defer',
};

function observed(s: DomainSpec, over: Partial<ObservedDomain> = {}): ObservedDomain {
  return {
    uuid: s.uuid,
    name: s.name,
    id: 3,
    state: 'running',
    reason: 'booted',
    owned: true,
    persistent: true,
    domainType: s.domainType,
    vcpus: s.vcpus,
    memoryKiB: s.memoryMiB * 1024,
    disks: [],
    nics: [],
    liveSpecHash: specHash(s),
    definedSpecHash: specHash(s),
    ...over,
  };
}

function run(desired: DomainSpec[], obs: ObservedDomain[], over: Partial<PlanInput> = {}) {
  const d: DesiredDomains = new Map(desired.map((s) => [s.uuid, s]));
  return plan({
    desired: d,
    observed: obs,
    missingFiles: new Set(),
    render,
    host: { cpus: 2, memoryMiB: 4096 },
    ...over,
  });
}

const kinds = (p: ReturnType<typeof run>[number]) => p.actions.map((a) => a.kind);

t.test('plan table', async (t) => {
  const changed = { ...spec, memoryMiB: 256 };
  const cases: {
    what: string;
    desired: DomainSpec[];
    observed: ObservedDomain[];
    want: string[];
    summary?: string;
  }[] = [
    {
      what: 'new domain: volume, define, start',
      desired: [spec],
      observed: [],
      want: ['create-volume', 'define', 'start'],
    },
    {
      what: 'new stopped domain: no start',
      desired: [{ ...spec, power: 'stopped' }],
      observed: [],
      want: ['create-volume', 'define'],
    },
    {
      what: 'adopt: running and matching → noop',
      desired: [spec],
      observed: [observed(spec)],
      want: [],
      summary: 'noop',
    },
    {
      what: 'stopped but should run → start',
      desired: [spec],
      observed: [observed(spec, { state: 'shutoff', id: -1 })],
      want: ['start'],
    },
    {
      what: 'crashed (shut off) → start',
      desired: [spec],
      observed: [observed(spec, { state: 'shutoff', reason: 'crashed', id: -1 })],
      want: ['start'],
    },
    {
      what: 'running but should stop → stop',
      desired: [{ ...spec, power: 'stopped' }],
      observed: [observed(spec)],
      want: ['stop'],
    },
    {
      what: 'paused counts as active → stop',
      desired: [{ ...spec, power: 'stopped' }],
      observed: [observed(spec, { state: 'paused' })],
      want: ['stop'],
    },
    {
      what: 'changed, policy defer: redefine only',
      desired: [changed],
      observed: [observed(spec)],
      want: ['create-volume', 'define'],
      summary: 'create-volume+redefine',
    },
    {
      what: 'changed, policy restart: redefine, stop, start',
      desired: [{ ...changed, restartPolicy: 'restart' }],
      observed: [observed(spec)],
      want: ['create-volume', 'define', 'stop', 'start'],
    },
    {
      what: 'already redefined (deferred), policy restart now: stop, start',
      desired: [{ ...changed, restartPolicy: 'restart' }],
      observed: [observed(spec, { definedSpecHash: specHash(changed) })],
      want: ['stop', 'start'],
    },
    {
      what: 'deferred change stays pending while policy is defer',
      desired: [changed],
      observed: [observed(spec, { definedSpecHash: specHash(changed) })],
      want: [],
    },
    {
      what: 'changed while stopped: redefine, start',
      desired: [changed],
      observed: [observed(spec, { state: 'shutoff', id: -1 })],
      want: ['create-volume', 'define', 'start'],
    },
    {
      what: 'power/policy changes alone never redefine',
      desired: [{ ...spec, restartPolicy: 'restart' }],
      observed: [observed(spec)],
      want: [],
    },
    {
      what: 'transient owned domain gets defined',
      desired: [spec],
      observed: [observed(spec, { persistent: false })],
      want: ['create-volume', 'define'],
    },
    {
      what: 'owned, no longer desired, running → stop, undefine',
      desired: [],
      observed: [observed(spec)],
      want: ['stop', 'undefine'],
    },
    {
      what: 'owned, no longer desired, stopped → undefine',
      desired: [],
      observed: [observed(spec, { state: 'shutoff', id: -1 })],
      want: ['undefine'],
    },
  ];
  for (const c of cases) {
    const plans = run(c.desired, c.observed);
    t.equal(plans.length, 1, c.what);
    t.same(kinds(plans[0]!), c.want, c.what);
    t.equal(plans[0]!.error, undefined, c.what);
    if (c.summary) t.equal(plans[0]!.summary, c.summary, c.what);
  }
});

t.test('domains without plinth ownership are never touched', async (t) => {
  const foreign = observed(
    { ...spec, uuid: U2, name: 'hand-made' },
    { owned: false, liveSpecHash: undefined, definedSpecHash: undefined },
  );
  t.same(run([], [foreign]), [], 'not desired: no plan at all');
  const sameUuid = run([{ ...spec, uuid: U2 }], [foreign]);
  t.match(sameUuid, [
    { actions: [], error: { code: 'PLINTH_E_CONFLICT', message: /not owned by plinth/ } },
  ]);
  const sameName = run([{ ...spec, name: 'hand-made' }], [foreign]);
  t.match(sameName, [
    {
      uuid: U1,
      actions: [],
      error: { code: 'PLINTH_E_CONFLICT', message: /name hand-made is taken/ },
    },
  ]);
});

t.test('capacity and missing files are errors for that domain only', async (t) => {
  const other = { ...spec, uuid: U2, name: 'web-2', disks: [] as DomainSpec['disks'] };
  const big = run([{ ...spec, memoryMiB: 8192 }, other], []);
  t.match(big[0], { error: { code: 'PLINTH_E_CAPACITY' }, actions: [] });
  t.same(kinds(big[1]!), ['define', 'start']);

  const missing = run([spec], [], { missingFiles: new Set(['/boot/initrd']) });
  t.match(missing[0], {
    error: { code: 'PLINTH_E_NOT_FOUND', message: /\/boot\/initrd/ },
    actions: [],
  });
  const runningAlready = run([spec], [observed(spec)], {
    missingFiles: new Set(['/boot/vmlinuz']),
  });
  t.same(
    kinds(runningAlready[0]!),
    [],
    'a missing kernel does not matter to a guest that needs nothing',
  );
});

t.test('the define action carries the rendered XML with the ownership mark', async (t) => {
  const [p] = run([spec], []);
  const def = p!.actions.find((a) => a.kind === 'define');
  t.ok(def && def.kind === 'define' && def.xml.includes(`spec='${specHash(spec)}'`));
  t.equal(def && def.kind === 'define' && def.redefine, false);
});
