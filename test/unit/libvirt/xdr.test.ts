import t from 'tap';
import { readFileSync } from 'node:fs';
import { XdrReader, XdrWriter } from '../../../agent/drivers/libvirt/rpc/xdr.js';
import {
  args,
  decodeError,
  decodeLifecycleEvent,
  decodeMessage,
  encodeMessage,
  MessageStatus,
  MessageType,
  Proc,
  REMOTE_PROGRAM,
  ret,
  splitFrames,
  uuidFromString,
  uuidToString,
} from '../../../agent/drivers/libvirt/rpc/protocol.js';
import { lifecycleInfo } from '../../../agent/drivers/libvirt/parse.js';

const captured = JSON.parse(
  readFileSync(new URL('../../fixtures/libvirt/rpc-frames.json', import.meta.url), 'utf8'),
) as {
  frames: { dir: 'out' | 'in'; hex: string }[];
};
const frames = captured.frames.map((f) => ({ dir: f.dir, buf: Buffer.from(f.hex, 'hex') }));
const decoded = frames.map((f) => ({ dir: f.dir, ...decodeMessage(f.buf) }));
const reply = (proc: number) =>
  decoded.find(
    (d) => d.dir === 'in' && d.header.proc === proc && d.header.type === MessageType.REPLY,
  )!;

t.test('XDR primitives round-trip with 4-byte padding', async (t) => {
  const w = new XdrWriter()
    .int(-5)
    .uint(0xffffffff)
    .hyper(-2n)
    .uhyper(2n ** 63n)
    .string('abcde')
    .optString(undefined)
    .optString('x')
    .fixedOpaque(Buffer.from([1, 2, 3]))
    .bool(true);
  const b = w.bytes();
  t.equal(b.length, 4 + 4 + 8 + 8 + (4 + 8) + 4 + (4 + 4 + 4) + 4 + 4);
  const r = new XdrReader(b);
  t.equal(r.int(), -5);
  t.equal(r.uint(), 0xffffffff);
  t.equal(r.hyper(), -2n);
  t.equal(r.uhyper(), 2n ** 63n);
  t.equal(r.string(), 'abcde');
  t.equal(r.optString(), undefined);
  t.equal(r.optString(), 'x');
  t.same([...r.fixedOpaque(3)], [1, 2, 3]);
  t.equal(r.bool(), true);
  t.equal(r.remaining, 0);
});

t.test('the reader refuses to read past the end or to allocate absurd arrays', async (t) => {
  t.throws(() => new XdrReader(Buffer.from([0, 0, 0, 9, 1, 2])).string(), {
    code: 'PLINTH_E_PARSE',
  });
  t.throws(() => new XdrReader(Buffer.from([0xff, 0xff, 0xff, 0xff])).array((r) => r.int(), 10), {
    code: 'PLINTH_E_PARSE',
  });
  t.throws(() => new XdrReader(Buffer.alloc(2)).int(), { code: 'PLINTH_E_PARSE' });
});

t.test('our encoded calls are byte-identical to what was sent to the real libvirtd', async (t) => {
  const outs = frames.filter((f) => f.dir === 'out');
  const expect = [
    encodeMessage({
      prog: REMOTE_PROGRAM,
      vers: 1,
      proc: Proc.AUTH_LIST,
      type: 0,
      serial: 1,
      status: 0,
    }),
    encodeMessage(
      { prog: REMOTE_PROGRAM, vers: 1, proc: Proc.CONNECT_OPEN, type: 0, serial: 2, status: 0 },
      args.connectOpen('qemu:///system'),
    ),
    encodeMessage(
      {
        prog: REMOTE_PROGRAM,
        vers: 1,
        proc: Proc.CONNECT_DOMAIN_EVENT_CALLBACK_REGISTER_ANY,
        type: 0,
        serial: 3,
        status: 0,
      },
      args.eventRegisterAny(0),
    ),
  ];
  for (let i = 0; i < expect.length; i++)
    t.equal(outs[i]!.buf.toString('hex'), expect[i]!.toString('hex'), `frame ${i}`);
});

t.test('splitFrames reassembles a stream cut at arbitrary points', async (t) => {
  const stream = Buffer.concat(frames.filter((f) => f.dir === 'in').map((f) => f.buf));
  const got: Buffer[] = [];
  let pending = Buffer.alloc(0);
  for (let off = 0; off < stream.length; off += 7) {
    const { frames: fs, rest } = splitFrames(
      Buffer.concat([pending, stream.subarray(off, off + 7)]),
    );
    got.push(...fs);
    pending = Buffer.from(rest);
  }
  t.equal(pending.length, 0);
  t.equal(got.length, frames.filter((f) => f.dir === 'in').length);
  t.throws(() => splitFrames(Buffer.from([0, 0, 0, 3])), { code: 'PLINTH_E_PARSE' });
  t.throws(() => splitFrames(Buffer.from([0x7f, 0, 0, 0])), { code: 'PLINTH_E_PARSE' });
});

t.test('captured replies decode', async (t) => {
  t.same(ret.authList(reply(Proc.AUTH_LIST).body), [0], 'auth none for root');
  const node = ret.nodeInfo(reply(Proc.NODE_GET_INFO).body);
  t.equal(node.model, 'x86_64');
  t.ok(node.cpus >= 1);
  t.ok(node.memoryKiB > 0n);

  const doms = ret.listAllDomains(reply(Proc.CONNECT_LIST_ALL_DOMAINS).body);
  t.same(doms.map((d) => d.name).sort(), ['plt-lv-cap', 'plt-lv-hand', 'plt-lv-ovs']);
  const cap = doms.find((d) => d.name === 'plt-lv-cap')!;
  t.equal(uuidToString(cap.uuid), '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f');
  t.ok(cap.id > 0, 'running domain has a run id');
  t.equal(doms.find((d) => d.name === 'plt-lv-ovs')!.id, -1);

  const stats = ret.allDomainStats(reply(Proc.CONNECT_GET_ALL_DOMAIN_STATS).body);
  const s = new Map(
    stats.find((r) => r.dom.name === 'plt-lv-cap')!.params.map((p) => [p.field, p.value]),
  );
  t.equal(s.get('state.state'), 1);
  t.equal(typeof s.get('cpu.time'), 'bigint');
  t.equal(s.get('block.0.name'), 'vda');
  t.equal(s.get('net.0.name'), 'plt-lv-tap0');
  t.equal(s.get('block.0.capacity'), 67108864n);
});

t.test('captured error reply and lifecycle events decode', async (t) => {
  const err = decoded.find((d) => d.header.status === MessageStatus.ERROR)!;
  t.equal(err.header.proc, Proc.DOMAIN_LOOKUP_BY_UUID);
  const e = decodeError(err.body);
  t.equal(e.code, 42, 'VIR_ERR_NO_DOMAIN');
  t.match(e.message, /domain/i);

  const events = decoded
    .filter((d) => d.header.type === MessageType.MESSAGE)
    .map((d) => decodeLifecycleEvent(d.body));
  t.ok(events.length >= 2);
  const names = events.map((e) => lifecycleInfo(e.event, e.detail).event);
  t.ok(names.includes('started'), `events: ${names.join(',')}`);
  t.ok(names.includes('stopped'));
  t.ok(events.every((e) => e.dom.name === 'plt-lv-cap'));
});

t.test('uuid helpers', async (t) => {
  const u = '6f1c2d3e-4a5b-4c6d-8e7f-9a0b1c2d3e4f';
  t.equal(uuidToString(uuidFromString(u)), u);
  t.throws(() => uuidFromString('nope'), { code: 'PLINTH_E_INVALID_ARGUMENT' });
});
