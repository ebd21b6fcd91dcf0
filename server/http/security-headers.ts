import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * Strict headers on every response. The SPA loads nothing from any other origin, so the
 * CSP allows 'self' only; posts carry no images, so there is no img-src beyond it.
 *
 * helmet decides the headers, once, at start: they are the same for every response (no
 * per-route options, no nonces), and building helmet's middleware per request cost a fifth
 * of a member's page. Each response then gets the stored set.
 */
export function securityHeaders(opts: { https: boolean }): Record<string, string> {
  const middleware = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        fontSrc: ["'self'"],
        connectSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(opts.https ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    // HSTS only makes sense, and only works, when the public origin is https.
    strictTransportSecurity: opts.https ? { maxAge: 31_536_000, includeSubDomains: true } : false,
    referrerPolicy: { policy: 'same-origin' },
    crossOriginEmbedderPolicy: false,
  });
  const headers: Record<string, string> = {};
  const collector = {
    setHeader: (name: string, value: string | number | readonly string[]) => void (headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value)),
    removeHeader: (name: string) => void delete headers[name.toLowerCase()],
  };
  let failed: unknown;
  middleware({} as IncomingMessage, collector as unknown as ServerResponse, (err?: unknown) => void (failed = err));
  if (failed) throw failed;
  return Object.freeze(headers);
}

async function securityHeadersPlugin(app: FastifyInstance, opts: { https: boolean }) {
  const headers = securityHeaders(opts);
  const api = { ...headers, 'cache-control': 'no-store' };
  app.addHook('onRequest', (request, reply, done) => {
    // An API answer may depend on who asks (a thread carries `mine`, /api/me the member, a
    // moderator sees hidden bodies), and a visitor's answer must not be kept where a member's
    // request could be served it: no cache, shared or private, keeps any of them.
    reply.headers(request.url.startsWith('/api/') ? api : headers);
    done();
  });
}

export default fp(securityHeadersPlugin, { name: 'haven-security-headers' });
