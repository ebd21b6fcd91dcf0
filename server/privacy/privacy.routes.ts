import { Readable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { clearSessionCookie, requireMember } from '../accounts/session';
import type { Config } from '../config';
import * as c from '../contract/accounts';
import { accountRateLimit } from '../http/rate-limits';
import type { PrivacyService } from './privacy.service';

/** A member's own data (API.md "Accounts and sessions"): the export, and erasing the account. */
export default async function privacyRoutes(fastify: FastifyInstance, opts: { privacy: PrivacyService; config: Config }) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { privacy, config } = opts;

  app.get('/api/me/export', { config: accountRateLimit(config, 'export') }, async (request, reply) => {
    // Streamed: a member with years of posts gets their export without the server holding it all.
    const body = Readable.from(await privacy.exportJson(await requireMember(request)));
    return reply
      .type('application/json; charset=utf-8')
      .header('content-disposition', 'attachment; filename="haven-export.json"')
      .header('cache-control', 'no-store')
      .send(body);
  });

  app.delete('/api/me', { config: accountRateLimit(config, 'password'), schema: { body: c.deleteMeBody } }, async (request, reply) => {
    await privacy.eraseAccount(await requireMember(request), request.body.password, request.body.erasePosts);
    clearSessionCookie(reply, config.secureCookies);
    return reply.code(204).send();
  });
}
