import t from 'tap';
import { vmToWire } from '../../../coordinator/api/vm-admin.js';
import { evacuationStatusText } from '../../../coordinator/cli/evacuation-commands.js';
import { vmJson } from '../../../coordinator/cli/vm-commands.js';
import { statusText, vmShow, vmTable } from '../../../coordinator/cli/vm-render.js';
import type { HostState } from '../../../lib/model.js';
import type { EvacuationStatusResponse } from '../../../proto/gen/plinth/v1/EvacuationStatusResponse.js';
import type { Vm } from '../../../proto/gen/plinth/v1/Vm.js';
import type { VmRecord } from '../../../coordinator/vms/types.js';

const record = (name: string, hostId: string | null): VmRecord => ({
  name,
  uuid: '00000000-0000-4000-8000-000000000001',
  spec: {
    name,
    vcpus: 1,
    memoryMiB: 512,
    disks: [],
    nics: [],
    labels: {},
    requiredLabels: {},
    onHostFailure: 'keep',
  },
  status: 'running',
  reason: 'observed running',
  hostId,
  power: 'running',
  fenceToken: 3,
  flags: [],
  createdMs: 1,
  updatedMs: 1,
});

const states: Record<string, HostState> = { h1: 'down', h2: 'ready', h3: 'suspect' };
const wire = (r: VmRecord) =>
  JSON.parse(JSON.stringify(vmToWire(r, (h) => states[h] ?? 'unknown'))) as Vm;

t.test('a VM on a lost host shows its host liveness beside its status', async (t) => {
  const cases: [string | null, string, string][] = [
    ['h1', 'down', 'running (host down)'],
    ['h2', 'ready', 'running'],
    ['h3', 'suspect', 'running (host suspect)'],
    ['h9', 'unknown', 'running (host unknown)'],
    [null, '', 'running'],
  ];
  for (const [host, state, text] of cases) {
    const v = wire(record('a', host));
    t.equal(v.hostState, state, `wire host_state for ${host}`);
    t.equal(statusText(v), text, `status text for ${host}`);
    t.equal((vmJson(v) as { hostState: string }).hostState, state, 'in --json too');
  }
  t.equal(vmToWire(record('a', 'h1')).hostState, '', 'no liveness source: left empty');
  const table = vmTable([wire(record('a', 'h1')), wire(record('b', 'h2'))], 10);
  t.match(table, /^a\s+running \(host down\)\s+h1/m);
  t.match(table, /^b\s+running\s+h2/m);
  const show = vmShow(wire(record('a', 'h1')), []);
  t.match(show, /running \(host down\): observed running/);
  t.match(show, /host:\s+h1\s+\(down, fence token 3\)/);
});

const base: EvacuationStatusResponse = {
  enabled: true,
  inStartupGrace: false,
  brakeEngaged: false,
  brakeBy: '',
  brakeReason: '',
  relocationsInLastMinute: 0,
  hosts: [],
};

t.test('evacuation status text', async (t) => {
  t.match(evacuationStatusText(base), /brake:\s+released[\s\S]*no lost hosts/);
  const held = evacuationStatusText({
    ...base,
    brakeEngaged: true,
    brakeBy: 'operator',
    brakeReason: 'held by alice',
  });
  t.match(held, /ENGAGED by operator: held by alice/);
  t.match(held, /plinth evacuation brake release/);

  const text = evacuationStatusText({
    ...base,
    relocationsInLastMinute: 1,
    hosts: [
      {
        hostId: 'h1',
        state: 'down',
        fencePhase: 'failed',
        fenceBy: '',
        fenceManual: false,
        fenceAlreadyOff: false,
        fenceCode: 'PLINTH_E_BMC_UNAVAILABLE',
        fenceMessage: 'no answer',
        fenceAgeMs: 5000,
        waiting: [
          { vm: 'db-1', reason: 'fence-failed', message: 'db-1 stays on h1, flagged' },
          { vm: 'web-1', reason: 'policy-keep', message: 'web-1 waits for h1' },
        ],
        relocated: [],
      },
      {
        hostId: 'h2',
        state: 'down',
        fencePhase: 'ok',
        fenceBy: 'alice',
        fenceManual: true,
        fenceAlreadyOff: true,
        fenceCode: '',
        fenceMessage: '',
        fenceAgeMs: 2000,
        waiting: [{ vm: 'app-2', reason: 'relocating', message: 'app-2 is being relocated' }],
        relocated: [{ vm: 'app-1', toHost: 'h3', atMs: 1 }],
      },
    ],
  });
  t.match(text, /host h1: down, FAILED PLINTH_E_BMC_UNAVAILABLE 5\.0s ago: no answer/);
  t.match(text, /plinth host confirm-off h1 --yes/);
  t.match(text, /db-1\s+flagged/);
  t.match(text, /web-1\s+policy-keep/);
  t.match(text, /host h2: down, off \(confirm-off by alice, 2\.0s ago\)/);
  t.match(text, /app-2\s+relocating/);
  t.match(text, /app-1\s+moved\s+to h3/);
  t.notMatch(text, /confirm-off h2/, 'no advice for a fenced host');
});
