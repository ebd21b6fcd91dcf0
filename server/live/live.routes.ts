import type { FastifyInstance } from 'fastify';
import type { Viewer } from '../accounts/accounts.service';
import type { Config } from '../config';
import { send } from '../http/error-handler';
import type { LiveHub } from './live.hub';

/**
 * GET /api/live, the WebSocket. Everything is checked before the 101: the Origin must be
 * ours (browsers send it on every upgrade; other sites' pages would carry the member's
 * cookie), and a member may hold only so many sockets.
 */
export default async function liveRoutes(app: FastifyInstance, opts: { hub: LiveHub; config: Config }) {
  const allowed = new Set(opts.config.allowedOrigins);
  // The member resolved before the upgrade, so the socket handler can attach its
  // listeners synchronously and miss no early frame.
  const resolved = new WeakMap<object, Viewer | null>();
  app.get('/api/live', {
    websocket: true,
    preValidation: async (request, reply) => {
      const origin = request.headers.origin;
      if (typeof origin !== 'string' || !allowed.has(origin)) {
        return send(reply, 403, 'csrf_rejected', 'Live updates are only for Haven’s own pages.');
      }
      if (opts.hub.closing) return send(reply, 503, 'unavailable', 'This server is shutting down; reconnect shortly.');
      const viewer = await request.viewer();
      resolved.set(request, viewer);
      if (viewer && opts.hub.socketsOf(viewer.id) >= opts.hub.maxSocketsPerAccount) {
        return send(reply, 429, 'rate_limited', 'Too many live connections for this account; close a tab and retry.');
      }
    },
  }, (socket, request) => {
    opts.hub.accept(socket, resolved.get(request) ?? null);
  });
}
