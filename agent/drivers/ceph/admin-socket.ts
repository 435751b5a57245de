import { connect } from 'node:net';
import { ErrorCodes, PlinthError } from '../../../lib/errors.js';

/**
 * The Ceph daemon admin socket, spoken directly instead of spawning
 * `ceph --admin-daemon` (0.14 s of Python each): the request is a JSON command and a
 * NUL byte; the reply is a 4-byte big-endian length followed by that many bytes.
 */
export type AdminSocketCall = (
  path: string,
  command: Record<string, unknown>,
  opts: { timeoutMs: number; signal?: AbortSignal },
) => Promise<string>;

/** Replies above this are refused: perf dump of one OSD is ~50 KiB. */
const MAX_REPLY_BYTES = 16 * 1024 * 1024;

export const adminSocketCall: AdminSocketCall = (path, command, opts) =>
  new Promise((resolve, reject) => {
    const sock = connect({ path });
    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (err: Error | undefined, value?: string) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', onAbort);
      sock.destroy();
      if (err) reject(err);
      else resolve(value ?? '');
    };
    const timer = setTimeout(
      () =>
        finish(
          new PlinthError(
            ErrorCodes.TIMEOUT,
            `admin socket ${path} did not answer within ${opts.timeoutMs} ms`,
            { path },
          ),
        ),
      opts.timeoutMs,
    );
    const onAbort = () =>
      finish(new PlinthError(ErrorCodes.TIMEOUT, `admin socket ${path}: aborted`, { path }));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    sock.on('connect', () => {
      sock.write(JSON.stringify(command) + '\0');
    });
    sock.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      if (buf.length < 4) return;
      const len = buf.readUInt32BE(0);
      if (len > MAX_REPLY_BYTES) {
        finish(
          new PlinthError(ErrorCodes.PARSE, `admin socket ${path}: reply of ${len} bytes refused`),
        );
      } else if (buf.length >= 4 + len) {
        finish(undefined, buf.subarray(4, 4 + len).toString('utf8'));
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) =>
      finish(
        new PlinthError(ErrorCodes.UNAVAILABLE, `admin socket ${path}: ${e.code ?? e.message}`, {
          path,
          errno: e.code,
        }),
      ),
    );
    sock.on('close', () =>
      finish(
        new PlinthError(
          ErrorCodes.UNAVAILABLE,
          `admin socket ${path}: closed before a full reply`,
          {
            path,
          },
        ),
      ),
    );
  });
