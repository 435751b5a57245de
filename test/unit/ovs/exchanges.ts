import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { JsonObject } from '../../../lib/json.js';

/** Real JSON-RPC exchanges recorded from ovsdb-server 3.1 by test/fixtures/ovs/capture.ts. */
export interface Entry {
  step: string;
  dir: 'send' | 'recv';
  msg: JsonObject;
}

export const transcript: Entry[] = (
  JSON.parse(
    readFileSync(join(import.meta.dirname, '../../fixtures/ovs/exchanges.json'), 'utf8'),
  ) as { transcript: Entry[] }
).transcript;

export function recorded(step: string, dir: 'send' | 'recv', n = 0): JsonObject {
  const found = transcript.filter((e) => e.step === step && e.dir === dir)[n];
  if (!found) throw new Error(`no recorded ${dir} message for step ${step}`);
  return found.msg;
}

/** The reply to the request sent in `step`. */
export function reply(step: string): JsonObject {
  const sent = recorded(step, 'send');
  const r = transcript.find(
    (e) => e.dir === 'recv' && e.msg.id === sent.id && !('method' in e.msg),
  );
  if (!r) throw new Error(`no recorded reply for step ${step}`);
  return r.msg;
}

/** The `n`th server notification of `method` ('update' or 'update2') recorded in `step`. */
export function notification(step: string, method: string, n = 0): JsonObject {
  const found = transcript.filter(
    (e) => e.step === step && e.dir === 'recv' && e.msg.method === method,
  )[n];
  if (!found) throw new Error(`no recorded ${method} notification in step ${step}`);
  return found.msg;
}
