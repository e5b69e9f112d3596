import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CONTENT_SECURITY_POLICY, dashboardRoutes, type DashboardRoutes } from './index.js';
import { FakeConsumer } from './test-helpers.js';

let server: Server;
let routes: DashboardRoutes;
let base: string;
const consumer = new FakeConsumer({ 'db.a': 'sa', 'db.b': 'sb' });

beforeAll(async () => {
  routes = dashboardRoutes({ consumer, intervalMs: 50 });
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    void routes(req, res, url).then((handled) => {
      if (!handled) res.writeHead(404).end('not mine');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  routes.close();
  await new Promise((r) => server.close(r));
});

describe('dashboard routes', () => {
  it('redirects / to /dashboard/', async () => {
    const r = await fetch(`${base}/`, { redirect: 'manual' });
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/dashboard/');
  });

  it('serves the page with a strict CSP and no inline script', async () => {
    const r = await fetch(`${base}/dashboard/`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(r.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe');
    const html = await r.text();
    expect(html).toContain('<script type="module" src="/dashboard/app.js"></script>');
    // Every <script> has a src: nothing inline for the CSP to block.
    expect([...html.matchAll(/<script\b[^>]*>/g)].every((m) => m[0].includes('src='))).toBe(true);
    expect(html).not.toMatch(/\sstyle=/);
  });

  it('serves app.js, app.css and uPlot with Cache-Control and an ETag; If-None-Match gives 304', async () => {
    for (const [path, type] of [
      ['/dashboard/app.js', 'text/javascript; charset=utf-8'],
      ['/dashboard/app.css', 'text/css; charset=utf-8'],
      ['/dashboard/vendor/uPlot.iife.min.js', 'text/javascript; charset=utf-8'],
      ['/dashboard/vendor/uPlot.min.css', 'text/css; charset=utf-8'],
    ] as const) {
      const r = await fetch(`${base}${path}`);
      expect(r.status, path).toBe(200);
      expect(r.headers.get('content-type')).toBe(type);
      expect(r.headers.get('cache-control')).toMatch(/no-cache|max-age=\d+/);
      const etag = r.headers.get('etag');
      expect(etag).toMatch(/^"[\w-]+"$/);
      expect((await r.text()).length).toBeGreaterThan(100);
      const again = await fetch(`${base}${path}`, { headers: { 'If-None-Match': etag as string } });
      expect(again.status).toBe(304);
    }
    expect(await (await fetch(`${base}/dashboard/vendor/uPlot.iife.min.js`)).text()).toContain('uPlot');
  });

  it('names the data-free paths as public, not the data call', () => {
    for (const p of ['/', '/dashboard/', '/dashboard/app.js', '/dashboard/vendor/uPlot.min.css'])
      expect(routes.isPublic(p), p).toBe(true);
    for (const p of ['/api/v1/dashboard', '/dashboard/x.js', '/metrics'])
      expect(routes.isPublic(p), p).toBe(false);
  });

  it('leaves other paths and methods to the next handler', async () => {
    expect((await fetch(`${base}/dashboard/../package.json`)).status).toBe(404);
    expect((await fetch(`${base}/dashboard/nope.js`)).status).toBe(404);
    expect((await fetch(`${base}/health`)).status).toBe(404);
    expect((await fetch(`${base}/dashboard/app.js`, { method: 'POST' })).status).toBe(404);
  });

  it('GET /api/v1/dashboard returns series, commits, rules, freshness and tables', async () => {
    const t = Date.now();
    consumer.commit('db.a', t, {
      written: 10,
      rejected: 2,
      snapshotId: '901',
      rejectedByRule: { 'x:range': 2 },
      newestArrivalMs: t - 100,
    });
    consumer.commit('db.b', t, { written: 3, snapshotId: '902' });
    routes.history.sample();
    const r = await fetch(`${base}/api/v1/dashboard?table=db.a&from=${t - 60_000}&to=${t + 60_000}`);
    expect(r.status).toBe(200);
    expect(r.headers.get('cache-control')).toBe('no-store');
    const body = (await r.json()) as Record<string, unknown> & { commits: { snapshotId: string }[] };
    expect(body.tables).toEqual(['db.a', 'db.b']);
    expect(body.table).toBe('db.a');
    expect(body.commits.map((c) => c.snapshotId)).toEqual(['901']);
    expect(body.rejectedByRule).toEqual([{ rule: 'x:range', count: 2 }]);
    expect(Object.keys(body.series as object)).toEqual([
      'time',
      'readPerSec',
      'writtenPerSec',
      'rejectedPerSec',
      'lagMs',
      'freshnessMs',
    ]);
    expect((body.series as { time: number[] }).time.length).toBeGreaterThan(0);
    expect((body.freshness as { table: string }[]).map((f) => f.table)).toEqual(['db.a', 'db.b']);
    const all = (await (await fetch(`${base}/api/v1/dashboard`)).json()) as typeof body;
    expect(all.table).toBeNull();
    expect(all.commits.map((c) => c.snapshotId)).toEqual(['902', '901']);
  });

  it('answers 400 for bad times, 404 for an unknown table, 405 for other methods', async () => {
    expect((await fetch(`${base}/api/v1/dashboard?from=yesterday`)).status).toBe(400);
    expect((await fetch(`${base}/api/v1/dashboard?from=10&to=5`)).status).toBe(400);
    expect((await fetch(`${base}/api/v1/dashboard?points=5`)).status).toBe(400);
    expect((await fetch(`${base}/api/v1/dashboard?points=100`)).status).toBe(200);
    const unknown = await fetch(`${base}/api/v1/dashboard?table=db.nope`);
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toEqual({ error: 'unknown table db.nope' });
    expect((await fetch(`${base}/api/v1/dashboard`, { method: 'POST' })).status).toBe(405);
  });
});
