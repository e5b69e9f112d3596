/**
 * The dashboard, mounted on the consumer's HTTP server: a static page (plain browser ES module
 * and CSS in ./assets, uPlot from node_modules) and one JSON endpoint over the in-memory history.
 *
 * The assets are read from `<package root>/src/server/dashboard/assets` whether this module runs
 * from src/ (tests, tsx) or dist/ (npm run build): they are plain files, so no copy step is
 * needed, but the package and the container must ship that folder.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConsumerView, RouteHandler } from '../types.js';
import { DashboardHistory, type HistoryOptions } from './history.js';

export { DashboardHistory, type DashboardData, type HistoryOptions } from './history.js';

export type DashboardRoutes = RouteHandler & {
  close(): void;
  readonly history: DashboardHistory;
  /**
   * True for the paths that carry no data (the redirect, the page, its scripts and styles): the
   * server should answer them without an API key, so a browser can load the page that then asks
   * for the key. The data call (/api/v1/dashboard) is not public.
   */
  isPublic(pathname: string): boolean;
};

export interface DashboardOptions extends HistoryOptions {
  readonly consumer: ConsumerView;
}

/** The page may load only its own files and call only its own origin: no inline script or style. */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The folder holding package.json above this module (src/ and dist/ both sit directly under it). */
function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  throw new Error('floe dashboard: package.json not found above ' + fileURLToPath(import.meta.url));
}

export function assetsDir(): string {
  return join(packageRoot(), 'src', 'server', 'dashboard', 'assets');
}

interface Asset {
  readonly body: Buffer;
  readonly type: string;
  readonly etag: string;
  readonly cacheControl: string;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
};

function loadAsset(path: string, cacheControl: string): Asset {
  const body = readFileSync(path);
  const ext = path.slice(path.lastIndexOf('.') + 1);
  return {
    body,
    type: TYPES[ext] ?? 'application/octet-stream',
    etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
    cacheControl,
  };
}

/** URL path → file, resolved once at mount so a missing asset fails at start, not on first view. */
function assetTable(): Map<string, () => Asset> {
  const dir = assetsDir();
  const require = createRequire(import.meta.url);
  const uplotJs = require.resolve('uplot/dist/uPlot.iife.min.js');
  const uplotCss = require.resolve('uplot/dist/uPlot.min.css');
  // The file names are not content-hashed: browsers revalidate ours (cheap 304s with the ETag);
  // the vendored uPlot only changes with an upgrade.
  const files: [string, string, string][] = [
    ['/dashboard/', join(dir, 'index.html'), 'no-cache'],
    ['/dashboard/app.js', join(dir, 'app.js'), 'no-cache'],
    ['/dashboard/app.css', join(dir, 'app.css'), 'no-cache'],
    ['/dashboard/vendor/uPlot.iife.min.js', uplotJs, 'public, max-age=86400'],
    ['/dashboard/vendor/uPlot.min.css', uplotCss, 'public, max-age=86400'],
  ];
  const table = new Map<string, () => Asset>();
  for (const [url, file, cache] of files) {
    if (!existsSync(file)) throw new Error(`floe dashboard: missing asset ${file}`);
    let cached: Asset | undefined;
    table.set(url, () => (cached ??= loadAsset(file, cache)));
  }
  return table;
}

const SECURITY_HEADERS = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

function sendAsset(req: IncomingMessage, res: ServerResponse, asset: Asset, page: boolean): void {
  const headers: Record<string, string> = {
    ...SECURITY_HEADERS,
    ETag: asset.etag,
    'Cache-Control': asset.cacheControl,
    ...(page ? { 'Content-Security-Policy': CONTENT_SECURITY_POLICY, 'X-Frame-Options': 'DENY' } : {}),
  };
  const match = req.headers['if-none-match'];
  if (match !== undefined && match.split(/\s*,\s*/).includes(asset.etag)) {
    res.writeHead(304, headers).end();
    return;
  }
  res.writeHead(200, {
    ...headers,
    'Content-Type': asset.type,
    'Content-Length': String(asset.body.length),
  });
  res.end(req.method === 'HEAD' ? undefined : asset.body);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    ...SECURITY_HEADERS,
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(text)),
    'Cache-Control': 'no-store',
  });
  res.end(text);
}

function epochParam(url: URL, name: string): number | undefined | 'bad' {
  const v = url.searchParams.get(name);
  if (v === null || v === '') return undefined;
  const n = Number(v);
  return Number.isFinite(n) && n >= 0 ? n : 'bad';
}

/**
 * Routes: `/` → redirect, `/dashboard/…` → the page and its files, and
 * `GET /api/v1/dashboard?table=&from=&to=&points=` (epoch ms; points = max points per series) → JSON.
 */
export function dashboardRoutes(o: DashboardOptions): DashboardRoutes {
  const assets = assetTable();
  const history = new DashboardHistory(o.consumer, o);

  const handler = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> => {
    const path = url.pathname;
    const isGet = req.method === 'GET' || req.method === 'HEAD';
    if (path === '/' || path === '/dashboard') {
      if (!isGet) return false;
      res.writeHead(302, { ...SECURITY_HEADERS, Location: '/dashboard/' }).end();
      return true;
    }
    if (path === '/api/v1/dashboard') {
      if (!isGet) {
        sendJson(res, 405, { error: 'method not allowed' });
        return true;
      }
      const from = epochParam(url, 'from');
      const to = epochParam(url, 'to');
      if (from === 'bad' || to === 'bad') {
        sendJson(res, 400, { error: 'from and to are epoch milliseconds' });
        return true;
      }
      if (from !== undefined && to !== undefined && from > to) {
        sendJson(res, 400, { error: 'from is after to' });
        return true;
      }
      const points = epochParam(url, 'points');
      if (
        points === 'bad' ||
        (points !== undefined && (!Number.isInteger(points) || points < 10 || points > 2000))
      ) {
        sendJson(res, 400, { error: 'points is an integer from 10 to 2000' });
        return true;
      }
      const table = url.searchParams.get('table') || null;
      if (table !== null && !o.consumer.tableNames().includes(table)) {
        sendJson(res, 404, { error: `unknown table ${table}` });
        return true;
      }
      sendJson(
        res,
        200,
        history.query({
          table,
          ...(from !== undefined ? { from } : {}),
          ...(to !== undefined ? { to } : {}),
          ...(points !== undefined ? { maxPoints: points } : {}),
        }),
      );
      return true;
    }
    const asset = assets.get(path);
    if (!asset || !isGet) return false;
    sendAsset(req, res, asset(), path === '/dashboard/');
    return true;
  };
  const isPublic = (pathname: string): boolean =>
    pathname === '/' || pathname === '/dashboard' || assets.has(pathname);
  return Object.assign(handler, { close: () => history.close(), history, isPublic });
}
