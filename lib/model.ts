import type { JsonObject } from './json.js';

/**
 * The project's own types for what crosses between agent and coordinator. The
 * wire (proto) types stop at agent/report/ and coordinator/api/ (principle 8).
 */
export interface ObjectChange {
  kind: string;
  id: string;
  /** Absent when deleted. */
  data?: JsonObject;
  deleted?: boolean;
}

export interface HostEvent {
  type: string;
  severity: 'info' | 'warning' | 'critical';
  message: string;
  object?: { kind: string; id: string };
  data?: JsonObject;
  /** Wall clock where it happened (display only). */
  atMs: number;
}

/** One unit of the agent's outbox and of the stream: changes since seq-1. */
export interface DeltaRecord {
  seq: number;
  changes: ObjectChange[];
  events: HostEvent[];
}

export interface ApplyOutcome {
  kind: string;
  id: string;
  ok: boolean;
  action?: string;
  code?: string;
  message?: string;
}

export function objectKey(kind: string, id: string): string {
  return `${kind}\u0000${id}`;
}

export type HostState = 'ready' | 'suspect' | 'down' | 'unknown';
