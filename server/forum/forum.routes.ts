import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { requireActiveMember, requireMember } from '../accounts/session';
import type { Config } from '../config';
import * as c from '../contract/forum';
import { accountRateLimit, postingRateLimit } from '../http/rate-limits';
import { withZod, type ZodApp } from '../http/zod-app';
import type { ForumService } from './forum.service';
import type { Guidelines } from './guidelines';

export interface ForumRoutesOptions {
  forum: ForumService;
  config: Config;
  guidelines: Guidelines;
  privacy: Guidelines;
}

const idempotencyHeaders = z.object({ 'idempotency-key': c.idempotencyKey.optional() });


/** Communities, threads and posts (API.md "Forum"): validate, one service call, reply. */
export default async function forumRoutes(fastify: FastifyInstance, opts: ForumRoutesOptions) {
  const app = withZod(fastify);
  threadRoutes(app, opts);
  postRoutes(app, opts);
}

/** Communities, their threads, pages of a thread, and the pages written in the repository. */
function threadRoutes(app: ZodApp, opts: ForumRoutesOptions) {
  const { forum } = opts;
  const postingLimit = postingRateLimit(opts.config);

  app.get('/api/communities', { schema: { response: { 200: c.communitiesResponse } } }, async () => forum.listCommunities());

  app.get('/api/guidelines', { schema: { response: { 200: c.guidelinesResponse } } }, async () => opts.guidelines);
  app.get('/api/privacy', { schema: { response: { 200: c.guidelinesResponse } } }, async () => opts.privacy);

  app.get('/api/communities/:slug/threads', {
    schema: { params: c.slugParams, querystring: c.threadsQuery, response: { 200: c.threadsResponse } },
  }, async (request) => forum.listThreads(request.params.slug, request.query.cursor, request.query.limit));

  app.post('/api/communities/:slug/threads', {
    config: postingLimit,
    schema: { params: c.slugParams, headers: idempotencyHeaders, body: c.createThreadBody, response: { 201: c.createThreadResponse } },
  }, async (request, reply) => {
    const created = await forum.createThread(await requireActiveMember(request), request.params.slug, request.body, request.headers['idempotency-key']);
    return reply.code(201).send(created);
  });

  app.get('/api/threads/:id', {
    schema: { params: c.idParams, querystring: c.threadQuery, response: { 200: c.threadResponse } },
  }, async (request, reply) => {
    // Visitors all see the same page, and members see it but for a few posts: JSON encoded
    // once per cached page. Fastify sends a string payload as-is; the typed reply only knows
    // the object form.
    const page = await forum.readThreadJson(request.params.id, await request.viewer(), request.query.cursor, request.query.limit);
    return reply.type('application/json; charset=utf-8').send(page as unknown as c.ThreadResponse);
  });
}

/** Replies, changes to one's posts, previews, search and mutes. */
function postRoutes(app: ZodApp, opts: ForumRoutesOptions) {
  const { forum } = opts;
  const postingLimit = postingRateLimit(opts.config);
  const limit = (name: Parameters<typeof accountRateLimit>[1]) => accountRateLimit(opts.config, name);

  app.post('/api/threads/:id/posts', {
    config: postingLimit,
    schema: { params: c.idParams, headers: idempotencyHeaders, body: c.createPostBody, response: { 201: c.createPostResponse } },
  }, async (request, reply) => {
    const created = await forum.createPost(await requireActiveMember(request), request.params.id, request.body, request.headers['idempotency-key']);
    return reply.code(201).send(created);
  });

  app.patch('/api/posts/:id', {
    config: limit('edits'),
    schema: { params: c.idParams, body: c.editPostBody, response: { 200: c.postResponse } },
  }, async (request) => forum.editPost(await requireActiveMember(request), request.params.id, request.body));

  app.get('/api/posts/:id/source', {
    schema: { params: c.idParams, response: { 200: c.postSourceResponse } },
  }, async (request) => forum.postSource(await requireMember(request), request.params.id));

  app.post('/api/posts/:id/anonymize', {
    config: limit('anonymize'),
    schema: { params: c.idParams, response: { 200: c.postResponse } },
  }, async (request) => forum.anonymizePost(await requireActiveMember(request), request.params.id));

  app.delete('/api/posts/:id', { config: limit('deletes'), schema: { params: c.idParams } }, async (request, reply) => {
    // Suspended members may still delete their own words: removing is never blocked.
    await forum.deletePost(await requireMember(request), request.params.id);
    return reply.code(204).send();
  });

  // A POST although it changes nothing: a draft must never travel in a URL (URLs are logged).
  app.post('/api/preview', {
    config: limit('preview'),
    schema: { body: c.previewBody, response: { 200: c.previewResponse } },
  }, async (request) => {
    await requireMember(request);
    return forum.preview(request.body.body);
  });

  app.get('/api/search', {
    config: limit('search'),
    schema: { querystring: c.searchQuery, response: { 200: c.searchResponse } },
  }, async (request) => forum.search(request.query.q, await request.viewer(), request.query.cursor, request.query.limit));

  for (const [method, mute] of [['POST', true], ['DELETE', false]] as const) {
    app.route({
      method,
      url: '/api/users/:pseudonym/mute',
      config: limit('mutes'),
      schema: { params: c.pseudonymParams },
      handler: async (request, reply) => {
        await forum.setMute(await requireMember(request), request.params.pseudonym, mute);
        return reply.code(204).send();
      },
    });
  }
}
