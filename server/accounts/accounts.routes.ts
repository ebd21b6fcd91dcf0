import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Config } from '../config';
import * as c from '../contract/accounts';
import { accountRateLimit, routeRateLimit } from '../http/rate-limits';
import type { AccountsService } from './accounts.service';
import { clearSessionCookie, requireMember, setSessionCookie } from './session';

export interface AccountsRoutesOptions {
  accounts: AccountsService;
  config: Config;
}

export default async function accountsRoutes(fastify: FastifyInstance, opts: AccountsRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { accounts, config } = opts;
  const secure = config.secureCookies;

  app.post('/api/auth/signup', {
    config: routeRateLimit(config, 'signup'),
    schema: { body: c.signupBody, response: { 201: c.signupResponse } },
  }, async (request, reply) => {
    const { user, recoveryCode, token } = await accounts.signup(request.body);
    setSessionCookie(reply, token, secure);
    return reply.code(201).send({ user, recoveryCode });
  });

  app.post('/api/auth/login', {
    config: routeRateLimit(config, 'login'),
    schema: { body: c.loginBody, response: { 200: c.userResponse } },
  }, async (request, reply) => {
    const { user, token } = await accounts.login(request.body);
    setSessionCookie(reply, token, secure);
    return { user };
  });

  app.post('/api/auth/recover', {
    config: routeRateLimit(config, 'recover'),
    schema: { body: c.recoverBody, response: { 200: c.signupResponse } },
  }, async (request, reply) => {
    const { user, recoveryCode, token } = await accounts.recover(request.body);
    setSessionCookie(reply, token, secure);
    return { user, recoveryCode };
  });

  app.post('/api/auth/logout', { config: routeRateLimit(config, 'sessions') }, async (request, reply) => {
    const viewer = await request.viewer();
    if (viewer) await accounts.logout(viewer.tokenHash);
    clearSessionCookie(reply, secure);
    return reply.code(204).send();
  });

  app.post('/api/auth/logout-all', { config: routeRateLimit(config, 'sessions') }, async (request, reply) => {
    const viewer = await requireMember(request);
    await accounts.logoutAll(viewer);
    clearSessionCookie(reply, secure);
    return reply.code(204).send();
  });

  app.get('/api/me', { schema: { response: { 200: c.meResponse } } }, async (request) => accounts.me(await requireMember(request)));

  app.put('/api/me/preferences', {
    config: accountRateLimit(config, 'preferences'),
    schema: { body: c.preferencesBody, response: { 200: c.userResponse } },
  }, async (request) => {
    const viewer = await requireMember(request);
    return { user: await accounts.updatePreferences(viewer, request.body) };
  });

  app.post('/api/me/password', {
    config: accountRateLimit(config, 'password'),
    schema: { body: c.changePasswordBody },
  }, async (request, reply) => {
    const viewer = await requireMember(request);
    await accounts.changePassword(viewer, request.body.currentPassword, request.body.newPassword);
    return reply.code(204).send();
  });

  app.put('/api/admin/users/:pseudonym/role', {
    config: accountRateLimit(config, 'admin'),
    schema: { params: c.roleParams, body: c.roleBody, response: { 200: c.roleResponse } },
  }, async (request) => ({ user: await accounts.setRole(request.params.pseudonym, request.body.role, await requireMember(request)) }));
}
