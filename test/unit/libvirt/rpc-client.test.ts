import t from 'tap';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LibvirtRpcClient } from '../../../agent/drivers/libvirt/rpc/client.js';
import {
  decodeMessage,
  encodeMessage,
  MessageType,
  Proc,
  REMOTE_PROGRAM,
  splitFrames,
} from '../../../agent/drivers/libvirt/rpc/protocol.js';
import { XdrWriter } from '../../../agent/drivers/libvirt/rpc/xdr.js';

/**
 * The socket client against a fake libvirtd that answers with replies captured from the
 * real one (test/fixtures/libvirt/rpc-frames.json), re-stamped with the caller's serial.
 */
const captured = JSON.parse(
  readFileSync(new URL('../../fixtures/libvirt/rpc-frames.json', import.meta.url), 'utf8'),
) as {
  frames: { dir: string; hex: string }[];
};
const replies = new Map<number, Buffer>();
const events: Buffer[] = [];
for (const f of captured.frames.filter((x) => x.dir === 'in')) {
  const b = Buffer.from(f.hex, 'hex');
  const { header } = decodeMessage(b);
  if (header.type === MessageType.MESSAGE) events.push(b);
  else if (!replies.has(header.proc)) replies.set(header.proc, b);
}

function restamp(frame: Buffer, serial: number): Buffer {
  const b = Buffer.from(frame);
  b.writeUInt32BE(serial, 20);
  return b;
}

interface Fake {
  path: string;
  sockets: Socket[];
  close(): Promise<void>;
}

async function fakeLibvirtd(opts: { silentProcs?: number[] } = {}): Promise<Fake> {
  const dir = mkdtempSync(join(tmpdir(), 'plt-lv-fake-'));
  const path = join(dir, 'sock');
  const sockets: Socket[] = [];
  const server = createServer((s) => {
    sockets.push(s);
    let buf = Buffer.alloc(0);
    s.on('data', (d: Buffer) => {
      const { frames, rest } = splitFrames(Buffer.concat([buf, d]));
      buf = Buffer.from(rest);
      for (const f of frames) {
        const { header } = decodeMessage(f);
        if (opts.silentProcs?.includes(header.proc)) continue;
        const r = replies.get(header.proc);
        if (r) s.write(restamp(r, header.serial));
        else {
          // An error reply: remote_error with code 1 and a message.
          const body = new XdrWriter()
            .int(1)
            .int(0)
            .optString('not in the fake')
            .int(2)
            .bool(false)
            .optString(undefined)
            .optString(undefined)
            .optString(undefined)
            .int(0)
            .int(0)
            .bool(false)
            .bytes();
          s.write(
            encodeMessage(
              {
                prog: REMOTE_PROGRAM,
                vers: 1,
                proc: header.proc,
                type: MessageType.REPLY,
                serial: header.serial,
                status: 1,
              },
              body,
            ),
          );
        }
      }
    });
    s.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(path, r));
  return {
    path,
    sockets,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

t.test(
  'connects (auth list, open), calls, receives events, fails pending calls on close',
  async (t) => {
    const fake = await fakeLibvirtd({ silentProcs: [Proc.CONNECT_GET_LIB_VERSION] });
    t.teardown(() => fake.close());
    const got: string[] = [];
    let closed = false;
    const c = await LibvirtRpcClient.connect({
      socketPath: fake.path,
      onEvent: (e) => got.push(`${e.dom.name}:${e.event}`),
      onClose: () => (closed = true),
    });
    const list = await c.call(Proc.CONNECT_LIST_ALL_DOMAINS, Buffer.alloc(8));
    t.ok(list.length > 0);
    await t.rejects(c.call(Proc.DOMAIN_GET_XML_DESC, Buffer.alloc(0)), {
      message: 'not in the fake',
      virCode: 1,
    });

    for (const e of events) fake.sockets[0]!.write(e);
    await new Promise((r) => setTimeout(r, 50));
    t.equal(got.length, events.length, 'every event delivered');
    t.ok(got.every((g) => g.startsWith('plt-lv-cap:')));

    const pending = c.call(Proc.CONNECT_GET_LIB_VERSION, Buffer.alloc(0));
    fake.sockets[0]!.destroy();
    await t.rejects(pending, { code: 'PLINTH_E_LIBVIRT_UNAVAILABLE' });
    t.ok(closed && c.closed);
    await t.rejects(c.call(Proc.CONNECT_LIST_ALL_DOMAINS, Buffer.alloc(8)), {
      code: 'PLINTH_E_LIBVIRT_UNAVAILABLE',
    });
  },
);

t.test('a call without a reply times out; the connection stays usable', async (t) => {
  const fake = await fakeLibvirtd({ silentProcs: [Proc.CONNECT_GET_LIB_VERSION] });
  t.teardown(() => fake.close());
  const c = await LibvirtRpcClient.connect({ socketPath: fake.path });
  t.teardown(() => c.destroy());
  await t.rejects(c.call(Proc.CONNECT_GET_LIB_VERSION, Buffer.alloc(0), 100), {
    code: 'PLINTH_E_TIMEOUT',
  });
  t.ok((await c.call(Proc.NODE_GET_INFO, Buffer.alloc(0))).length > 0);
});

t.test('no daemon: a clear LIBVIRT_UNAVAILABLE', async (t) => {
  await t.rejects(
    LibvirtRpcClient.connect({ socketPath: join(tmpdir(), 'plt-lv-nonexistent', 'sock') }),
    {
      code: 'PLINTH_E_LIBVIRT_UNAVAILABLE',
    },
  );
});

t.test('a corrupt stream closes the connection', async (t) => {
  const fake = await fakeLibvirtd({ silentProcs: [Proc.CONNECT_GET_LIB_VERSION] });
  t.teardown(() => fake.close());
  const c = await LibvirtRpcClient.connect({ socketPath: fake.path });
  const pending = c.call(Proc.CONNECT_GET_LIB_VERSION, Buffer.alloc(0), 2000);
  fake.sockets[0]!.write(Buffer.from([0xff, 0xff, 0xff, 0xff]));
  await t.rejects(pending, { code: 'PLINTH_E_LIBVIRT_UNAVAILABLE' });
  t.ok(c.closed);
});
