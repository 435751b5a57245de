import t from 'tap';
import { describeSchema, validateConfig, type Schema } from '../../../lib/config-schema.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { caught } from './helpers.js';

const schema: Schema = {
  listen: { type: 'string', doc: 'address to listen on', default: '127.0.0.1:9469' },
  mode: { type: 'string', doc: 'run mode', enum: ['fast', 'safe'], default: 'safe' },
  name: { type: 'string', doc: 'host id', pattern: /^[a-z]+$/ },
  intervalMs: {
    type: 'number',
    doc: 'poll interval',
    default: 1000,
    min: 100,
    max: 60000,
    integer: true,
  },
  ratio: { type: 'number', doc: 'a ratio', optional: true },
  debug: { type: 'boolean', doc: 'debug output', default: false },
  peers: { type: 'string[]', doc: 'peer addresses', default: ['a'] },
  labels: { type: 'map', doc: 'labels', optional: true },
  extra: { type: 'map', doc: 'extra', default: { k: 'v' } },
  tls: {
    type: 'object',
    doc: 'TLS',
    fields: {
      cert: { type: 'string', doc: 'certificate path' },
      key: { type: 'string', doc: 'key path', default: '/etc/plinth/key' },
      deep: {
        type: 'object',
        doc: 'deeper',
        fields: { level: { type: 'number', doc: 'level', default: 3 } },
      },
    },
  },
};

const good = { name: 'abc', tls: { cert: '/c' } };

/** The list of errors validateConfig reports for `raw` (empty if valid). */
function errorsOf(raw: unknown, s: Schema = schema): string[] {
  try {
    validateConfig(s, raw);
    return [];
  } catch (e) {
    if (!(e instanceof PlinthError)) throw e;
    return (e.details as { errors: string[] }).errors;
  }
}

t.test('defaults fill everything missing, nested objects included', async (t) => {
  const out = validateConfig<Record<string, unknown>>(schema, good);
  t.same(out, {
    listen: '127.0.0.1:9469',
    mode: 'safe',
    name: 'abc',
    intervalMs: 1000,
    debug: false,
    peers: ['a'],
    extra: { k: 'v' },
    tls: { cert: '/c', key: '/etc/plinth/key', deep: { level: 3 } },
  });
  t.notOk('ratio' in out, 'optional without default stays absent');
  t.notOk('labels' in out, 'optional map without default stays absent');
});

t.test('defaults are copies: mutating the output does not change the schema', async (t) => {
  const out = validateConfig<{ peers: string[]; extra: Record<string, string> }>(schema, good);
  out.peers.push('b');
  out.extra.z = 'y';
  const again = validateConfig<{ peers: string[]; extra: Record<string, string> }>(schema, good);
  t.same(again.peers, ['a']);
  t.same(again.extra, { k: 'v' });
});

t.test('given values are kept, lists and maps are copied', async (t) => {
  const peers = ['x', 'y'];
  const labels = { rack: 'r1' };
  const out = validateConfig<Record<string, unknown>>(schema, {
    ...good,
    listen: ':1',
    mode: 'fast',
    intervalMs: 100,
    ratio: 0.5,
    debug: true,
    peers,
    labels,
  });
  t.equal(out.listen, ':1');
  t.equal(out.mode, 'fast');
  t.equal(out.intervalMs, 100);
  t.equal(out.ratio, 0.5);
  t.equal(out.debug, true);
  t.same(out.peers, ['x', 'y']);
  t.not(out.peers, peers, 'list is a copy');
  t.same(out.labels, { rack: 'r1' });
  t.not(out.labels, labels, 'map is a copy');
});

t.test('null or undefined top level means an empty config', async (t) => {
  t.same(errorsOf(undefined), [
    'config key name: required (host id). Add it.',
    'config key tls.cert: required (certificate path). Add it.',
  ]);
  t.same(errorsOf(null), errorsOf(undefined));
  t.same(validateConfig({ a: { type: 'number', doc: 'a', default: 1 } }, undefined), { a: 1 });
});

t.test('one wrong value: the exact error for each type and constraint', async (t) => {
  const cases: { name: string; patch: Record<string, unknown>; error: string }[] = [
    {
      name: 'string got number',
      patch: { listen: 5 },
      error: 'config key listen: expected a string, got number 5. address to listen on.',
    },
    {
      name: 'string got list',
      patch: { listen: ['a'] },
      error: 'config key listen: expected a string, got a list. address to listen on.',
    },
    {
      name: 'string got null',
      patch: { listen: null },
      error: 'config key listen: expected a string, got null. address to listen on.',
    },
    {
      name: 'string got boolean',
      patch: { listen: true },
      error: 'config key listen: expected a string, got boolean true. address to listen on.',
    },
    {
      name: 'enum',
      patch: { mode: 'quick' },
      error: 'config key mode: "quick" is not one of fast, safe.',
    },
    {
      name: 'pattern',
      patch: { name: 'A1' },
      error: 'config key name: "A1" does not match ^[a-z]+$. host id.',
    },
    {
      name: 'number got string',
      patch: { intervalMs: '10' },
      error: 'config key intervalMs: expected a number, got the string "10". poll interval.',
    },
    {
      name: 'number got NaN',
      patch: { intervalMs: NaN },
      error: 'config key intervalMs: expected a number, got the number NaN. poll interval.',
    },
    {
      name: 'number got object',
      patch: { intervalMs: { a: 1 } },
      error: 'config key intervalMs: expected a number, got object {"a":1}. poll interval.',
    },
    {
      name: 'integer',
      patch: { intervalMs: 150.5 },
      error: 'config key intervalMs: expected a whole number, got 150.5.',
    },
    {
      name: 'min',
      patch: { intervalMs: 99 },
      error: 'config key intervalMs: 99 is below the minimum 100.',
    },
    {
      name: 'max',
      patch: { intervalMs: 60001 },
      error: 'config key intervalMs: 60001 is above the maximum 60000.',
    },
    {
      name: 'boolean got string',
      patch: { debug: 'yes' },
      error: 'config key debug: expected true or false, got the string "yes".',
    },
    {
      name: 'boolean got number',
      patch: { debug: 1 },
      error: 'config key debug: expected true or false, got number 1.',
    },
    {
      name: 'list got string',
      patch: { peers: 'a,b' },
      error: 'config key peers: expected a list of strings, got the string "a,b".',
    },
    {
      name: 'list of non-strings',
      patch: { peers: ['a', 2] },
      error: 'config key peers: expected a list of strings, got a list.',
    },
    {
      name: 'map got list',
      patch: { labels: ['a'] },
      error: 'config key labels: expected a table of string values, got a list.',
    },
    {
      name: 'map got null',
      patch: { labels: null },
      error: 'config key labels: expected a table of string values, got null.',
    },
    {
      name: 'map with number value',
      patch: { labels: { a: 1 } },
      error: 'config key labels: expected a table of string values, got object {"a":1}.',
    },
    {
      name: 'nested number',
      patch: { tls: { cert: '/c', deep: { level: 'x' } } },
      error: 'config key tls.deep.level: expected a number, got the string "x". level.',
    },
    {
      name: 'nested required',
      patch: { tls: {} },
      error: 'config key tls.cert: required (certificate path). Add it.',
    },
    {
      name: 'top-level required',
      patch: { name: undefined },
      error: 'config key name: required (host id). Add it.',
    },
  ];
  for (const c of cases) {
    t.same(errorsOf({ ...good, ...c.patch }), [c.error], c.name);
  }
});

t.test('boundaries are inclusive', async (t) => {
  t.same(errorsOf({ ...good, intervalMs: 100 }), []);
  t.same(errorsOf({ ...good, intervalMs: 60000 }), []);
  t.same(errorsOf({ ...good, ratio: -1e9 }), [], 'no bounds, no integer rule');
  t.same(errorsOf({ ...good, peers: [] }), [], 'an empty list is a list of strings');
  t.same(errorsOf({ ...good, labels: {} }), []);
});

t.test('long strings are cut to 40 characters in the error', async (t) => {
  const long = 'x'.repeat(100);
  t.same(errorsOf({ ...good, debug: long }), [
    `config key debug: expected true or false, got the string "${'x'.repeat(40)}".`,
  ]);
});

t.test('unknown keys: did you mean, or the known keys', async (t) => {
  t.same(errorsOf({ ...good, listne: 'x' }), [
    'config key listne: unknown key. Did you mean "listen"? Remove it or fix its spelling.',
  ]);
  t.same(
    errorsOf({ ...good, DEBUG: true }),
    ['config key DEBUG: unknown key. Did you mean "debug"? Remove it or fix its spelling.'],
    'case-insensitive',
  );
  t.same(
    errorsOf({ ...good, tls: { cert: '/c', crt: '/x' } }),
    ['config key tls.crt: unknown key. Did you mean "cert"? Remove it or fix its spelling.'],
    'nested',
  );
  t.same(errorsOf({ ...good, completelyunrelated: 1 }), [
    'config key completelyunrelated: unknown key. Known keys: listen, mode, name, intervalMs, ratio, debug, peers, labels, extra, tls. Remove it or fix its spelling.',
  ]);
  t.same(errorsOf({ ...good, tls: { cert: '/c', zzzzzzzzz: 1 } }), [
    'config key tls.zzzzzzzzz: unknown key. Known keys: cert, key, deep. Remove it or fix its spelling.',
  ]);
});

t.test('suggestion threshold: distance 3 suggests, 4 does not', async (t) => {
  const s: Schema = { abcdefgh: { type: 'boolean', doc: 'd', default: true } };
  t.match(errorsOf({ abcdeXXX: true }, s)[0], /Did you mean "abcdefgh"\?/);
  t.match(errorsOf({ abcdXXXX: true }, s)[0], /Known keys: abcdefgh\./);
});

t.test('every problem is reported at once, unknown keys first, then in schema order', async (t) => {
  const e = caught(t, () =>
    validateConfig(
      schema,
      { listne: 1, mode: 'x', intervalMs: 1.5, debug: 'no', tls: { crt: 1 } },
      'agent config /etc/plinth/agent.json',
    ),
  );
  t.ok(e instanceof PlinthError);
  t.equal(e.code, ErrorCodes.CONFIG);
  const errors = [
    'config key listne: unknown key. Did you mean "listen"? Remove it or fix its spelling.',
    'config key mode: "x" is not one of fast, safe.',
    'config key name: required (host id). Add it.',
    'config key intervalMs: expected a whole number, got 1.5.',
    'config key debug: expected true or false, got the string "no".',
    'config key tls.crt: unknown key. Did you mean "cert"? Remove it or fix its spelling.',
    'config key tls.cert: required (certificate path). Add it.',
  ];
  t.same((e.details as { errors: string[] }).errors, errors);
  t.equal(
    e.message,
    `agent config /etc/plinth/agent.json is invalid:\n  - ${errors.join('\n  - ')}`,
  );
});

t.test('default source name is "config"', async (t) => {
  const e = caught(t, () => validateConfig(schema, {}));
  t.match(e.message, /^config is invalid:\n {2}- config key name: required/);
});

t.test('a non-object where a table is expected', async (t) => {
  t.same(errorsOf(['a']), ['config key (top level): expected a table/object, got a list.']);
  t.same(errorsOf('x'), ['config key (top level): expected a table/object, got the string "x".']);
  t.same(errorsOf(7), ['config key (top level): expected a table/object, got number 7.']);
  // The nested form's exact key text is checked in config-schema.bug.ts (trailing dot).
  const nested = errorsOf({ ...good, tls: 'x' });
  t.equal(nested.length, 1);
  t.match(nested[0], /^config key tls\.?: expected a table\/object, got the string "x"\.$/);
});

t.test('a nested object given as null is treated as empty', async (t) => {
  t.same(errorsOf({ ...good, tls: null }), [
    'config key tls.cert: required (certificate path). Add it.',
  ]);
});

t.test('describeSchema lists every leaf with type, default and doc', async (t) => {
  t.same(describeSchema(schema), [
    'listen: string (default "127.0.0.1:9469") — address to listen on',
    'mode: string (default "safe") — run mode',
    'name: string — host id',
    'intervalMs: number (default 1000) — poll interval',
    'ratio: number — a ratio',
    'debug: boolean (default false) — debug output',
    'peers: string[] (default ["a"]) — peer addresses',
    'labels: map — labels',
    'extra: map (default {"k":"v"}) — extra',
    'tls.cert: string — certificate path',
    'tls.key: string (default "/etc/plinth/key") — key path',
    'tls.deep.level: number (default 3) — level',
  ]);
  t.same(describeSchema({}), []);
  t.same(describeSchema({ a: { type: 'boolean', doc: 'd', default: true } }, 'drivers.x.'), [
    'drivers.x.a: boolean (default true) — d',
  ]);
});
