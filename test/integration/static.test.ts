import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { CLIENT_DIST } from '../../server/http/spa';
import { useApp } from '../helpers/context';

const ctx = useApp();

describe('the web app’s files', () => {
  it('hashed assets go out pre-compressed (brotli, gzip), varying by Accept-Encoding, and cached for good; the page itself is never kept', async () => {
    const page = await ctx.app.inject({ method: 'GET', url: '/c/introductions' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['cache-control']).toBe('no-store');
    expect(page.headers.vary).toBe('accept-encoding');
    const compressedPage = await ctx.app.inject({ method: 'GET', url: '/c/introductions', headers: { 'accept-encoding': 'br' } });
    expect(compressedPage.headers['content-encoding']).toBe('br');
    expect(compressedPage.headers.vary).toBe('accept-encoding');
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(page.body)![1]!;
    const raw = fs.readFileSync(path.join(CLIENT_DIST, script));

    const br = await ctx.app.inject({ method: 'GET', url: script, headers: { 'accept-encoding': 'br, gzip' } });
    expect(br.headers['content-encoding']).toBe('br');
    expect(br.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(br.headers.vary).toBe('accept-encoding');
    expect(zlib.brotliDecompressSync(br.rawPayload).equals(raw)).toBe(true);

    const gz = await ctx.app.inject({ method: 'GET', url: script, headers: { 'accept-encoding': 'gzip' } });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(zlib.gunzipSync(gz.rawPayload).equals(raw)).toBe(true);

    const plain = await ctx.app.inject({ method: 'GET', url: script });
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.rawPayload.equals(raw)).toBe(true);
  });

  it('the whole app’s JavaScript stays within 50 KB gzipped', () => {
    const assets = path.join(CLIENT_DIST, 'assets');
    const total = fs.readdirSync(assets).filter((f) => f.endsWith('.js')).reduce((n, f) => n + zlib.gzipSync(fs.readFileSync(path.join(assets, f)), { level: 9 }).length, 0);
    expect(total).toBeLessThanOrEqual(50 * 1024);
  });
});
