import { isGrpcServiceError } from '@temporalio/client';

/** Socket errors of a server that is down or restarting. */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
/** Postgres: the server shuts down or starts up (class 57P), or the connection broke (class 08). */
const POSTGRES_CODES = /^(57P0[123]|08\d{3})$/;
const POSTGRES_MESSAGES = /^Connection terminated/;
/** Temporal's frontend cannot be reached (gRPC UNAVAILABLE, 14), or did not answer in time (DEADLINE_EXCEEDED, 4). */
const GRPC_CODES = new Set<number>([14, 4]);

/**
 * Whether an error, or one it was caused by, says Postgres or the Temporal server is briefly
 * out of reach (a restart, a failover): the request was not wrong and may be sent again, so the
 * answer is a 503 with Retry-After, not a 500. Nothing was written, or what was is idempotent:
 * every write goes through a workflow whose id names it.
 */
export function isDependencyOutage(error: unknown): boolean {
  for (let cause = error, depth = 0; cause instanceof Error && depth < 8; cause = cause.cause, depth += 1) {
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && (SOCKET_CODES.has(code) || POSTGRES_CODES.test(code))) return true;
    if (POSTGRES_MESSAGES.test(cause.message)) return true;
    if (isGrpcServiceError(cause) && GRPC_CODES.has(cause.code)) return true;
  }
  return false;
}
