/**
 * Errors carry stable codes (DESIGN.md principle 9). Callers branch on `code`,
 * never on message text. The mapping to gRPC status lives in coordinator/api/status.ts.
 */
export const ErrorCodes = {
  INVALID_ARGUMENT: 'PLINTH_E_INVALID_ARGUMENT',
  CONFIG: 'PLINTH_E_CONFIG',
  NOT_FOUND: 'PLINTH_E_NOT_FOUND',
  CONFLICT: 'PLINTH_E_CONFLICT',
  PERMISSION_DENIED: 'PLINTH_E_PERMISSION_DENIED',
  UNAUTHENTICATED: 'PLINTH_E_UNAUTHENTICATED',
  TIMEOUT: 'PLINTH_E_TIMEOUT',
  UNAVAILABLE: 'PLINTH_E_UNAVAILABLE',
  EXEC_FAILED: 'PLINTH_E_EXEC_FAILED',
  PARSE: 'PLINTH_E_PARSE',
  STORE: 'PLINTH_E_STORE',
  INTERNAL: 'PLINTH_E_INTERNAL',
  CAPACITY: 'PLINTH_E_CAPACITY',
  LIBVIRT_UNAVAILABLE: 'PLINTH_E_LIBVIRT_UNAVAILABLE',
  OVSDB_UNAVAILABLE: 'PLINTH_E_OVSDB_UNAVAILABLE',
  FRR_UNAVAILABLE: 'PLINTH_E_FRR_UNAVAILABLE',
  BMC_UNAVAILABLE: 'PLINTH_E_BMC_UNAVAILABLE',
  BMC_AUTH: 'PLINTH_E_BMC_AUTH',
  CEPH_UNAVAILABLE: 'PLINTH_E_CEPH_UNAVAILABLE',
  DOCKER_UNAVAILABLE: 'PLINTH_E_DOCKER_UNAVAILABLE',
  FENCE_FAILED: 'PLINTH_E_FENCE_FAILED',
} as const;

export type ErrorCode = (typeof ErrorCodes)[keyof typeof ErrorCodes];

export class PlinthError extends Error {
  readonly code: ErrorCode;
  /** Structured details for the operator (never secrets). */
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    details?: Record<string, unknown>,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'PlinthError';
    this.code = code;
    this.details = details;
  }
}

export function isPlinthError(e: unknown): e is PlinthError {
  return e instanceof PlinthError;
}

/** Normalise anything thrown into a PlinthError, keeping a known code. */
export function toPlinthError(e: unknown, fallback: ErrorCode = ErrorCodes.INTERNAL): PlinthError {
  if (e instanceof PlinthError) return e;
  const message = e instanceof Error ? e.message : String(e);
  return new PlinthError(fallback, message, undefined, { cause: e });
}
