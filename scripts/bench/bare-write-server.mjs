// The reference for writes: bare node:http and pg doing, for each POST, what a reply must at
// least do (BEGIN, INSERT the body returning its id, pg_notify, COMMIT) and answering 201 with
// the very bytes Haven answers a reply with. No framework, session, validation or rendering.
// Its statements are prepared, as Haven's hot statements are. GET / answers 200 (readiness).
import fs from 'node:fs';
import http from 'node:http';
import pg from 'pg';

const answer = Buffer.from(fs.readFileSync(process.env.BODY_FILE, 'utf8'));
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });

async function write(threadId, body) {
  const client = await pool.connect();
  try {
    await client.query('begin');
    const { rows } = await client.query({ name: 'bare_insert', text: 'insert into bench_bare (thread_id, body) values ($1, $2) returning id', values: [threadId, body] });
    await client.query({ name: 'bare_notify', text: "select pg_notify('bench_bare', $1)", values: [rows[0].id] });
    await client.query('commit');
  } catch (err) {
    await client.query('rollback').catch(() => {});
    throw err;
  } finally {
    client.release();
  }
}

http
  .createServer((req, res) => {
    if (req.method !== 'POST') return res.end('ok');
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const { body } = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      write(Number(req.url.split('/')[3]) || 0, body).then(
        () => {
          res.writeHead(201, { 'content-type': 'application/json; charset=utf-8', 'content-length': answer.length });
          res.end(answer);
        },
        () => {
          res.statusCode = 500;
          res.end();
        },
      );
    });
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
