import { createRequire } from 'node:module';

/**
 * sd_notify(3) for Type=notify units: READY=1, STATUS=, STOPPING=1 and watchdog pings
 * to $NOTIFY_SOCKET. Node has no AF_UNIX datagram sockets, so this goes through the
 * `unix-dgram` native addon.
 *
 * Every method is a no-op when NOTIFY_SOCKET is unset (a daemon run by hand, in a
 * test or under another init) and none ever throws: a failed notification must not
 * take a daemon down. The first failure is logged once as a warning, later ones
 * quietly, so a broken socket cannot flood the log every watchdog period.
 */

export interface NotifyLog {
  warn(obj: object, msg: string): void;
}

export interface Notifier {
  /** True when NOTIFY_SOCKET names a socket this client can reach. */
  readonly enabled: boolean;
  ready(status?: string): void;
  stopping(): void;
  status(text: string): void;
  watchdog(): void;
  /**
   * Pings at half of WATCHDOG_USEC (systemd's advice) on an unref'd timer, so it
   * never keeps the process alive. Returns the function that stops it; a no-op when
   * systemd asked for no watchdog or asked it of another PID.
   */
  startWatchdog(): () => void;
}

export interface NotifierOptions {
  env?: NodeJS.ProcessEnv;
  log?: NotifyLog;
  /** The process's PID, compared with WATCHDOG_PID; tests pass their own. */
  pid?: number;
}

/** The part of unix-dgram's Socket this client uses (the package ships no types). */
interface DgramSocket {
  send(buf: Buffer, offset: number, length: number, path: string, cb: (err?: Error) => void): void;
  close(): void;
  on(event: 'error', listener: (err: Error) => void): void;
}
interface UnixDgram {
  createSocket(type: 'unix_dgram'): DgramSocket;
}

/** sockaddr_un.sun_path is 108 bytes including the terminating NUL. */
const SUN_PATH_MAX = 107;

let unixDgram: UnixDgram | undefined;
function loadUnixDgram(): UnixDgram {
  // Loaded on first use only: a process without NOTIFY_SOCKET never loads the addon.
  unixDgram ??= createRequire(import.meta.url)('unix-dgram') as UnixDgram;
  return unixDgram;
}

/** Parses WATCHDOG_USEC/WATCHDOG_PID as sd_watchdog_enabled(3) does; undefined = off. */
export function watchdogIntervalMs(env: NodeJS.ProcessEnv, pid: number): number | undefined {
  const usecText = env.WATCHDOG_USEC;
  if (usecText === undefined || !/^[0-9]+$/.test(usecText)) return undefined;
  const usec = Number(usecText);
  if (!Number.isSafeInteger(usec) || usec <= 0) return undefined;
  const pidText = env.WATCHDOG_PID;
  if (pidText !== undefined && pidText !== '' && Number(pidText) !== pid) return undefined;
  return usec / 1000;
}

/** One line per assignment: a newline inside a value would start a new (bogus) one. */
function field(text: string): string {
  return text.replace(/[\r\n]+/g, ' ');
}

export function createNotifier(opts: NotifierOptions = {}): Notifier {
  const env = opts.env ?? process.env;
  const pid = opts.pid ?? process.pid;
  const log = opts.log;
  let warned = false;
  const warnOnce = (obj: object, msg: string): void => {
    if (warned) return;
    warned = true;
    log?.warn(obj, msg);
  };

  const socketPath = env.NOTIFY_SOCKET;
  let target: string | undefined;
  if (socketPath !== undefined && socketPath !== '') {
    if (socketPath.startsWith('@')) {
      // Abstract sockets need a sun_path starting with NUL and an exact address length;
      // unix-dgram copies the path with strncpy and always passes sizeof(sockaddr_un),
      // so it cannot address one. systemd gives system services a filesystem socket
      // (/run/systemd/notify); abstract ones appear only in some containers.
      warnOnce(
        { notifySocket: socketPath },
        'sd_notify: abstract NOTIFY_SOCKET is not supported (unix-dgram cannot address it); ' +
          'notifications disabled, so a Type=notify unit will time out: use Type=exec there',
      );
    } else if (!socketPath.startsWith('/')) {
      warnOnce(
        { notifySocket: socketPath },
        'sd_notify: NOTIFY_SOCKET is not an absolute path; notifications disabled',
      );
    } else if (Buffer.byteLength(socketPath) > SUN_PATH_MAX) {
      warnOnce(
        { notifySocket: socketPath },
        'sd_notify: NOTIFY_SOCKET path is too long for sockaddr_un; notifications disabled',
      );
    } else {
      target = socketPath;
    }
  }

  const send = (message: string): void => {
    if (target === undefined) return;
    const path = target;
    let sock: DgramSocket | undefined;
    try {
      // A socket per message, as libsystemd's sd_notify does: unix-dgram keeps a
      // referenced poll handle on an open socket, so a long-lived one would hold the
      // event loop (and a daemon that is shutting down) open.
      sock = loadUnixDgram().createSocket('unix_dgram');
      sock.on('error', (err) =>
        warnOnce({ err: err.message, notifySocket: path }, 'sd_notify: socket error'),
      );
      const buf = Buffer.from(message, 'utf8');
      // unix-dgram calls the callback synchronously from sendmsg's result.
      sock.send(buf, 0, buf.length, path, (err) => {
        if (err) warnOnce({ err: err.message, notifySocket: path }, 'sd_notify: send failed');
      });
    } catch (err) {
      warnOnce(
        { err: err instanceof Error ? err.message : String(err), notifySocket: path },
        'sd_notify: send failed',
      );
    } finally {
      try {
        sock?.close();
      } catch {
        // Nothing to do: the fd is gone either way.
      }
    }
  };

  const watchdogMs = target === undefined ? undefined : watchdogIntervalMs(env, pid);

  return {
    enabled: target !== undefined,
    ready(status?: string) {
      send(status === undefined ? 'READY=1' : `READY=1\nSTATUS=${field(status)}`);
    },
    stopping() {
      send('STOPPING=1');
    },
    status(text: string) {
      send(`STATUS=${field(text)}`);
    },
    watchdog() {
      send('WATCHDOG=1');
    },
    startWatchdog() {
      if (watchdogMs === undefined) return () => {};
      // Ping at once too: the start-up may already have eaten part of the period.
      send('WATCHDOG=1');
      const timer = setInterval(() => send('WATCHDOG=1'), Math.max(1, Math.floor(watchdogMs / 2)));
      timer.unref();
      return () => clearInterval(timer);
    },
  };
}
