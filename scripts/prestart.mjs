// `npm start` builds the SPA first when client/dist is missing or older than its sources,
// so a fresh clone needs nothing but `npm install && npm start`.
import { execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const newest = (dir) =>
  fs.readdirSync(dir, { withFileTypes: true }).reduce((max, e) => {
    const p = path.join(dir, e.name);
    return Math.max(max, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }, 0);

const built = 'client/dist/index.html';
const sources = Math.max(newest('client/src'), fs.statSync('client/index.html').mtimeMs, newest('server/contract'));
if (!fs.existsSync(built) || fs.statSync(built).mtimeMs < sources) {
  console.log('Building the web app (client/dist)…');
  execSync('npx vite build --logLevel warn', { stdio: 'inherit' });
}
