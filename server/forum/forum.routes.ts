import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Transaction } from 'kysely';
import type { Viewer } from '../accounts/accounts.service';
import { requireActiveMember, requireMember } from '../accounts/session';
import type { DB } from '../db/schema';
import type { Config } from '../config';
import type { Post } from '../contract/forum';
import * as c from '../contract/forum';
import { accountRateLimit, postingRateLimit } from '../http/rate-limits';
import type { ForumService } from './forum.service';
import { renderMarkdown } from './markdown';
import type { Guidelines } from './guidelines';

export interface ForumRoutesOptions {
  forum: ForumService;
  config: Config;
  guidelines: Guidelines;
  privacy: Guidelines;
  /** Crisis resources for a new post's author, when its body reads like a crisis. */
  crisisResourcesFor?: (body: string) => c.CrisisResource[] | undefined;
}

const idempotencyHeaders = z.object({ 'idempotency-key': c.idempotencyKey.optional() });

export default async function forumRoutes(fastify: FastifyInstance, opts: ForumRoutesOptions) {
  const app = fastify.withTypeProvider<ZodTypeProvider>();
  const { forum } = opts;
  const postingLimit = postingRateLimit(opts.config);
  const limit = (name: Parameters<typeof accountRateLimit>[1]) => accountRateLimit(opts.config, name);

  /** A new thread or reply: at most once per Idempotency-Key, with crisis resources when the body calls for them. */
  async function create<T extends { post: Post }>(
    viewer: Viewer, key: string | undefined, request: unknown, text: string, withThread: boolean,
    write: (trx?: Transaction<DB>) => Promise<T>,
  ) {
    const created = await forum.idempotent(viewer, key, request, withThread, write);
    const crisisResources = opts.crisisResourcesFor?.(text);
    return crisisResources ? { ...created, crisisResources } : created;
  }

  app.get('/api/communities', { schema: { response: { 200: c.communitiesResponse } } }, async () => ({
    communities: await forum.listCommunities(),
  }));

  app.get('/api/guidelines', { schema: { response: { 200: c.guidelinesResponse } } }, async () => opts.guidelines);
  app.get('/api/privacy', { schema: { response: { 200: c.guidelinesResponse } } }, async () => opts.privacy);

  app.get('/api/communities/:slug/threads', {
    schema: { params: c.slugParams, querystring: c.threadsQuery, response: { 200: c.threadsResponse } },
  }, async (request) => forum.listThreads(request.params.slug, request.query.cursor, request.query.limit));

  app.post('/api/communities/:slug/threads', {
    config: postingLimit,
    schema: { params: c.slugParams, headers: idempotencyHeaders, body: c.createThreadBody, response: { 201: c.createThreadResponse } },
  }, async (request, reply) => {
    const viewer = await requireActiveMember(request);
    const { params, body } = request;
    const created = await create(viewer, request.headers['idempotency-key'], ['thread', params.slug, body], `${body.title}\n\n${body.body}`, true, (trx) =>
      forum.createThread(viewer, params.slug, body, trx),
    );
    // Asked with its thread: a replay carries the thread too.
    return reply.code(201).send(created as z.infer<typeof c.createThreadResponse>);
  });

  app.get('/api/threads/:id', {
    schema: { params: c.idParams, querystring: c.threadQuery, response: { 200: c.threadResponse } },
  }, async (request, reply) => {
    const { params, query } = request;
    const viewer = await request.viewer();
    // Visitors all see the same page, and members see it but for a few posts: JSON encoded
    // once per cached page. Fastify sends a string payload as-is; the typed reply only knows
    // the object form.
    const page = viewer
      ? await forum.readThreadAsMember(params.id, viewer, query.cursor, query.limit)
      : await forum.readThreadAsVisitor(params.id, query.cursor, query.limit);
    return reply.type('application/json; charset=utf-8').send(page as unknown as c.ThreadResponse);
  });

  app.post('/api/threads/:id/posts', {
    config: postingLimit,
    schema: { params: c.idParams, headers: idempotencyHeaders, body: c.createPostBody, response: { 201: c.createPostResponse } },
  }, async (request, reply) => {
    const viewer = await requireActiveMember(request);
    const { params, body } = request;
    const created = await create(viewer, request.headers['idempotency-key'], ['post', params.id, body], body.body, false, async (trx) => ({
      post: await forum.createPost(viewer, params.id, body, trx),
    }));
    return reply.code(201).send(created);
  });

  app.patch('/api/posts/:id', {
    config: limit('edits'),
    schema: { params: c.idParams, body: c.editPostBody, response: { 200: c.postResponse } },
  }, async (request) => ({ post: await forum.editPost(await requireActiveMember(request), request.params.id, request.body) }));

  app.get('/api/posts/:id/source', {
    schema: { params: c.idParams, response: { 200: c.postSourceResponse } },
  }, async (request) => forum.postSource(await requireMember(request), request.params.id));

  app.post('/api/posts/:id/anonymize', {
    config: limit('anonymize'),
    schema: { params: c.idParams, response: { 200: c.postResponse } },
  }, async (request) => ({ post: await forum.anonymizePost(await requireActiveMember(request), request.params.id) }));

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
    return { html: renderMarkdown(request.body.body) };
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
