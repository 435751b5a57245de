import { EventEmitter } from 'node:events';
import type { OvsdbSocket } from '../../../agent/drivers/ovs/ovsdb/dial.js';
import { JsonObjectStream } from '../../../agent/drivers/ovs/ovsdb/framing.js';
import type { JsonObject, JsonValue } from '../../../lib/json.js';
import { reply } from './exchanges.js';

/** Answers like the recorded ovsdb-server: same results, the caller's ids. */
export function recordedAnswer(m: JsonObject): JsonObject | undefined {
  const results: Record<string, JsonValue | undefined> = {
    get_schema: reply('get_schema').result,
    monitor: reply('monitor').result,
    monitor_cond: reply('monitor_cond').result,
    transact: reply('transact-plan').result,
  };
  if (m.method === 'echo') return { id: m.id!, result: m.params!, error: null };
  const r = results[String(m.method)];
  return r === undefined ? undefined : { id: m.id!, result: r, error: null };
}

/** An in-memory socket: the test plays the server. */
export class FakeSocket extends EventEmitter implements OvsdbSocket {
  sent: JsonObject[] = [];
  destroyed = false;
  private stream = new JsonObjectStream();
  constructor(
    private readonly answer: (m: JsonObject) => JsonObject | string | undefined = recordedAnswer,
  ) {
    super();
    setImmediate(() => this.emit('connect'));
  }
  write(data: string): boolean {
    for (const m of this.stream.push(data)) {
      this.sent.push(m);
      const a = this.answer(m);
      if (a !== undefined) setImmediate(() => this.serverSays(a));
    }
    return true;
  }
  serverSays(m: JsonObject | string): void {
    if (!this.destroyed) this.emit('data', typeof m === 'string' ? m : JSON.stringify(m));
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    setImmediate(() => this.emit('close'));
  }
}
