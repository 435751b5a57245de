import t from 'tap';
import {
  acceptAssignments,
  conflictResults,
  gateDomains,
  heldToData,
} from '../../../agent/assignments/rules.js';
import type { Assignment, Policy, TokenRecord } from '../../../agent/assignments/types.js';
import type { JsonObject } from '../../../lib/json.js';

const U1 = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const U2 = '3f2504e0-4f89-41d3-9a0c-0305e82c3302';

const dom = (uuid: string, power?: string, extra: JsonObject = {}): JsonObject => ({
  name: uuid === U1 ? 'web-1' : 'db-1',
  uuid,
  vcpus: 1,
  memoryMiB: 128,
  ...(power ? { power } : {}),
  ...extra,
});
const asg = (uuid: string, token: number, policy: Policy = 'keep'): [string, Assignment] => [
  uuid,
  { uuid, name: uuid === U1 ? 'web-1' : 'db-1', token, policy },
];
const rec = (
  uuid: string,
  token: number,
  policy: Policy = 'keep',
  over: Partial<TokenRecord> = {},
): [string, TokenRecord] => [
  uuid,
  { uuid, name: uuid === U1 ? 'web-1' : 'db-1', token, policy, assigned: true, ...over },
];

t.test('acceptAssignments: tokens only grow, stale ones change nothing', async (t) => {
  const cases: {
    name: string;
    records: [string, TokenRecord][];
    assignments: [string, Assignment][];
    domains: JsonObject[];
    want: [string, Partial<TokenRecord> & { domain?: JsonObject }][];
  }[] = [
    {
      name: 'first assignment is recorded with its domain entry',
      records: [],
      assignments: [asg(U1, 7, 'restart-after-fence')],
      domains: [dom(U1)],
      want: [[U1, { token: 7, policy: 'restart-after-fence', assigned: true, domain: dom(U1) }]],
    },
    {
      name: 'a higher token replaces, the same token is idempotent',
      records: [rec(U1, 7), rec(U2, 3)],
      assignments: [asg(U1, 8), asg(U2, 3)],
      domains: [dom(U1, 'stopped'), dom(U2)],
      want: [
        [U1, { token: 8, domain: dom(U1, 'stopped') }],
        [U2, { token: 3, domain: dom(U2) }],
      ],
    },
    {
      name: 'a lower token leaves the record (and its domain entry) as it was',
      records: [rec(U1, 9, 'replace', { domain: dom(U1, 'running') })],
      assignments: [asg(U1, 4, 'keep')],
      domains: [dom(U1, 'stopped')],
      want: [[U1, { token: 9, policy: 'replace', assigned: true, domain: dom(U1, 'running') }]],
    },
    {
      name: 'a VM no longer assigned keeps its token, loses its domain entry',
      records: [rec(U1, 9, 'keep', { domain: dom(U1) })],
      assignments: [],
      domains: [],
      want: [[U1, { token: 9, assigned: false }]],
    },
  ];
  for (const c of cases) {
    const out = acceptAssignments(new Map(c.records), new Map(c.assignments), c.domains);
    for (const [uuid, w] of c.want) t.match(out.get(uuid), w, c.name);
    if (c.want.some(([, w]) => w.assigned === false))
      t.notOk(out.get(U1)?.domain, `${c.name}: no domain entry`);
    const again = acceptAssignments(out, new Map(c.assignments), c.domains);
    t.same(again, out, `${c.name}: accepting the same document again changes nothing`);
  }
});

t.test('conflictResults names both tokens with PLINTH_E_CONFLICT', async (t) => {
  const r = conflictResults(new Map([rec(U1, 9), rec(U2, 2)]), new Map([asg(U1, 4), asg(U2, 2)]));
  t.equal(r.length, 1);
  t.match(r[0], { kind: 'agent.assignment', id: U1, ok: false, code: 'PLINTH_E_CONFLICT' });
  t.match(r[0]?.message, /fencing token 4, lower than token 9/);
  t.same(conflictResults(new Map(), new Map([asg(U1, 0)])), [], 'first sight is never stale');
});

t.test('gateDomains: the conflict rules', async (t) => {
  const cases: {
    name: string;
    domains: JsonObject[];
    assignments: [string, Assignment][];
    records: [string, TokenRecord][];
    observed: [string, boolean][];
    confirmed: boolean;
    want: JsonObject[];
    held?: Partial<Record<string, Partial<ReturnType<typeof heldToData>>>>;
  }[] = [
    {
      name: 'keep: enforced as held while unconfirmed (a crashed guest is started)',
      domains: [dom(U1, 'running')],
      assignments: [asg(U1, 1, 'keep')],
      records: [rec(U1, 1, 'keep')],
      observed: [[U1, false]],
      confirmed: false,
      want: [dom(U1, 'running')],
      held: { [U1]: { gated: false, startHeld: false } },
    },
    {
      name: 'restart-after-fence, unconfirmed, not running: power turned to stopped',
      domains: [dom(U1, 'running')],
      assignments: [asg(U1, 2, 'restart-after-fence')],
      records: [rec(U1, 2, 'restart-after-fence')],
      observed: [[U1, false]],
      confirmed: false,
      want: [dom(U1, 'stopped')],
      held: { [U1]: { gated: true, startHeld: true, token: 2 } },
    },
    {
      name: 'replace, unconfirmed, power defaulted (running), not defined here: stopped, not dropped',
      domains: [dom(U1)],
      assignments: [asg(U1, 2, 'replace')],
      records: [rec(U1, 2, 'replace')],
      observed: [],
      confirmed: false,
      want: [dom(U1, 'stopped')],
    },
    {
      name: 'restart-after-fence, unconfirmed, running: adopted, kept running',
      domains: [dom(U1, 'running')],
      assignments: [asg(U1, 2, 'restart-after-fence')],
      records: [rec(U1, 2, 'restart-after-fence')],
      observed: [[U1, true]],
      confirmed: false,
      want: [dom(U1, 'running')],
      held: { [U1]: { gated: true, startHeld: false } },
    },
    {
      name: 'restart-after-fence, confirmed: started',
      domains: [dom(U1, 'running')],
      assignments: [asg(U1, 2, 'restart-after-fence')],
      records: [rec(U1, 2, 'restart-after-fence')],
      observed: [[U1, false]],
      confirmed: true,
      want: [dom(U1, 'running')],
      held: { [U1]: { gated: false, startHeld: false } },
    },
    {
      name: 'desired stopped stays stopped either way',
      domains: [dom(U1, 'stopped')],
      assignments: [asg(U1, 2, 'restart-after-fence')],
      records: [rec(U1, 2, 'restart-after-fence')],
      observed: [[U1, true]],
      confirmed: false,
      want: [dom(U1, 'stopped')],
    },
    {
      name: 'no assignment: keep semantics, passed through',
      domains: [dom(U2, 'running')],
      assignments: [],
      records: [],
      observed: [],
      confirmed: false,
      want: [dom(U2, 'running')],
    },
    {
      name: 'stale token: the entry accepted with the held token is enforced instead',
      domains: [dom(U1, 'stopped', { vcpus: 4 })],
      assignments: [asg(U1, 3, 'keep')],
      records: [rec(U1, 5, 'keep', { domain: dom(U1, 'running') })],
      observed: [[U1, true]],
      confirmed: true,
      want: [dom(U1, 'running')],
      held: { [U1]: { token: 5, staleToken: 3 } },
    },
    {
      name: 'stale token, no accepted entry, VM exists: left as it runs',
      domains: [dom(U1, 'stopped', { vcpus: 4 })],
      assignments: [asg(U1, 3, 'keep')],
      records: [rec(U1, 5, 'keep', { assigned: false })],
      observed: [[U1, true]],
      confirmed: true,
      want: [dom(U1, 'running', { vcpus: 4 })],
    },
    {
      name: 'stale token, no accepted entry, VM not here: left out (nothing to act on)',
      domains: [dom(U1, 'running'), dom(U2, 'running')],
      assignments: [asg(U1, 3, 'keep')],
      records: [rec(U1, 5, 'keep', { assigned: false })],
      observed: [],
      confirmed: true,
      want: [dom(U2, 'running')],
    },
    {
      name: 'stale token and the entry missing from domains: the held entry is kept (no undefine)',
      domains: [dom(U2, 'running')],
      assignments: [asg(U1, 3, 'keep')],
      records: [rec(U1, 5, 'keep', { domain: dom(U1, 'running') })],
      observed: [[U1, true]],
      confirmed: true,
      want: [dom(U2, 'running'), dom(U1, 'running')],
    },
    {
      name: 'stale token, held entry of a restart-after-fence VM, unconfirmed: still gated',
      domains: [dom(U1, 'running')],
      assignments: [asg(U1, 3, 'keep')],
      records: [rec(U1, 5, 'restart-after-fence', { domain: dom(U1, 'running') })],
      observed: [[U1, false]],
      confirmed: false,
      want: [dom(U1, 'stopped')],
    },
    {
      name: 'a VM the document no longer lists is absent (the driver stops and undefines it)',
      domains: [],
      assignments: [],
      records: [rec(U1, 5, 'keep', { assigned: false })],
      observed: [[U1, true]],
      confirmed: true,
      want: [],
      held: {},
    },
    {
      name: 'entries that are not objects with a uuid pass through for the driver to refuse',
      domains: [{ name: 'x' }],
      assignments: [],
      records: [],
      observed: [],
      confirmed: false,
      want: [{ name: 'x' }],
    },
  ];
  for (const c of cases) {
    const out = gateDomains({
      domains: c.domains,
      assignments: new Map(c.assignments),
      records: new Map(c.records),
      observed: new Map(c.observed.map(([u, live]) => [u, { live }])),
      confirmed: c.confirmed,
    });
    t.same(out.domains, c.want, c.name);
    if (c.held) {
      t.same(out.held.map((h) => h.uuid).sort(), Object.keys(c.held).sort(), `${c.name}: held set`);
      for (const [uuid, w] of Object.entries(c.held))
        t.match(heldToData(out.held.find((h) => h.uuid === uuid)!), w!, `${c.name}: ${uuid}`);
    }
  }
  t.same(
    gateDomains({
      domains: undefined,
      assignments: new Map(),
      records: new Map(),
      observed: new Map(),
      confirmed: false,
    }).domains,
    undefined,
    'no domains section stays absent (the reconciler then leaves the driver alone)',
  );
});
