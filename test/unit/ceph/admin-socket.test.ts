import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import t from 'tap';
import { adminSocketCall } from '../../../agent/drivers/ceph/admin-socket.js';

/** A unix socket server speaking the admin-socket framing the way ceph daemons do. */
async function server(path: string, reply: (cmd: string, sock: Socket) => void) {
  const srv = createServer((sock) => {
    let buf = '';
    sock.on('data', (c) => {
      buf += c.toString();
      const nul = buf.indexOf('\0');
      if (nul >= 0) reply(buf.slice(0, nul), sock);
    });
    sock.on('error', () => undefined);
  });
  await new Promise<void>((r) => srv.listen(path, r));
  return srv;
}

function frame(body: string): Buffer {
  const b = Buffer.from(body);
  const len = Buffer.alloc(4);
  len.writeUInt32BE(b.length);
  return Buffer.concat([len, b]);
}

t.test('admin socket framing', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'plt-ceph-asok-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'x.asok');
  const seen: string[] = [];
  const srv = await server(path, (cmd, sock) => {
    seen.push(cmd);
    const prefix = (JSON.parse(cmd) as { prefix: string }).prefix;
    if (prefix === 'hang') return;
    const f = frame(JSON.stringify({ prefix, big: 'x'.repeat(100_000) }));
    // Split the reply (and the length itself) over several writes.
    sock.write(f.subarray(0, 2));
    setTimeout(() => sock.write(f.subarray(2, 5000)), 5);
    setTimeout(() => sock.end(f.subarray(5000)), 10);
  });
  t.teardown(() => srv.close());

  const r = await adminSocketCall(
    path,
    { prefix: 'perf dump', logger: 'osd' },
    { timeoutMs: 2000 },
  );
  t.equal((JSON.parse(r) as { prefix: string }).prefix, 'perf dump');
  t.equal(r.length, JSON.stringify({ prefix: 'perf dump', big: 'x'.repeat(100_000) }).length);
  t.same(seen, ['{"prefix":"perf dump","logger":"osd"}']);

  const t0 = Date.now();
  await t.rejects(adminSocketCall(path, { prefix: 'hang' }, { timeoutMs: 300 }), {
    code: 'PLINTH_E_TIMEOUT',
  });
  t.ok(Date.now() - t0 < 2000, 'bounded');
  await t.rejects(adminSocketCall(join(dir, 'absent.asok'), { prefix: 'x' }, { timeoutMs: 300 }), {
    code: 'PLINTH_E_UNAVAILABLE',
    message: /ENOENT/,
  });
  const ac = new AbortController();
  const p = adminSocketCall(path, { prefix: 'hang' }, { timeoutMs: 5000, signal: ac.signal });
  ac.abort();
  await t.rejects(p, { code: 'PLINTH_E_TIMEOUT', message: /aborted/ });
});
