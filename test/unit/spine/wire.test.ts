import t from 'tap';
import {
  eventFromWire,
  eventToWire,
  objectFromWire,
  parseJsonField,
  resultFromWire,
} from '../../../coordinator/api/wire.js';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';
import { MAX_OBJECT_JSON_BYTES } from '../../../lib/proto.js';
import type { Event } from '../../../proto/gen/plinth/v1/Event.js';
import type { ObjectState } from '../../../proto/gen/plinth/v1/ObjectState.js';
import { caught } from './helpers.js';

const obj = (o: Partial<ObjectState>): ObjectState => ({
  kind: 'host.link',
  id: 'eth0',
  dataJson: '{"up":true}',
  deleted: false,
  ...o,
});
const event = (e: Partial<Event>): Event => ({
  type: 'host.link',
  severity: 'info',
  message: 'eth0 up',
  objectKind: '',
  objectId: '',
  dataJson: '',
  atMs: 17,
  hostId: '',
  id: 0,
  ...e,
});

/** A valid JSON object text of exactly n characters. */
function jsonOfLength(n: number): string {
  const s = '{"a":""}';
  return `{"a":"${'x'.repeat(n - s.length)}"}`;
}

t.test('the object JSON limit is 256 KiB', async (t) => {
  t.equal(MAX_OBJECT_JSON_BYTES, 256 * 1024);
  t.equal(jsonOfLength(100).length, 100);
});

t.test('objectFromWire: valid objects', async (t) => {
  t.same(objectFromWire(obj({})), { kind: 'host.link', id: 'eth0', data: { up: true } });
  t.same(
    objectFromWire(obj({ dataJson: '' })),
    { kind: 'host.link', id: 'eth0', data: {} },
    'empty data is {}',
  );
  t.same(
    objectFromWire(obj({ deleted: true, dataJson: 'not json at all' })),
    { kind: 'host.link', id: 'eth0', deleted: true },
    'a deletion ignores data',
  );
  t.same(objectFromWire(obj({ kind: 'a'.repeat(64) })).kind, 'a'.repeat(64), '64-char kind');
  t.same(objectFromWire(obj({ kind: 'libvirt.domain_x-1' })).kind, 'libvirt.domain_x-1');
  t.equal(objectFromWire(obj({ id: 'x'.repeat(512) })).id.length, 512);
  const atLimit = jsonOfLength(MAX_OBJECT_JSON_BYTES);
  t.equal(
    Object.keys(objectFromWire(obj({ dataJson: atLimit })).data ?? {}).length,
    1,
    'exactly at the limit is accepted',
  );
});

t.test('objectFromWire: refusals with exact messages', async (t) => {
  const long = 'k'.repeat(100);
  const cases: { name: string; o: ObjectState; message: string }[] = [
    {
      name: 'uppercase kind',
      o: obj({ kind: 'Host.Link' }),
      message: 'object kind "Host.Link" is not valid (lowercase, dots, at most 64 chars)',
    },
    {
      name: 'empty kind',
      o: obj({ kind: '' }),
      message: 'object kind "" is not valid (lowercase, dots, at most 64 chars)',
    },
    {
      name: 'kind starting with a digit',
      o: obj({ kind: '1host' }),
      message: 'object kind "1host" is not valid (lowercase, dots, at most 64 chars)',
    },
    {
      name: 'kind with a space',
      o: obj({ kind: 'host link' }),
      message: 'object kind "host link" is not valid (lowercase, dots, at most 64 chars)',
    },
    {
      name: 'kind with a newline',
      o: obj({ kind: 'host\n' }),
      message: 'object kind "host\\n" is not valid (lowercase, dots, at most 64 chars)',
    },
    {
      name: '65-char kind',
      o: obj({ kind: 'a'.repeat(65) }),
      message: `object kind "${'a'.repeat(65)}" is not valid (lowercase, dots, at most 64 chars)`,
    },
    {
      name: 'very long kind is cut to 80 in the message',
      o: obj({ kind: long }),
      message: `object kind "${'k'.repeat(80)}" is not valid (lowercase, dots, at most 64 chars)`,
    },
    {
      name: 'empty id',
      o: obj({ id: '' }),
      message: 'object id of kind host.link must be 1-512 characters',
    },
    {
      name: '513-char id',
      o: obj({ id: 'i'.repeat(513) }),
      message: 'object id of kind host.link must be 1-512 characters',
    },
    {
      name: 'invalid JSON',
      o: obj({ dataJson: '{"up":' }),
      message: 'data of host.link eth0 is not valid JSON',
    },
    {
      name: 'JSON array',
      o: obj({ dataJson: '[1,2]' }),
      message: 'data of host.link eth0 is not a JSON object',
    },
    {
      name: 'JSON null',
      o: obj({ dataJson: 'null' }),
      message: 'data of host.link eth0 is not a JSON object',
    },
    {
      name: 'JSON string',
      o: obj({ dataJson: '"s"' }),
      message: 'data of host.link eth0 is not a JSON object',
    },
    {
      name: 'JSON number',
      o: obj({ dataJson: '0' }),
      message: 'data of host.link eth0 is not a JSON object',
    },
    {
      name: 'one character over the limit',
      o: obj({ dataJson: jsonOfLength(MAX_OBJECT_JSON_BYTES + 1) }),
      message: `data of host.link eth0 is ${MAX_OBJECT_JSON_BYTES + 1} bytes, over the ${MAX_OBJECT_JSON_BYTES}-byte limit`,
    },
    {
      name: 'far over the limit',
      o: obj({ dataJson: jsonOfLength(3_000_000) }),
      message: `data of host.link eth0 is 3000000 bytes, over the ${MAX_OBJECT_JSON_BYTES}-byte limit`,
    },
    {
      name: 'a long id is cut to 80 in the message',
      o: obj({ id: 'i'.repeat(300), dataJson: '[]' }),
      message: `data of host.link ${'i'.repeat(80)} is not a JSON object`,
    },
  ];
  for (const c of cases) {
    const e = caught(t, () => objectFromWire(c.o));
    t.ok(e instanceof PlinthError, c.name);
    t.equal(e.code, ErrorCodes.INVALID_ARGUMENT, c.name);
    t.equal(e.message, c.message, c.name);
  }
});

t.test('eventFromWire: valid events', async (t) => {
  t.same(eventFromWire(event({})), {
    type: 'host.link',
    severity: 'info',
    message: 'eth0 up',
    atMs: 17,
  });
  for (const severity of ['info', 'warning', 'critical'])
    t.equal(eventFromWire(event({ severity })).severity, severity);
  t.same(
    eventFromWire(event({ objectKind: 'host.link', objectId: 'eth0', dataJson: '{"mtu":9000}' })),
    {
      type: 'host.link',
      severity: 'info',
      message: 'eth0 up',
      object: { kind: 'host.link', id: 'eth0' },
      data: { mtu: 9000 },
      atMs: 17,
    },
  );
  t.equal(
    eventFromWire(event({ message: 'm'.repeat(10_000) })).message.length,
    4096,
    'message cut to 4096',
  );
  t.equal(eventFromWire(event({ atMs: Number.NaN })).atMs, 0, 'a bad timestamp becomes 0');
});

t.test('eventFromWire: refusals with exact messages', async (t) => {
  const cases: { name: string; e: Event; message: string }[] = [
    {
      name: 'bad type',
      e: event({ type: 'Bad Type' }),
      message: 'event type "Bad Type" is not valid',
    },
    { name: 'empty type', e: event({ type: '' }), message: 'event type "" is not valid' },
    {
      name: 'bad severity',
      e: event({ severity: 'fatal' }),
      message: 'event severity "fatal" is not info, warning or critical',
    },
    {
      name: 'empty severity',
      e: event({ severity: '' }),
      message: 'event severity "" is not info, warning or critical',
    },
    {
      name: 'severity is case-sensitive',
      e: event({ severity: 'INFO' }),
      message: 'event severity "INFO" is not info, warning or critical',
    },
    {
      name: 'long severity cut to 20',
      e: event({ severity: 's'.repeat(50) }),
      message: `event severity "${'s'.repeat(20)}" is not info, warning or critical`,
    },
    {
      name: 'data not an object',
      e: event({ dataJson: '[1]' }),
      message: 'data of event host.link is not a JSON object',
    },
    {
      name: 'data not JSON',
      e: event({ dataJson: '{' }),
      message: 'data of event host.link is not valid JSON',
    },
    {
      name: 'data over the limit',
      e: event({ dataJson: jsonOfLength(MAX_OBJECT_JSON_BYTES + 10) }),
      message: `data of event host.link is ${MAX_OBJECT_JSON_BYTES + 10} bytes, over the ${MAX_OBJECT_JSON_BYTES}-byte limit`,
    },
  ];
  for (const c of cases) {
    const e = caught(t, () => eventFromWire(c.e));
    t.ok(e instanceof PlinthError, c.name);
    t.equal(e.code, ErrorCodes.INVALID_ARGUMENT, c.name);
    t.equal(e.message, c.message, c.name);
  }
});

t.test('parseJsonField directly', async (t) => {
  t.same(parseJsonField('', 'x'), {});
  t.same(parseJsonField('{"a":[1,{"b":null}]}', 'x'), { a: [1, { b: null }] });
  t.equal(
    caught(t, () => parseJsonField('true', 'inventory')).message,
    'inventory is not a JSON object',
  );
});

t.test('resultFromWire cuts fields and drops empty optional ones', async (t) => {
  t.same(resultFromWire({ kind: 'vm', id: 'a', ok: true, action: '', code: '', message: '' }), {
    kind: 'vm',
    id: 'a',
    ok: true,
  });
  const r = resultFromWire({
    kind: 'k'.repeat(100),
    id: 'i'.repeat(600),
    ok: false,
    action: 'a'.repeat(100),
    code: 'c'.repeat(100),
    message: 'm'.repeat(5000),
  });
  t.same(
    [r.kind.length, r.id.length, r.action?.length, r.code?.length, r.message?.length],
    [64, 512, 64, 64, 4096],
  );
});

t.test('eventToWire maps a stored event back to the wire shape', async (t) => {
  t.same(
    eventToWire({
      id: 3,
      hostId: 'h1',
      type: 't',
      severity: 'warning',
      message: 'm',
      atMs: 9,
      object: { kind: 'k', id: 'i' },
      data: { a: 1 },
    }),
    {
      id: 3,
      hostId: 'h1',
      type: 't',
      severity: 'warning',
      message: 'm',
      objectKind: 'k',
      objectId: 'i',
      dataJson: '{"a":1}',
      atMs: 9,
    },
  );
  t.same(eventToWire({ id: 4, hostId: 'h1', type: 't', severity: 'info', message: 'm', atMs: 9 }), {
    id: 4,
    hostId: 'h1',
    type: 't',
    severity: 'info',
    message: 'm',
    objectKind: '',
    objectId: '',
    dataJson: '',
    atMs: 9,
  });
});
