import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorBody, ErrorCode } from '../contract/common';
import { AppError, type ErrorDetail } from './errors';

/** Fastify's own client errors, named for what the member did. */
const FASTIFY_CODES: Record<string, [number, ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'too_large', 'That request is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'Send JSON (Content-Type: application/json).'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'validation_failed', 'The request body length is wrong.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'validation_failed', 'The JSON body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'validation_failed', 'The body is not valid JSON.'],
};

/**
 * The database cannot serve now, through no fault of the request: away, or unable to write.
 * 57P0x: shutting down or terminated; 57014: a statement ran past its timeout; 08xxx:
 * connection exceptions; 53xxx: out of disk, memory or connections; 55000 at connect:
 * not accepting connections; 3D000: gone; class 25: read-only (a standby, or
 * default_transaction_read_only during maintenance); 40001 / 40P01: a conflict to retry.
 */
const DB_UNAVAILABLE = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND',
  '57P01', '57P02', '57P03', '57014', '08000', '08001', '08003', '08004', '08006',
  '53000', '53100', '53200', '53300', '53400', '55000', '3D000', '40001', '40P01',
]);

export function isDatabaseUnavailable(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && (DB_UNAVAILABLE.has(code) || code.startsWith('25'))) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|Query read timeout|read-only transaction/i.test(err.message);
}

function statusCode(err: FastifyError): number | undefined {
  const s = err.statusCode;
  return typeof s === 'number' && s >= 400 && s < 600 ? s : undefined;
}

const BY_STATUS: Record<number, ErrorCode> = {
  400: 'validation_failed',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  409: 'conflict',
  413: 'too_large',
  415: 'unsupported_media_type',
  429: 'rate_limited',
  503: 'unavailable',
};

export function send(reply: FastifyReply, status: number, code: ErrorCode, message: string, details?: ErrorDetail[]) {
  const body: ErrorBody = { error: { code, message, ...(details?.length ? { details } : {}) } };
  return reply.code(status).type('application/json; charset=utf-8').send(JSON.stringify(body));
}

function handle(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  if (err instanceof AppError) {
    if (err.headers) reply.headers(err.headers);
    return send(reply, err.statusCode, err.code, err.message, err.details);
  }
  if (hasZodFastifySchemaValidationErrors(err)) {
    const where = (err as { validationContext?: string }).validationContext ?? 'request';
    const details = err.validation.map((v) => ({
      path: [where, ...v.instancePath.split('/').filter(Boolean)].join('.'),
      message: v.message ?? 'is not valid',
    }));
    return send(reply, 400, 'validation_failed', 'Some fields are not valid.', details);
  }
  const known = err.code ? FASTIFY_CODES[err.code] : undefined;
  if (known) return send(reply, known[0], known[1], known[2]);
  if (isDatabaseUnavailable(err)) {
    request.log.warn({ err }, 'database unavailable');
    reply.header('retry-after', '5');
    return send(reply, 503, 'unavailable', 'Haven cannot reach its database right now. Please try again shortly.');
  }
  const status = statusCode(err);
  if (status && status < 500 && BY_STATUS[status]) {
    return send(reply, status, BY_STATUS[status], err.message || 'The request was not accepted.');
  }
  // Anything else is our bug: log it, and tell the client nothing about internals.
  request.log.error({ err }, 'unhandled error');
  return send(reply, 500, 'internal', 'Something went wrong on our side. Nothing you did caused it.');
}

async function errorHandlerPlugin(app: FastifyInstance) {
  app.setErrorHandler(handle);
}

export default fp(errorHandlerPlugin, { name: 'haven-error-handler' });
