import t from 'tap';
import { parseAssignments } from '../../../agent/assignments/parse.js';
import type { JsonValue } from '../../../lib/json.js';

const U1 = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const U2 = '3f2504e0-4f89-41d3-9a0c-0305e82c3302';

const cases: {
  name: string;
  raw: JsonValue | undefined;
  ok: string[];
  errors: RegExp[];
}[] = [
  { name: 'absent', raw: undefined, ok: [], errors: [] },
  { name: 'null', raw: null, ok: [], errors: [] },
  {
    name: 'two valid, policy defaults to keep',
    raw: {
      [U1]: { name: 'web-1', token: 7, policy: 'restart-after-fence' },
      [U2]: { name: 'db-1', token: 0 },
    },
    ok: [`${U1}:web-1:7:restart-after-fence`, `${U2}:db-1:0:keep`],
    errors: [],
  },
  {
    name: 'uppercase uuid is normalised',
    raw: { [U1.toUpperCase()]: { name: 'web-1', token: 1, policy: 'replace' } },
    ok: [`${U1}:web-1:1:replace`],
    errors: [],
  },
  { name: 'an array', raw: [], ok: [], errors: [/must be an object keyed by VM uuid/] },
  {
    name: 'bad key',
    raw: { 'not-a-uuid': { name: 'x', token: 1 } },
    ok: [],
    errors: [/is not a VM uuid/],
  },
  {
    name: 'negative, fractional, string tokens',
    raw: {
      [U1]: { name: 'a', token: -1 },
      [U2]: { name: 'b', token: 1.5 },
      '3f2504e0-4f89-41d3-9a0c-0305e82c3303': { name: 'c', token: '7' },
    },
    ok: [],
    errors: [/token must be/, /token must be/, /token must be/],
  },
  {
    name: 'unknown policy and unknown field',
    raw: { [U1]: { name: 'a', token: 1, policy: 'evict' }, [U2]: { name: 'b', token: 1, tokn: 2 } },
    ok: [],
    errors: [/policy must be one of keep, restart-after-fence, replace/, /unknown field\(s\) tokn/],
  },
  {
    name: 'name outside the allow-list',
    raw: { [U1]: { name: 'a b;rm', token: 1 } },
    ok: [],
    errors: [/invalid name/],
  },
  {
    name: 'keys differing only in case are both refused',
    raw: { [U1]: { name: 'a', token: 1 }, [U1.toUpperCase()]: { name: 'a', token: 2 } },
    ok: [],
    errors: [/assigned twice/],
  },
];

for (const c of cases) {
  t.test(c.name, async (t) => {
    const r = parseAssignments(c.raw);
    t.same(
      [...r.assignments.values()].map((a) => `${a.uuid}:${a.name}:${a.token}:${a.policy}`),
      c.ok,
    );
    t.equal(r.errors.length, c.errors.length, 'error count');
    c.errors.forEach((re, i) => {
      t.match(r.errors[i], {
        ok: false,
        code: 'PLINTH_E_INVALID_ARGUMENT',
        kind: 'agent.assignment',
      });
      t.match(r.errors[i]?.message, re);
    });
  });
}
