import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import type { ErrorBody, ErrorCode } from '../contract/common';
import { isDatabaseUnavailable } from '../db/unavailable';
import { AppError, type ErrorDetail } from './errors';

/** Fastify's own client errors, named for what the member did. */
const FASTIFY_CODES: Record<string, [number, ErrorCode, string]> = {
  FST_ERR_CTP_BODY_TOO_LARGE: [413, 'too_large', 'That request is too large.'],
  FST_ERR_CTP_INVALID_MEDIA_TYPE: [415, 'unsupported_media_type', 'Send JSON (Content-Type: application/json).'],
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: [400, 'validation_failed', 'The request body length is wrong.'],
  FST_ERR_CTP_EMPTY_JSON_BODY: [400, 'validation_failed', 'The JSON body is empty.'],
  FST_ERR_CTP_INVALID_JSON_BODY: [400, 'validation_failed', 'The body is not valid JSON.'],
};

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
