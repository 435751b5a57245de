import { ErrorCodes, PlinthError } from './errors.js';

/** Parse "host:port" / "[v6]:port" / ":port" for a listener; names the config key on error. */
export function parseListen(value: string, key: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(value);
  const port = m ? Number(m[3]) : NaN;
  if (!m || port > 65535) {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `config key ${key}: ${JSON.stringify(value)} is not HOST:PORT (e.g. 127.0.0.1:9469 or :9469)`,
    );
  }
  return { host: m[1] ?? (m[2] || '0.0.0.0'), port };
}
