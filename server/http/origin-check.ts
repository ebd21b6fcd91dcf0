import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SESSION_COOKIE } from '../accounts/session';
import { csrfRejected } from './errors';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The request's claimed origin: the Origin header, else the origin of the Referer.
 * `Origin: null` is an origin, not a missing one: browsers send it from sandboxed frames,
 * data: URLs and some redirects, which are exactly the pages that must not act for a
 * member. It never equals ours, so it is refused, whatever the Referer says.
 */
export function requestOrigin(request: Pick<FastifyRequest, 'headers'>): string | undefined {
  const origin = request.headers.origin;
  if (typeof origin === 'string') return origin;
  const referer = request.headers.referer;
  if (typeof referer !== 'string') return undefined;
  try {
    return new URL(referer).origin;
  } catch {
    return undefined;
  }
}

/**
 * CSRF defence by origin (API.md "Conventions"). A state change that carries the session
 * cookie must prove it comes from Haven's own pages. One without the cookie is refused
 * too when it names a foreign origin, so another site cannot log a member into an
 * account of its choosing.
 */
async function originCheckPlugin(app: FastifyInstance, opts: { allowedOrigins: readonly string[] }) {
  const allowed = new Set(opts.allowedOrigins);
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method)) return;
    const origin = requestOrigin(request);
    const hasSession = request.cookies[SESSION_COOKIE] !== undefined;
    if (origin === undefined ? hasSession : !allowed.has(origin)) throw csrfRejected();
  });
}

export default fp(originCheckPlugin, { name: 'haven-origin-check', dependencies: ['@fastify/cookie'] });
