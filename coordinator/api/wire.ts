import { ErrorCodes, PlinthError } from '../../lib/errors.js';
import type { JsonObject } from '../../lib/json.js';
import type { ApplyOutcome, HostEvent, ObjectChange } from '../../lib/model.js';
import { MAX_OBJECT_JSON_BYTES } from '../../lib/proto.js';
import type { ObjectState } from '../../proto/gen/plinth/v1/ObjectState.js';
import type { Event, Event__Input } from '../../proto/gen/plinth/v1/Event.js';
import type { ApplyResult } from '../../proto/gen/plinth/v1/ApplyResult.js';
import type { StoredEvent } from '../store/store.js';

const KIND = /^[a-z][a-z0-9_.-]{0,63}$/;
const MAX_ID = 512;
const MAX_TEXT = 4096;
const SEVERITIES = new Set(['info', 'warning', 'critical']);

function bad(msg: string): never {
  throw new PlinthError(ErrorCodes.INVALID_ARGUMENT, msg);
}

export function parseJsonField(text: string, what: string): JsonObject {
  const size = Buffer.byteLength(text, 'utf8');
  if (size > MAX_OBJECT_JSON_BYTES)
    bad(`${what} is ${size} bytes, over the ${MAX_OBJECT_JSON_BYTES}-byte limit`);
  if (text === '') return {};
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    bad(`${what} is not valid JSON`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) bad(`${what} is not a JSON object`);
  return v as JsonObject;
}

/** Wire -> own type, validated: anything off is refused with a precise message. */
export function objectFromWire(o: ObjectState): ObjectChange {
  if (!KIND.test(o.kind))
    bad(
      `object kind ${JSON.stringify(o.kind.slice(0, 80))} is not valid (lowercase, dots, at most 64 chars)`,
    );
  if (o.id.length === 0 || o.id.length > MAX_ID)
    bad(`object id of kind ${o.kind} must be 1-${MAX_ID} characters`);
  if (o.deleted) return { kind: o.kind, id: o.id, deleted: true };
  return {
    kind: o.kind,
    id: o.id,
    data: parseJsonField(o.dataJson, `data of ${o.kind} ${o.id.slice(0, 80)}`),
  };
}

export function eventFromWire(e: Event): HostEvent {
  if (!KIND.test(e.type)) bad(`event type ${JSON.stringify(e.type.slice(0, 80))} is not valid`);
  if (!SEVERITIES.has(e.severity))
    bad(
      `event severity ${JSON.stringify(e.severity.slice(0, 20))} is not info, warning or critical`,
    );
  return {
    type: e.type,
    severity: e.severity as HostEvent['severity'],
    message: e.message.slice(0, MAX_TEXT),
    ...(e.objectKind
      ? { object: { kind: e.objectKind.slice(0, 64), id: e.objectId.slice(0, MAX_ID) } }
      : {}),
    ...(e.dataJson ? { data: parseJsonField(e.dataJson, `data of event ${e.type}`) } : {}),
    atMs: Number(e.atMs) || 0,
  };
}

export function resultFromWire(r: ApplyResult): ApplyOutcome {
  return {
    kind: r.kind.slice(0, 64),
    id: r.id.slice(0, MAX_ID),
    ok: r.ok,
    ...(r.action ? { action: r.action.slice(0, 64) } : {}),
    ...(r.code ? { code: r.code.slice(0, 64) } : {}),
    ...(r.message ? { message: r.message.slice(0, MAX_TEXT) } : {}),
  };
}

export function eventToWire(e: StoredEvent): Event__Input {
  return {
    id: e.id,
    hostId: e.hostId,
    type: e.type,
    severity: e.severity,
    message: e.message,
    objectKind: e.object?.kind ?? '',
    objectId: e.object?.id ?? '',
    dataJson: e.data ? JSON.stringify(e.data) : '',
    atMs: e.atMs,
  };
}
