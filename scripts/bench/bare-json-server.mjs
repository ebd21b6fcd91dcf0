// The reference for thread-read: bare node:http answering every request with the same
// JSON bytes a thread page would carry, with no framework, validation or database.
import http from 'node:http';

const body = Buffer.from(process.env.BODY ?? '{}');
http
  .createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'application/json; charset=utf-8', 'content-length': body.length });
    res.end(body);
  })
  .listen(Number(process.env.PORT), '127.0.0.1');
