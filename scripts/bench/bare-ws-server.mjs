// The references for the fanout benchmark: a bare `ws` server. POST /post broadcasts one
// frame of the same size as Haven's post event to every client. With DATABASE_URL set it
// first does what a reply must at least do to be durable (BEGIN, INSERT, pg_notify, COMMIT,
// its statements prepared) and broadcasts once the commit is back, as Haven delivers a
// post only after its transaction commits. Nothing else: no session, validation or rendering.
import http from 'node:http';
import pg from 'pg';
import { WebSocketServer } from 'ws';

const frame = process.env.FRAME ?? '{}';
const pool = process.env.DATABASE_URL ? new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 4 }) : null;

async function durable(id) {
  if (!pool) return;
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query({ name: 'bare_insert', text: 'insert into bench_bare (thread_id, body) values ($1, $2) returning id', values: [1, id] });
    await client.query({ name: 'bare_notify', text: "select pg_notify('bench_bare', $1)", values: [rows[0].id] });
    await client.query('commit');
  } finally {
    client.release();
  }
}

const server = http.createServer((req, res) => {
  if (req.method === 'POST') {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      const { id } = JSON.parse(body || '{}');
      durable(id).then(
        () => {
          const text = frame.replace('__ID__', id);
          for (const client of wss.clients) client.send(text);
          res.writeHead(201).end();
        },
        (err) => {
          console.error(`bare write failed: ${err.message}`);
          res.writeHead(500).end();
        },
      );
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
