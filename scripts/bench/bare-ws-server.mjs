// The reference for the fanout benchmark: a bare `ws` server. POST /post broadcasts one
// frame of the same size as Haven's post event to every client; nothing else.
import http from 'node:http';
import { WebSocketServer } from 'ws';

const frame = process.env.FRAME ?? '{}';
const server = http.createServer((req, res) => {
  if (req.method === 'POST') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { id } = JSON.parse(body || '{}');
      const text = frame.replace('__ID__', id);
      for (const client of wss.clients) client.send(text);
      res.writeHead(201).end();
    });
  } else res.writeHead(200).end('ok');
});
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * 1024 });
wss.on('connection', (ws) => ws.on('message', () => {}));
server.listen(Number(process.env.PORT), '127.0.0.1');

// For the memory benchmark: a full GC on request, then RSS.
process.on('message', (msg) => {
  if (msg === 'gc') {
    globalThis.gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    process.send?.({ rss, heap: heapUsed });
  }
});
