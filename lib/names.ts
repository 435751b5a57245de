import { ErrorCodes, PlinthError } from './errors.js';

/**
 * Allow-lists for every name that can reach a command line, a file path or an
 * XML/config document. Validate first, then use: nothing else is escaped.
 */
const PATTERNS = {
  /** Host ids: DNS-label-ish, also used in certificate names and file names. */
  hostId: /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/,
  /** Generic object names (domains, pools, groups). */
  objectName: /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/,
  /** Linux interface names: at most 15 bytes (IFNAMSIZ-1), no slash, no whitespace. */
  ifName: /^[A-Za-z0-9][A-Za-z0-9._-]{0,14}$/,
  /** Label keys and values. */
  labelKey: /^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$/,
  labelValue: /^[A-Za-z0-9._:-]{0,63}$/,
} as const;

export type NameKind = keyof typeof PATTERNS;

export function isValidName(kind: NameKind, value: unknown): value is string {
  return typeof value === 'string' && PATTERNS[kind].test(value);
}

export function assertName(kind: NameKind, value: unknown, what: string = kind): string {
  if (!isValidName(kind, value)) {
    throw new PlinthError(
      ErrorCodes.INVALID_ARGUMENT,
      `invalid ${what} ${JSON.stringify(value)}: must match ${PATTERNS[kind].source}`,
      { kind, value },
    );
  }
  return value;
}
