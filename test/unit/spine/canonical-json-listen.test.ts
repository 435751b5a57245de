import t from 'tap';
import { canonicalJson } from '../../../lib/canonical-json.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { parseListen } from '../../../lib/listen.js';
import { caught } from './helpers.js';

t.test('canonicalJson: key order does not matter, at any depth', async (t) => {
  const a = { b: 1, a: { y: [1, { q: 1, p: 2 }], x: null }, c: 'z' };
  const b = { c: 'z', a: { x: null, y: [1, { p: 2, q: 1 }] }, b: 1 };
  t.equal(canonicalJson(a), canonicalJson(b));
  t.equal(canonicalJson(a), '{"a":{"x":null,"y":[1,{"p":2,"q":1}]},"b":1,"c":"z"}');
});

t.test('canonicalJson: array order and values still matter', async (t) => {
  t.not(canonicalJson([1, 2]), canonicalJson([2, 1]));
  t.not(canonicalJson({ a: 1 }), canonicalJson({ a: '1' }));
  t.not(canonicalJson({ a: {} }), canonicalJson({ a: [] }));
  t.not(canonicalJson({ a: null }), canonicalJson({}));
});

t.test('canonicalJson: primitives and undefined behave as JSON.stringify', async (t) => {
  const cases: unknown[] = [null, 1, 'x', true, [], {}, [null], 'é"\n'];
  for (const c of cases) t.equal(canonicalJson(c), JSON.stringify(c), JSON.stringify(c));
  t.equal(canonicalJson({ b: undefined, a: 1 }), '{"a":1}');
  t.equal(canonicalJson(undefined), undefined);
});

t.test('parseListen: accepted forms', async (t) => {
  const cases: [string, { host: string; port: number }][] = [
    ['127.0.0.1:9469', { host: '127.0.0.1', port: 9469 }],
    [':9469', { host: '0.0.0.0', port: 9469 }],
    ['0.0.0.0:0', { host: '0.0.0.0', port: 0 }],
    ['localhost:65535', { host: 'localhost', port: 65535 }],
    ['[::1]:443', { host: '::1', port: 443 }],
    ['[::]:9470', { host: '::', port: 9470 }],
    ['[fe80::1%eth0]:1', { host: 'fe80::1%eth0', port: 1 }],
  ];
  for (const [input, want] of cases) t.same(parseListen(input, 'listen'), want, input);
});

t.test('parseListen: refused forms name the config key and show an example', async (t) => {
  const cases = [
    '',
    '9469',
    '127.0.0.1',
    '127.0.0.1:',
    '127.0.0.1:65536',
    '127.0.0.1:123456',
    '::1:80',
    'host:port',
    '127.0.0.1:-1',
    '127.0.0.1:80 ',
    '[::1]80',
  ];
  for (const input of cases) {
    const e = caught(t, () => parseListen(input, 'metrics.listen'));
    t.ok(e instanceof PlinthError, input);
    t.equal(e.code, ErrorCodes.CONFIG, input);
    t.equal(
      e.message,
      `config key metrics.listen: ${JSON.stringify(input)} is not HOST:PORT (e.g. 127.0.0.1:9469 or :9469)`,
      input,
    );
  }
});
