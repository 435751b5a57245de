import t from 'tap';
import {
  checkPrefix,
  isValidAsn,
  isValidDescription,
  isValidIpv4,
  isValidIpv6,
  normaliseIpv6,
  readOwnership,
  taggedDescription,
} from '../../../agent/drivers/frr/validate.js';

t.test('ASN', async (t) => {
  const table: [unknown, boolean][] = [
    [1, true],
    [65001, true],
    [4294967295, true],
    [0, false],
    [23456, false],
    [4294967296, false],
    [1.5, false],
    ['65001', false],
    [-1, false],
    [null, false],
  ];
  for (const [v, ok] of table) t.equal(isValidAsn(v), ok, String(v));
});

t.test('addresses', async (t) => {
  const v4: [unknown, boolean][] = [
    ['198.18.5.1', true],
    ['0.0.0.0', true],
    ['198.18.5.300', false],
    ['198.18.05.1', false],
    ['198.18.5', false],
    [' 198.18.5.1', false],
    ['198.18.5.1\n', false],
    [42, false],
  ];
  for (const [v, ok] of v4) t.equal(isValidIpv4(v), ok, `v4 ${JSON.stringify(v)}`);
  const v6: [unknown, boolean][] = [
    ['2001:db8::1', true],
    ['fe80::1', true],
    ['::', true],
    ['2001:db8::1%eth0', false],
    ['2001:db8:::1', false],
    ['198.18.5.1', false],
  ];
  for (const [v, ok] of v6) t.equal(isValidIpv6(v), ok, `v6 ${JSON.stringify(v)}`);
  const norm: [string, string][] = [
    ['2001:DB8:0:0:0:0:0:1', '2001:db8::1'],
    ['2001:db8:0:1:0:0:0:0', '2001:db8:0:1::'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['2001:0:0:1:0:0:1:1', '2001::1:0:0:1:1'],
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2:3:4:5:6'],
    ['::', '::'],
  ];
  for (const [a, want] of norm) t.equal(normaliseIpv6(a), want, a);
});

t.test('prefixes must be network addresses', async (t) => {
  const table: [unknown, string | null][] = [
    ['198.18.5.200/32', '198.18.5.200/32'],
    ['198.18.5.0/24', '198.18.5.0/24'],
    ['0.0.0.0/0', '0.0.0.0/0'],
    ['2001:DB8::/32', '2001:db8::/32'],
    ['198.18.5.1/24', null],
    ['198.18.5.0/33', null],
    ['198.18.5.0', null],
    ['2001:db8::1/64', null],
    ['foo/24', null],
    [24, null],
  ];
  for (const [v, want] of table) {
    const c = checkPrefix(v);
    t.equal(c.ok ? c.prefix : null, want, JSON.stringify(v));
  }
});

t.test('descriptions', async (t) => {
  const table: [unknown, boolean][] = [
    ['', true],
    ['tor-1', true],
    ['tor 1 (rack a), port 3/4', true],
    ['vm 198.18.5.9@host', true],
    ['x\nrouter bgp 1', false],
    ['a\rb', false],
    ['x ! y', false],
    ['x # y', false],
    ['help?', false],
    [' leading', false],
    ['trailing ', false],
    ['two  spaces', false],
    ['a'.repeat(65), false],
    ['"quoted"', false],
    ['semi;colon', false],
    ['$(x)', false],
    [7, false],
  ];
  for (const [v, ok] of table) t.equal(isValidDescription(v), ok, JSON.stringify(v));
});

t.test('ownership tag', async (t) => {
  t.equal(taggedDescription(''), 'plinth');
  t.equal(taggedDescription('tor-1'), 'plinth: tor-1');
  const table: [string | null, { owned: boolean; text: string | null }][] = [
    ['plinth', { owned: true, text: '' }],
    ['plinth: tor-1', { owned: true, text: 'tor-1' }],
    ['plinthx', { owned: false, text: 'plinthx' }],
    ['plinth:x', { owned: false, text: 'plinth:x' }],
    ['hand made', { owned: false, text: 'hand made' }],
    [null, { owned: false, text: null }],
  ];
  for (const [d, want] of table) t.same(readOwnership(d), want, String(d));
});
