import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Viewer } from '../accounts/viewer';
import type { Config } from '../config';
import { send } from '../http/error-handler';
import { routeRateLimit } from '../http/rate-limits';
import type { LiveHub } from './live.hub';

/**
 * GET /api/live, the WebSocket. Everything is checked before the 101: the Origin must be
 * ours (browsers send it on every upgrade; other sites' pages would carry the member's
 * cookie), and a member may hold only so many sockets.
 */
export default async function liveRoutes(app: FastifyInstance, opts: { hub: LiveHub; config: Config }) {
  const allowed = new Set(opts.config.allowedOrigins);
  // Per upgrade request, from the checks to the socket handler:
  // - the member, resolved before the upgrade, so the handler can attach its listeners
  //   synchronously and miss no early frame;
  // - the upgrade's HTTP response object, which @fastify/websocket attaches to the TCP
  //   socket to route the upgrade. It is never written after the 101, yet through it the
  //   socket would keep the request, its headers, Fastify's request and reply and a child
  //   logger alive for as long as it stays open (about 5 KiB per idle socket).
  const upgrades = new WeakMap<object, { viewer: Viewer | null; address: string; response: ServerResponse }>();
  app.route({
    method: 'GET',
    url: '/api/live',
    schema: { hide: true },
    config: routeRateLimit(opts.config, 'live'),
    // A plain GET (no upgrade) gets a clear answer in the contract's shape.
    handler: (_request, reply) => send(reply, 400, 'validation_failed', 'This address speaks WebSocket only: connect with an upgrade request.'),
    preValidation: async (request, reply) => {
      const origin = request.headers.origin;
      if (typeof origin !== 'string' || !allowed.has(origin)) {
        return send(reply, 403, 'csrf_rejected', 'Live updates are only for Haven’s own pages.');
      }
      if (opts.hub.closing) return send(reply, 503, 'unavailable', 'This server is shutting down; reconnect shortly.');
      const viewer = await request.viewer();
      const address = request.clientKey();
      upgrades.set(request, { viewer, address, response: reply.raw });
      if (!opts.hub.mayOpen(viewer, address)) {
        const from = viewer ? 'this account' : 'this address';
        return send(reply, 429, 'rate_limited', `Too many live connections from ${from}; close a tab and retry.`);
      }
    },
    wsHandler: (socket, request) => {
      const upgrade = upgrades.get(request);
      if (upgrade?.response.socket) upgrade.response.detachSocket(upgrade.response.socket);
      if (!upgrade) return socket.close(1011, 'not ready');
      opts.hub.accept(socket, upgrade.viewer, upgrade.address);
    },
  });
}
