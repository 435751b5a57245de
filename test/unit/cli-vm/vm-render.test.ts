import t from 'tap';
import {
  drainIncomplete,
  drainLine,
  drainSummary,
  explainPlacement,
  parsePlacement,
  vmShow,
  vmTable,
} from '../../../coordinator/cli/vm-render.js';
import { placementToWire, vmToWire } from '../../../coordinator/api/vm-admin.js';
import type { Vm } from '../../../proto/gen/plinth/v1/Vm.js';
import { createFakeVmService } from './fake-vm-service.js';

const NOW = 1_700_000_000_000;

/** Wire form as the CLI receives it (every field present, numbers as numbers). */
function asReceived(v: ReturnType<typeof vmToWire>): Vm {
  return JSON.parse(JSON.stringify(v)) as Vm;
}

t.test('the placement: table rows, the chosen host, the rejection naming filters', async (t) => {
  const vms = createFakeVmService([
    { id: 'h1', vcpus: 2, memoryMiB: 4096 },
    { id: 'h2', vcpus: 8, memoryMiB: 16384 },
    { id: 'h3', vcpus: 8, memoryMiB: 16384, cordoned: true },
  ]);
  const ok = vms.plan({ name: 'a', vcpus: 4, memoryMiB: 8192 }).placement;
  const text = explainPlacement(ok);
  t.match(text, /^HOST\s+READY/m, 'the header');
  const lines = text.split('\n');
  t.match(lines[1], /^h2\s/, 'the chosen host first');
  t.match(text, /h3\s.*NO cordoned/, 'the cordoned host says why');
  t.match(text, /placed on h2/);

  const no = vms.plan({ name: 'big', vcpus: 64, memoryMiB: 65536 }).placement;
  const why = explainPlacement(no, 2);
  t.match(why, /no host fits big/);
  t.match(why, /vcpus: \d hosts?/, 'the vcpus filter is named');
  t.match(why, /memory: \d hosts?/, 'the memory filter is named');
  t.match(why, /schedulable: 1 host \(cordoned\)/);
  t.match(why, /2 more hosts not sent/);

  const wire = placementToWire(no, 1);
  t.equal(wire.omitted, 2, 'trimmed to one verdict');
  t.equal(parsePlacement(wire.json)?.hosts.length, 1);
  t.equal(parsePlacement(wire.json)?.filters.length, no.filters.length, 'the summary stays whole');
  t.equal(parsePlacement(''), undefined);
  t.equal(parsePlacement('{"x":1}'), undefined);
});

t.test('vm list and vm show', async (t) => {
  const vms = createFakeVmService([{ id: 'h1', vcpus: 8, memoryMiB: 16384 }], { now: () => NOW });
  const { vm } = await vms.create({
    name: 'web-1',
    vcpus: 2,
    memoryMiB: 2048,
    disks: [{ name: 'disk0', sizeGiB: 20, pool: 'local', shared: false }],
    nics: [{ network: 'prod', announce: '198.19.100.5/32' }],
    labels: { app: 'web' },
    requiredLabels: {},
    group: { name: 'web', policy: 'anti-affinity', scope: 'host', hard: true },
    onHostFailure: 'keep',
  });
  const wire = asReceived(vmToWire(vm));
  t.equal(wire.memoryMib, 2048);
  t.equal(wire.vcpus, 2);
  const list = vmTable([wire], NOW + 5000);
  t.match(list, /^NAME\s+STATUS\s+HOST/m);
  t.match(list, /web-1\s+placed\s+h1\s+running\s+2\s+2\.0 GiB\s+1\s+-\s+5\.0s/);

  const d = vms.get('web-1');
  const text = vmShow(
    asReceived(vmToWire(d)),
    d.history.map((h) => ({ ...h, hostId: h.hostId })),
  );
  t.match(text, /vm:\s+web-1\s+\(placed\)/);
  t.match(text, /host:\s+h1\s+\(fence token 1\)/);
  t.match(text, /disks:\s+disk0 20 GiB local \(local: cannot move\)/);
  t.match(text, /nics:\s+prod, announces 198\.19\.100\.5\/32/);
  t.match(text, /group:\s+web: anti-affinity per host, hard/);
  t.match(text, /why here:\s+placed on h1/, 'why this host');
  t.match(
    text,
    /h1: ready ok, schedulable ok, vcpus ok \(needs 2 vCPUs, 32 free/,
    'the verdict with numbers',
  );
  t.match(text, /other hosts: none removed by a filter/);
  t.match(text, /history:\n\s+WHEN\s+STATUS/);
  t.match(text, /pending\s+h1\s+accepted/);
});

t.test('drain lines and summary', async (t) => {
  const line = drainLine(
    {
      vm: 'web-1',
      step: 'placing',
      fromHost: 'h1',
      toHost: 'h2',
      message: 'placed on h2',
      atMs: NOW + 1500,
    },
    NOW,
  );
  t.equal(line, '   1.5s  web-1                placing   h1 -> h2             placed on h2');
  const clean = { hostId: 'h1', moved: ['a', 'b'], refused: [], failed: [], left: [] };
  t.notOk(drainIncomplete(clean));
  t.match(
    drainSummary(clean, 'drained'),
    /drained h1: moved 2, refused 0, failed 0, left 0\nh1 is empty of VMs\./,
  );
  const dirty = {
    hostId: 'h1',
    moved: ['a'],
    refused: [{ vm: 'db', reason: 'disk disk0 is local' }],
    failed: [{ vm: 'c', reason: 'no host fits' }],
    left: ['db', 'c'],
  };
  t.ok(drainIncomplete(dirty));
  const s = drainSummary(dirty, 'drained');
  t.match(s, /refused db: disk disk0 is local/);
  t.match(s, /failed {2}c: no host fits/);
  t.match(s, /still on h1: db, c/);
  t.match(s, /h1 is not empty/);
});
