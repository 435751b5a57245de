import { readFile } from 'node:fs/promises';
import type { Schema } from './config-schema.js';
import { ErrorCodes, PlinthError } from './errors.js';

/** Read a JSON config file and hand it to `parse`; every failure names the file. */
export async function loadJsonConfig<T>(
  path: string | undefined,
  parse: (raw: unknown, source: string) => T,
): Promise<T> {
  if (!path) return parse({}, 'default config');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `cannot read config file ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new PlinthError(
      ErrorCodes.CONFIG,
      `config file ${path} is not valid JSON: ${(e as Error).message}`,
    );
  }
  return parse(raw, `config file ${path}`);
}

/** The mTLS section both daemons share; only the default file names differ. */
export function tlsSchema(role: 'agent' | 'coordinator'): Schema[string] {
  return {
    type: 'object',
    doc: 'mTLS material (there is no plaintext mode)',
    fields: {
      ca: { type: 'string', default: '/etc/plinth/pki/ca.crt', doc: 'CA certificate' },
      cert: {
        type: 'string',
        default: `/etc/plinth/pki/${role}.crt`,
        doc: `this ${role}'s certificate (role ${role})`,
      },
      key: { type: 'string', default: `/etc/plinth/pki/${role}.key`, doc: 'its private key' },
    },
  };
}

export function metricsSchema(defaultListen: string): Schema[string] {
  return {
    type: 'object',
    doc: 'Prometheus endpoint',
    fields: {
      enabled: { type: 'boolean', default: true, doc: 'serve /metrics' },
      listen: { type: 'string', default: defaultListen, doc: 'HOST:PORT for /metrics' },
    },
  };
}
