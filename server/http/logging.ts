import type { FastifyRequest } from 'fastify';
import type { DestinationStream, LoggerOptions } from 'pino';

/**
 * Logs carry no bodies, tokens or IP addresses (API.md "Privacy"). Requests are logged
 * by route pattern, not URL: a URL can hold a search phrase or a pseudonym, and a raw
 * path next to a timestamp could help tie an anonymous post to a person.
 */
export function loggerOptions(level: string, stream?: DestinationStream): LoggerOptions & { stream?: DestinationStream } {
  return {
    level,
    ...(stream ? { stream } : {}),
    serializers: {
      req: (request: FastifyRequest) => ({
        method: request.method,
        route: request.routeOptions?.url ?? 'unmatched',
      }),
      res: (reply: { statusCode: number }) => ({ statusCode: reply.statusCode }),
      err: (err: Error & { code?: unknown }) => ({
        type: err.name,
        code: typeof err.code === 'string' ? err.code : undefined,
        message: err.message,
        stack: err.stack,
      }),
    },
    // Belt and braces: should anything ever log headers, these never reach the output.
    redact: {
      paths: ['req.headers.cookie', 'req.headers.authorization', 'res.headers["set-cookie"]', 'headers.cookie', 'password', '*.password'],
      censor: '[redacted]',
    },
  };
}
