import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { z } from 'zod';

/** A refusal the API answers with a 4xx and a machine-readable body (STYLE.md "Errors are values at the edge"). */
export class ApiError extends Error {
  constructor(
    readonly statusCode: number,
    readonly code: string,
    message: string,
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The body of every error answer: a code a page translates, a sentence, and the input field it is about. */
export const errorResponseSchema = z
  .object({
    error: z.object({
      code: z.string().describe('machine-readable, e.g. invalid-input, not-found, objection-open'),
      message: z.string().describe('what was refused and why, in English'),
      field: z.string().optional().describe('the input the refusal is about, e.g. body.details.procedure or querystring.dueBefore'),
    }),
  })
  .describe('A refusal');

export type ErrorBody = z.infer<typeof errorResponseSchema>;

export function errorBody(code: string, message: string, field?: string): ErrorBody {
  return { error: { code, message, ...(field ? { field } : {}) } };
}

/** The error answers a route documents besides those every route has (src/api/server.ts adds 400, 401, 403, 413, 415). */
export function refusals(...statuses: number[]): Record<number, typeof errorResponseSchema> {
  return Object.fromEntries(statuses.map((status) => [status, errorResponseSchema]));
}

/** Fastify's own refusals of a request, before a route sees it, by its error code. */
const FASTIFY_REFUSALS: Record<string, { code: string; field?: string }> = {
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { code: 'unsupported-media-type', field: 'content-type' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { code: 'invalid-input', field: 'content-length' },
  FST_ERR_CTP_BODY_TOO_LARGE: { code: 'too-large', field: 'body' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { code: 'invalid-input', field: 'body' },
  FST_ERR_CTP_INVALID_JSON_BODY: { code: 'invalid-input', field: 'body' },
};

/**
 * The answer to an error a route threw or Fastify raised: a refusal's own, a schema's first
 * problem with its field, Fastify's refusal of a malformed request. Undefined for anything else,
 * which is a fault (a 500, logged).
 */
export function answerError(error: unknown): { status: number; body: ErrorBody } | undefined {
  if (error instanceof ApiError) return { status: error.statusCode, body: errorBody(error.code, error.message, error.field) };
  if (hasZodFastifySchemaValidationErrors(error)) {
    const first = error.validation[0]!;
    const unknownKey = first.keyword === 'unrecognized_keys' ? (first.params as { keys?: string[] }).keys?.[0] : undefined;
    const field = [error.validationContext, ...first.instancePath.split('/').filter(Boolean), ...(unknownKey ? [unknownKey] : [])].join('.');
    return { status: 400, body: errorBody('invalid-input', `${field}: ${unknownKey ? 'is not a field of this request' : first.message}`, field) };
  }
  const { statusCode, code, message } = error as { statusCode?: number; code?: string; message?: string };
  if (statusCode && statusCode >= 400 && statusCode < 500) {
    const known = code ? FASTIFY_REFUSALS[code] : undefined;
    return { status: statusCode, body: errorBody(known?.code ?? 'bad-request', message ?? 'The request was refused', known?.field) };
  }
  return undefined;
}
