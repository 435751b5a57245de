import t from 'tap';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { assertName, isValidName, type NameKind } from '../../../lib/names.js';
import { caught } from './helpers.js';

/** Strings that must never pass any allow-list: shell, XML and path metacharacters. */
const hostile = [
  '',
  'a;b',
  'a b',
  'a\tb',
  'a\nb',
  'abc\n',
  '\nabc',
  'a$b',
  '$(id)',
  '`id`',
  'a|b',
  'a&b',
  'a>b',
  'a<b',
  "a'b",
  'a"b',
  'a\\b',
  'a\u0000b',
  'a*',
  'a?',
  'a{b}',
  'a(b)',
  '<x/>',
  '&amp;',
  'a,b',
  'a=b',
  'é',
  'a\u200bb',
];

/** Path traversal and option injection: refused by every kind that can reach a path or an argv. */
const pathOrOption = ['a/b', '../etc', '..', '.', '/abs', 'a/../b', '-rf', '--help', '-'];
const pathKinds: NameKind[] = ['hostId', 'objectName', 'ifName'];

const kinds: NameKind[] = ['hostId', 'objectName', 'ifName', 'labelKey', 'labelValue'];

t.test('hostile strings are refused by every kind', async (t) => {
  for (const kind of kinds) {
    for (const s of hostile) {
      // labelValue allows the empty string (a label may be set to "").
      if (kind === 'labelValue' && s === '') continue;
      if (isValidName(kind, s)) t.fail(`${kind} accepted ${JSON.stringify(s)}`);
    }
  }
  for (const kind of pathKinds) {
    for (const s of pathOrOption)
      if (isValidName(kind, s)) t.fail(`${kind} accepted ${JSON.stringify(s)}`);
  }
  t.ok(isValidName('labelValue', ''), 'labelValue accepts empty');
  t.pass('checked');
});

t.test('non-strings are refused', async (t) => {
  for (const kind of kinds) {
    for (const v of [undefined, null, 1, true, ['a'], { a: 1 }, new String('a')]) {
      t.notOk(isValidName(kind, v), `${kind} refuses ${String(v)}`);
    }
  }
});

t.test('table: accepted and refused per kind', async (t) => {
  const cases: [NameKind, string, boolean][] = [
    ['hostId', 'h1', true],
    ['hostId', 'node-01', true],
    ['hostId', 'a', true],
    ['hostId', '0', true],
    ['hostId', 'a'.repeat(63), true],
    ['hostId', 'a'.repeat(64), false],
    ['hostId', 'Node1', false],
    ['hostId', '-a', false],
    ['hostId', 'a-', false],
    ['hostId', 'a.b', false],
    ['hostId', 'a_b', false],
    ['objectName', 'vm-1.disk_0', true],
    ['objectName', 'VM1', true],
    ['objectName', 'a'.repeat(63), true],
    ['objectName', 'a'.repeat(64), false],
    ['objectName', '.hidden', false],
    ['objectName', '_x', false],
    ['objectName', '-x', false],
    ['ifName', 'eth0', true],
    ['ifName', 'br-int', true],
    ['ifName', 'bond0.100', true],
    ['ifName', 'veth_a', true],
    ['ifName', 'a'.repeat(15), true],
    ['ifName', 'a'.repeat(16), false],
    ['ifName', 'eth0:1', false],
    ['ifName', '.', false],
    ['labelKey', 'rack', true],
    ['labelKey', 'topology.plinth.io/zone', true],
    ['labelKey', 'a'.repeat(63), true],
    ['labelKey', 'a'.repeat(64), false],
    ['labelKey', 'Rack', false],
    ['labelKey', 'rack/', false],
    ['labelKey', '/rack', false],
    ['labelKey', 'a=b', false],
    ['labelValue', 'r1', true],
    ['labelValue', 'A-1.b_c:d', true],
    ['labelValue', 'a'.repeat(63), true],
    ['labelValue', 'a'.repeat(64), false],
    ['labelValue', 'a/b', false],
    ['labelValue', 'a b', false],
  ];
  for (const [kind, value, ok] of cases) {
    t.equal(
      isValidName(kind, value),
      ok,
      `${kind} ${JSON.stringify(value.length > 20 ? `${value.slice(0, 5)}…(${value.length})` : value)}`,
    );
  }
});

t.test(
  'assertName returns the value or throws INVALID_ARGUMENT naming what and the rule',
  async (t) => {
    t.equal(assertName('hostId', 'h1'), 'h1');
    t.equal(assertName('ifName', 'eth0', 'interface'), 'eth0');
    const e = caught(t, () => assertName('hostId', 'Bad;rm', 'host id'));
    t.ok(e instanceof PlinthError);
    t.equal(e.code, ErrorCodes.INVALID_ARGUMENT);
    t.equal(e.message, 'invalid host id "Bad;rm": must match ^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$');
    t.same((e as PlinthError).details, { kind: 'hostId', value: 'Bad;rm' });
    const e2 = caught(t, () => assertName('ifName', 'a'.repeat(16)));
    t.equal(
      e2.message,
      `invalid ifName "${'a'.repeat(16)}": must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,14}$`,
    );
    const e3 = caught(t, () => assertName('objectName', undefined, 'pool'));
    t.equal(e3.message, 'invalid pool undefined: must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$');
  },
);
