import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

interface RecvSocket {
  bind(path: string): void;
  close(): void;
  on(event: 'message', listener: (buf: Buffer) => void): void;
  on(event: 'error', listener: (err: Error) => void): void;
}

/** A real AF_UNIX datagram socket standing in for systemd's NOTIFY_SOCKET. */
export function notifySocket(): { path: string; messages: string[]; close(): void } {
  const unixDgram = createRequire(import.meta.url)('unix-dgram') as {
    createSocket(type: 'unix_dgram'): RecvSocket;
  };
  const dir = mkdtempSync(join(tmpdir(), 'plt-spine-notify-'));
  const path = join(dir, 'notify.sock');
  const messages: string[] = [];
  const sock = unixDgram.createSocket('unix_dgram');
  sock.on('error', () => undefined);
  sock.on('message', (b) => messages.push(b.toString('utf8')));
  sock.bind(path);
  return {
    path,
    messages,
    close() {
      sock.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
