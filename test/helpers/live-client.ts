import type { AddressInfo } from 'node:net';
import WebSocket from 'ws';
import { ORIGIN, type TestContext } from './context';

export interface LiveClient {
  ws: WebSocket;
  messages: any[];
  /** Resolves with the first message (already received or coming) that matches. */
  next(match: (m: any) => boolean, timeoutMs?: number): Promise<any>;
  events(): any[];
  send(frame: unknown): void;
  closed: Promise<{ code: number; reason: string }>;
  close(): void;
}

export async function listenOnce(ctx: TestContext): Promise<string> {
  if (!ctx.app.server.listening) await ctx.app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = ctx.app.server.address() as AddressInfo;
  return `ws://127.0.0.1:${port}/api/live`;
}

/** A real `ws` client of /api/live, recording every frame it receives. */
export function connect(url: string, opts: { cookie?: string; origin?: string | null } = {}): Promise<LiveClient> {
  const headers: Record<string, string> = {};
  if (opts.origin !== null) headers.origin = opts.origin ?? ORIGIN;
  if (opts.cookie) headers.cookie = opts.cookie;
  const ws = new WebSocket(url, { headers });
  const messages: any[] = [];
  const waiters: Array<{ match: (m: any) => boolean; resolve: (m: any) => void }> = [];
  ws.on('message', (data, isBinary) => {
    // Every frame of the contract is a text frame (a browser would get a Blob otherwise): a
    // binary one is recorded as what it is, so no test waiting for an event can pass on it.
    const m = isBinary ? { type: 'binary frame, not text' } : JSON.parse(String(data));
    messages.push(m);
    for (const w of [...waiters]) {
      if (w.match(m)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(m);
      }
    }
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => ws.on('close', (code, reason) => resolve({ code, reason: String(reason) })));
  const client: LiveClient = {
    ws,
    messages,
    closed,
    events: () => messages.filter((m) => m.type === 'event'),
    send: (frame) => ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame)),
    close: () => ws.close(),
    next(match, timeoutMs = 5_000) {
      const seen = messages.find(match);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(messages).slice(0, 800)}`)), timeoutMs);
        waiters.push({ match, resolve: (m) => (clearTimeout(timer), resolve(m)) });
      });
    },
  };
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(client));
    ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`upgrade refused: ${res.statusCode}`), { statusCode: res.statusCode })));
    ws.once('error', reject);
  });
}

export async function subscribe(client: LiveClient, topics: string[], since?: string) {
  client.send({ type: 'subscribe', topics, ...(since !== undefined ? { since } : {}) });
  return client.next((m) => m.type === 'subscribed' && m.topics.join() === topics.join());
}

/** A moderator with a live socket already on the `mod` topic. */
export async function moderatorSocket(ctx: TestContext) {
  const url = await listenOnce(ctx);
  const mod = await ctx.member('moderator');
  const socket = await connect(url, { cookie: mod.cookie });
  await subscribe(socket, ['mod']);
  return { mod, socket };
}
