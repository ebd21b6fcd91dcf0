import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// The SPA builds into client/dist, which the Fastify server serves from the same origin.
export default defineConfig({
  root: 'client',
  plugins: [preact()],
  build: { outDir: 'dist', emptyOutDir: true, sourcemap: false },
  server: { proxy: { '/api': { target: 'http://127.0.0.1:3000', ws: true } } },
});
