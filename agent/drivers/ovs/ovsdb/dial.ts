import { createConnection } from 'node:net';

/**
 * The part of a stream socket the OVSDB client uses. Tests hand in fakes or a real
 * socket to a tiny fake server; production dials ovsdb-server's unix socket.
 */
export interface OvsdbSocket {
  write(data: string): unknown;
  destroy(): void;
  on(event: 'connect', cb: () => void): unknown;
  on(event: 'data', cb: (chunk: string) => void): unknown;
  on(event: 'error', cb: (err: Error) => void): unknown;
  on(event: 'close', cb: () => void): unknown;
}

export type Dial = (path: string) => OvsdbSocket;

/** Only IO in the OVSDB module: a unix-socket connection with utf8 decoding. */
export const dialUnix: Dial = (path) => {
  const s = createConnection({ path });
  s.setEncoding('utf8');
  return s;
};
