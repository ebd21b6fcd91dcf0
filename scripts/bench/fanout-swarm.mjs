// A swarm of WebSocket watchers for the fanout benchmark, run as a child process so that
// the watchers' own work and file descriptors are spread over processes. Protocol (IPC):
// {open: {url, count, topic, origin}} → {ready}; {collect} → {receipts}; {close} → exits.
import { performance } from 'node:perf_hooks';
import WebSocket from 'ws';

const sockets = [];
const receipts = []; // [postId, epochMs]
const now = () => performance.timeOrigin + performance.now();

async function open({ url, count, topic, origin }) {
  const batch = 200;
  for (let i = 0; i < count; i += batch) {
    await Promise.all(
      Array.from({ length: Math.min(batch, count - i) }, () =>
        new Promise((resolve, reject) => {
          const ws = new WebSocket(url, { headers: { origin }, perMessageDeflate: false });
          ws.on('message', (data) => {
            const m = JSON.parse(String(data));
            if (m.type === 'subscribed') resolve();
            const id = m.data?.post?.id ?? m.postId;
            if (id) receipts.push([id, now()]);
          });
          ws.on('open', () => {
            sockets.push(ws);
            if (topic) ws.send(JSON.stringify({ type: 'subscribe', topics: [topic] }));
            else resolve();
          });
          ws.on('error', reject);
        }),
      ),
    );
  }
}

process.on('message', async (msg) => {
  if (msg.open) {
    try {
      await open(msg.open);
      process.send({ ready: sockets.length });
    } catch (err) {
      process.send({ error: String(err) });
    }
  } else if (msg.collect) {
    process.send({ receipts: receipts.splice(0) });
  } else if (msg.close) {
    for (const ws of sockets) ws.terminate();
    process.exit(0);
  }
});
