// Haven's server for the memory benchmark: the same startServer as `npm start`, plus an IPC
// command that runs a full GC and reports RSS, so that RSS per socket is not GC noise.
import { loadConfig } from '../../server/config';
import { startServer } from '../../server/server';

const app = await startServer(loadConfig());
process.on('message', (msg) => {
  if (msg === 'gc') {
    (globalThis as { gc?: () => void }).gc?.();
    const { rss, heapUsed } = process.memoryUsage();
    process.send?.({ rss, heap: heapUsed });
  }
});
process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
