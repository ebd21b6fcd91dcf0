import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { forbidden, suspended, unauthenticated } from '../http/errors';
import type { AccountsService } from './accounts.service';
import { isModerator, isSuspended, type Viewer } from './viewer';

export const SESSION_COOKIE = 'sid';
const COOKIE_MAX_AGE_S = 30 * 24 * 3600;

declare module 'fastify' {
  interface FastifyRequest {
    /** The logged-in member, or null for a visitor; looked up once per request. */
    viewer(): Promise<Viewer | null>;
  }
}

const memo = Symbol('viewer');

/** Resolves the `sid` cookie to a member, lazily: routes that never ask pay nothing. */
async function sessionPlugin(app: FastifyInstance, opts: { accounts: AccountsService }) {
  app.decorateRequest('viewer', function (this: FastifyRequest & { [memo]?: Promise<Viewer | null> }) {
    this[memo] ??= (async () => {
      const token = this.cookies[SESSION_COOKIE];
      if (!token || token.length > 128) return null;
      return opts.accounts.viewerForToken(token);
    })();
    return this[memo];
  });
}

export default fp(sessionPlugin, { name: 'haven-session', dependencies: ['@fastify/cookie'] });

export async function requireMember(request: FastifyRequest): Promise<Viewer> {
  const viewer = await request.viewer();
  if (!viewer) throw unauthenticated();
  return viewer;
}

/** A member who may write: logged in and not suspended. Suspended members can still read. */
export async function requireActiveMember(request: FastifyRequest): Promise<Viewer> {
  const viewer = await requireMember(request);
  if (isSuspended(viewer)) throw suspended(viewer.suspendedUntil!);
  return viewer;
}

/** Moderators and admins; members get 403 and visitors 401. */
export async function requireModerator(request: FastifyRequest): Promise<Viewer> {
  const viewer = await requireMember(request);
  if (!isModerator(viewer)) throw forbidden('Only moderators can do that.');
  return viewer;
}

/** Admins only; moderators and members get 403, visitors 401. */
export async function requireAdmin(request: FastifyRequest): Promise<Viewer> {
  const viewer = await requireMember(request);
  if (viewer.role !== 'admin') throw forbidden('Only admins can do that.');
  return viewer;
}

export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean) {
  reply.setCookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: 'lax',
    path: '/',
    secure,
    maxAge: COOKIE_MAX_AGE_S,
  });
}

export function clearSessionCookie(reply: FastifyReply, secure: boolean) {
  reply.clearCookie(SESSION_COOKIE, { httpOnly: true, sameSite: 'lax', path: '/', secure });
}
