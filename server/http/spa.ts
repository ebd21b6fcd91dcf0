import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { send } from './error-handler';

export const CLIENT_DIST = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../client/dist');

/**
 * Serves the built SPA and answers unknown non-API GETs with its index.html, so deep
 * links work. API paths that match no route get the JSON 404 of the contract.
 */
export default async function spaRoutes(app: FastifyInstance, opts: { root?: string }) {
  const root = opts.root ?? CLIENT_DIST;
  const hasBuild = fs.existsSync(path.join(root, 'index.html'));
  if (hasBuild) {
    await app.register(fastifyStatic, {
      root, wildcard: false, index: false,
      // The build writes .br and .gz copies; each request gets one as it is.
      preCompressed: true,
      cacheControl: false,
      setHeaders(res, filePath) {
        // Hashed file names change with their content: cached for good. Anything else is revalidated.
        const hashed = filePath.includes(`${path.sep}assets${path.sep}`);
        res.setHeader('cache-control', hashed ? 'public, max-age=31536000, immutable' : 'no-cache');
        // Which copy (brotli, gzip, plain) goes out depends on Accept-Encoding.
        res.setHeader('vary', 'accept-encoding');
      },
    });
  }
  app.setNotFoundHandler((request, reply) => {
    const isPage = (request.method === 'GET' || request.method === 'HEAD') && !request.url.startsWith('/api/');
    if (!isPage) return send(reply, 404, 'not_found', 'There is nothing at this address.');
    if (!hasBuild) {
      return reply.code(503).type('text/plain; charset=utf-8').send('The Haven web app is not built yet: run `npm run build`.');
    }
    // The page is never kept, by the browser either: after a quick exit, Back must not
    // bring Haven back out of a cache (docs/privacy.md, "Quick exit").
    return reply.header('cache-control', 'no-store').header('vary', 'accept-encoding').sendFile('index.html', root);
  });
}
