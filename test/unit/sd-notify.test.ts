import t, { type Test } from 'tap';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createNotifier, watchdogIntervalMs } from '../../lib/sd-notify.js';

interface RecvSocket {
  bind(path: string): void;
  close(): void;
  on(event: 'message', listener: (buf: Buffer) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
}
const unixDgram = createRequire(import.meta.url)('unix-dgram') as {
  createSocket(type: 'unix_dgram'): RecvSocket;
};

/** A real AF_UNIX datagram socket standing in for systemd's notify socket. */
function listen(t: Test): {
  path: string;
  messages: string[];
  next: (ms: number) => Promise<string>;
} {
  const dir = mkdtempSync(join(tmpdir(), 'plt-pkg-notify-'));
  const path = join(dir, 'notify.sock');
  const messages: string[] = [];
  let waiter: ((m: string) => void) | undefined;
  const sock = unixDgram.createSocket('unix_dgram');
  sock.on('error', (err) => t.fail(`receiver socket: ${err.message}`));
  sock.on('message', (buf) => {
    const m = buf.toString('utf8');
    messages.push(m);
    waiter?.(m);
  });
  sock.bind(path);
  t.teardown(() => {
    sock.close();
    rmSync(dir, { recursive: true, force: true });
  });
  let read = 0;
  const next = (ms: number): Promise<string> =>
    new Promise((resolve, reject) => {
      if (read < messages.length) return resolve(messages[read++]!);
      const timer = setTimeout(() => {
        waiter = undefined;
        reject(new Error(`no notify message within ${ms} ms`));
      }, ms);
      waiter = () => {
        clearTimeout(timer);
        waiter = undefined;
        resolve(messages[read++]!);
      };
    });
  return { path, messages, next };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function recordingLog() {
  const warnings: string[] = [];
  return { warnings, log: { warn: (_obj: object, msg: string) => void warnings.push(msg) } };
}

t.test('READY, STATUS and STOPPING arrive on the socket', async (t) => {
  const rx = listen(t);
  const n = createNotifier({ env: { NOTIFY_SOCKET: rx.path } });
  t.equal(n.enabled, true);
  n.ready('serving 3 hosts');
  t.equal(await rx.next(1000), 'READY=1\nSTATUS=serving 3 hosts');
  n.ready();
  t.equal(await rx.next(1000), 'READY=1');
  n.status('line one\nline two');
  t.equal(
    await rx.next(1000),
    'STATUS=line one line two',
    'a newline cannot start a new assignment',
  );
  n.watchdog();
  t.equal(await rx.next(1000), 'WATCHDOG=1');
  n.stopping();
  t.equal(await rx.next(1000), 'STOPPING=1');
});

t.test('startWatchdog pings at half of WATCHDOG_USEC and stops when told', async (t) => {
  const rx = listen(t);
  // 200 ms watchdog -> a ping every 100 ms, plus one at start.
  const n = createNotifier({
    env: { NOTIFY_SOCKET: rx.path, WATCHDOG_USEC: '200000', WATCHDOG_PID: '4242' },
    pid: 4242,
  });
  const started = Date.now();
  const stop = n.startWatchdog();
  await sleep(550);
  stop();
  const elapsed = Date.now() - started;
  const pings = rx.messages.filter((m) => m === 'WATCHDOG=1').length;
  t.equal(rx.messages.length, pings, 'only watchdog pings were sent');
  // 1 at start + floor(elapsed/100); allow a slow, shared machine to miss a couple.
  const expected = 1 + Math.floor(elapsed / 100);
  t.ok(
    pings >= 3 && pings <= expected,
    `${pings} pings in ${elapsed} ms (expected 3..${expected})`,
  );
  // A ping sent just before stop() may still sit in the receiver's queue: let one
  // poll phase deliver it before counting.
  await sleep(50);
  const after = rx.messages.length;
  await sleep(250);
  t.equal(rx.messages.length, after, 'no ping after stop()');
});

t.test('the watchdog timer does not keep the process alive', async (t) => {
  const rx = listen(t);
  const n = createNotifier({ env: { NOTIFY_SOCKET: rx.path, WATCHDOG_USEC: '60000000' } });
  const stop = n.startWatchdog();
  t.teardown(stop);
  t.equal(await rx.next(1000), 'WATCHDOG=1', 'first ping at once');
  // A ref'd handle would show up among the active resources as a Timeout.
  const timers = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  stop();
  const timersAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
  t.equal(timers, timersAfter, 'the watchdog interval is unref()d');
});

t.test('no watchdog when WATCHDOG_PID names another process or USEC is bad', async (t) => {
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000' }, 1), 30000);
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '7' }, 7), 30000);
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '30000000', WATCHDOG_PID: '8' }, 7), undefined);
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '0' }, 7), undefined);
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '-5' }, 7), undefined);
  t.equal(watchdogIntervalMs({ WATCHDOG_USEC: '1e6' }, 7), undefined);
  t.equal(watchdogIntervalMs({}, 7), undefined);

  const rx = listen(t);
  const n = createNotifier({
    env: { NOTIFY_SOCKET: rx.path, WATCHDOG_USEC: '20000', WATCHDOG_PID: '1' },
    pid: 2,
  });
  const stop = n.startWatchdog();
  await sleep(100);
  stop();
  t.same(rx.messages, [], 'no pings for a watchdog meant for another PID');
});

t.test('without NOTIFY_SOCKET everything is a silent no-op', async (t) => {
  const { warnings, log } = recordingLog();
  const n = createNotifier({ env: { WATCHDOG_USEC: '1000' }, log });
  t.equal(n.enabled, false);
  n.ready('x');
  n.status('x');
  n.watchdog();
  n.stopping();
  const stop = n.startWatchdog();
  t.type(stop, 'function');
  stop();
  t.same(warnings, []);
});

t.test('an abstract or bad NOTIFY_SOCKET disables notifications with one warning', async (t) => {
  for (const socket of [
    '@/org/freedesktop/systemd1/notify',
    'relative/notify',
    '/' + 'x'.repeat(120),
  ]) {
    const { warnings, log } = recordingLog();
    const n = createNotifier({ env: { NOTIFY_SOCKET: socket }, log });
    t.equal(n.enabled, false, socket.slice(0, 20));
    n.ready();
    n.watchdog();
    t.equal(warnings.length, 1, 'warned once');
  }
});

t.test('a socket nobody listens on: no throw, one warning', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'plt-pkg-notify-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  const { warnings, log } = recordingLog();
  const n = createNotifier({ env: { NOTIFY_SOCKET: join(dir, 'absent.sock') }, log });
  t.equal(n.enabled, true);
  n.ready();
  n.watchdog();
  n.stopping();
  t.equal(warnings.length, 1);
  t.match(warnings[0], /send failed/);
});
