import * as grpc from '@grpc/grpc-js';
import { ErrorCodes, toPlinthError, type ErrorCode } from '../../lib/errors.js';

/** The one place where plinth error codes become gRPC status codes (principle 9). */
const MAP: Partial<Record<ErrorCode, grpc.status>> = {
  [ErrorCodes.INVALID_ARGUMENT]: grpc.status.INVALID_ARGUMENT,
  [ErrorCodes.CONFIG]: grpc.status.FAILED_PRECONDITION,
  [ErrorCodes.NOT_FOUND]: grpc.status.NOT_FOUND,
  [ErrorCodes.CONFLICT]: grpc.status.ABORTED,
  [ErrorCodes.PERMISSION_DENIED]: grpc.status.PERMISSION_DENIED,
  [ErrorCodes.UNAUTHENTICATED]: grpc.status.UNAUTHENTICATED,
  [ErrorCodes.TIMEOUT]: grpc.status.DEADLINE_EXCEEDED,
  [ErrorCodes.UNAVAILABLE]: grpc.status.UNAVAILABLE,
  [ErrorCodes.CAPACITY]: grpc.status.RESOURCE_EXHAUSTED,
  [ErrorCodes.FENCE_FAILED]: grpc.status.FAILED_PRECONDITION,
};

export const ERROR_CODE_METADATA_KEY = 'plinth-error-code';

export function toServiceError(e: unknown): Partial<grpc.ServiceError> {
  const err = toPlinthError(e);
  const metadata = new grpc.Metadata();
  metadata.set(ERROR_CODE_METADATA_KEY, err.code);
  return { code: MAP[err.code] ?? grpc.status.INTERNAL, details: err.message, metadata };
}
