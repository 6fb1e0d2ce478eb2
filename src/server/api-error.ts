/**
 * Errors the API answers with: one shape for every failure,
 * `{error: {code, message}}`, with a stable PKT_ERR_SERVER_* code and the
 * HTTP status beside it. Route code throws ApiError; the app's error handler
 * (app.ts) turns it, fastify's own errors and anything unexpected into that
 * shape, so no handler ever leaks a stack trace or a framework message format.
 */
import { PicketError } from '../util/errors.js';

export class ApiError extends PicketError {
  readonly status: number;
  /** Seconds for a Retry-After header (429/503). */
  readonly retryAfter: number | undefined;
  /** Extra fields of the error object a client needs to act (e.g. highest_seq of a 409). */
  readonly details: Readonly<Record<string, unknown>> | undefined;
  constructor(status: number, code: string, message: string, retryAfter?: number, details?: Record<string, unknown>) {
    super(code, message);
    this.name = 'ApiError';
    this.status = status;
    this.retryAfter = retryAfter;
    this.details = details;
  }
}

export interface ErrorBody {
  error: { code: string; message: string; [detail: string]: unknown };
}

export function errorBody(code: string, message: string, details?: Readonly<Record<string, unknown>>): ErrorBody {
  return { error: { ...(details ?? {}), code, message } };
}

export const badRequest = (message: string): ApiError => new ApiError(400, 'PKT_ERR_SERVER_BAD_REQUEST', message);
export const unauthorized = (message: string): ApiError => new ApiError(401, 'PKT_ERR_SERVER_UNAUTHORIZED', message);
export const forbidden = (message: string): ApiError => new ApiError(403, 'PKT_ERR_SERVER_FORBIDDEN', message);
export const notFound = (message: string): ApiError => new ApiError(404, 'PKT_ERR_SERVER_NOT_FOUND', message);
export const tooLarge = (message: string): ApiError => new ApiError(413, 'PKT_ERR_SERVER_TOO_LARGE', message);
