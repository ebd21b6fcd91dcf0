// The reference for thread-read: bare node:http answering with the very JSON bytes a Haven
// case sends, with no framework, validation or database. BODIES_FILE holds a JSON array of
// bodies; GET /<n> answers with body n (GET / with the first).
import fs from 'node:fs';
import http from 'node:http';

const bodies = JSON.parse(fs.readFileSync(process.env.BODIES_FILE, 'utf8')).map((b) => Buffer.from(b));
http
  .createServer((req, res) => {
    const body = bodies[Number(req.url.slice(1)) || 0] ?? bodies[0];
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
