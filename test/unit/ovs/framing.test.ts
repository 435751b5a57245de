import t from 'tap';
import { JsonObjectStream } from '../../../agent/drivers/ovs/ovsdb/framing.js';
import { ErrorCodes } from '../../../lib/errors.js';
import { transcript } from './exchanges.js';

const received = transcript.filter((e) => e.dir === 'recv').map((e) => e.msg);
const wire = received.map((m) => JSON.stringify(m)).join('');

t.test('real replies back to back, split at every chunk size', async (t) => {
  for (const size of [1, 2, 3, 7, 64, 1000, wire.length]) {
    const s = new JsonObjectStream();
    const out = [];
    for (let i = 0; i < wire.length; i += size) out.push(...s.push(wire.slice(i, i + size)));
    t.same(out, received, `chunk size ${size}`);
  }
});

t.test('whitespace and newlines between messages are allowed', async (t) => {
  const s = new JsonObjectStream();
  t.same(s.push('{"a":1}\n  {"b":"}{\\"x"}\r\n'), [{ a: 1 }, { b: '}{"x' }]);
});

t.test('braces and escapes inside strings do not end a message', async (t) => {
  const s = new JsonObjectStream();
  t.same(s.push('{"s":"a\\\\"}'), [{ s: 'a\\' }]);
  t.same(s.push('{"s":"\\"}'), []);
  t.same(s.push('"}'), [{ s: '"}' }]);
});

const malformed: Array<[string, string]> = [
  ['not an object at top level', '[1,2]'],
  ['garbage', 'HTTP/1.1 400 Bad Request\r\n'],
  ['invalid JSON inside braces', '{"id":1,}'],
  ['a bare number', '42'],
  ['mismatched brackets', '{"a":[}'],
];
for (const [name, text] of malformed) {
  t.test(`malformed: ${name}`, async (t) => {
    const s = new JsonObjectStream();
    t.throws(() => s.push(text), { code: ErrorCodes.PARSE });
  });
}

t.test('an over-long message is refused', async (t) => {
  const s = new JsonObjectStream(100);
  t.throws(() => s.push(`{"x":"${'a'.repeat(200)}`), { code: ErrorCodes.PARSE });
});
