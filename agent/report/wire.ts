import type { JsonObject } from '../../lib/json.js';
import type { ApplyOutcome, DeltaRecord, HostEvent, ObjectChange } from '../../lib/model.js';
import type { ObjectState__Input } from '../../proto/gen/plinth/v1/ObjectState.js';
import type { Event__Input } from '../../proto/gen/plinth/v1/Event.js';
import type { Delta__Input } from '../../proto/gen/plinth/v1/Delta.js';
import type { ApplyResult__Input } from '../../proto/gen/plinth/v1/ApplyResult.js';

/** The agent's own types -> wire types. Nothing outside agent/report/ sees proto. */
export function objectToWire(c: ObjectChange): ObjectState__Input {
  return {
    kind: c.kind,
    id: c.id,
    dataJson: c.deleted ? '' : JSON.stringify(c.data ?? {}),
    deleted: !!c.deleted,
  };
}

export function eventToWire(e: HostEvent): Event__Input {
  return {
    type: e.type,
    severity: e.severity,
    message: e.message,
    objectKind: e.object?.kind ?? '',
    objectId: e.object?.id ?? '',
    dataJson: e.data ? JSON.stringify(e.data) : '',
    atMs: e.atMs,
  };
}

export function deltaToWire(d: DeltaRecord): Delta__Input {
  return { seq: d.seq, changes: d.changes.map(objectToWire), events: d.events.map(eventToWire) };
}

export function resultToWire(r: ApplyOutcome): ApplyResult__Input {
  return {
    kind: r.kind,
    id: r.id,
    ok: r.ok,
    action: r.action ?? '',
    code: r.code ?? '',
    message: r.message ?? '',
  };
}

export function parseJsonObject(text: string, what: string): JsonObject {
  const v: unknown = text === '' ? {} : JSON.parse(text);
  if (!v || typeof v !== 'object' || Array.isArray(v))
    throw new Error(`${what} is not a JSON object`);
  return v as JsonObject;
}
