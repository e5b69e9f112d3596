/**
 * The consumer's HTTP server (node:http, no framework): health and readiness, Prometheus
 * metrics, the ingest API with job status, JSON metrics, a flush trigger, and extra route
 * modules (the dashboard) tried after the built-in routes.
 *
 * Auth: `/health` and `/ready` are public (probes carry no secrets); every other path, extra
 * modules included, needs an API key when keys are configured. Without keys the server binds
 * only to a loopback address (with a warning); binding anything else without keys is refused.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FloeError } from '../errors.js';
import { component, silentLogger, type Logger } from '../consumer/log.js';
import { ApiKeys, isLoopbackHost, presentedKey } from './auth.js';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import { Readiness, type ReadinessOptions } from './health.js';
import { HttpError, sendError, sendJson, sendText } from './http.js';
import { Ingest, type IngestOptions } from './ingest/index.js';
import { PromMetrics } from './prometheus.js';
import { Router, type Route } from './routes.js';
import type { ConsumerView, RouteHandler } from './types.js';

export const DEFAULT_HTTP_HOST = '127.0.0.1';
export const DEFAULT_HTTP_PORT = 8080;

export interface HttpServerOptions {
  readonly consumer: ConsumerView;
  /** Default 127.0.0.1. */
  readonly host?: string;
  /** Default 8080; 0 picks a free port. */
  readonly port?: number;
  /** Accepted API keys; none: only a loopback host may be bound. */
  readonly apiKeys?: readonly string[];
  /** The ingest API's dependencies; absent: ingest answers 503. */
  readonly ingest?: IngestOptions;
  /** Largest accepted request body (default 5 MiB). */
  readonly maxBodyBytes?: number;
  readonly readiness?: ReadinessOptions;
  readonly logger?: Logger;
  /** Extra route modules (e.g. the dashboard), tried in order after the built-in routes. */
  readonly routes?: readonly RouteHandler[];
  /**
   * Paths of extra modules answered without a key (default `publicStaticPath`: the dashboard's
   * page and script files, which hold no data; the page asks for a key for its data calls).
   */
  readonly publicPath?: (pathname: string, method: string) => boolean;
  /** Clock (tests). */
  readonly now?: () => number;
}

export interface HttpServer {
  /** e.g. `http://127.0.0.1:8080` */
  readonly url: string;
  readonly port: number;
  /** Extra: the Prometheus registry and the job store, for tests and embedding. */
  readonly metrics: PromMetrics;
  readonly ingest: Ingest | undefined;
  /** Stops accepting, sends what ingest queued (bounded wait), closes connections. */
  close(): Promise<void>;
}

/** `/`, `/dashboard` and `/dashboard/…` for GET/HEAD: static page files, no data. */
export function publicStaticPath(pathname: string, method: string): boolean {
  if (method !== 'GET' && method !== 'HEAD') return false;
  return pathname === '/' || pathname === '/dashboard' || pathname.startsWith('/dashboard/');
}

/** Refuses a keyless non-loopback bind (a config error, exit 2). */
export function checkBinding(host: string, keyCount: number): void {
  if (keyCount === 0 && !isLoopbackHost(host)) {
    throw new FloeError(
      'config',
      `the HTTP server would listen on ${host} without API keys: set FLOE_API_KEYS or FLOE_API_KEYS_FILE (or server.apiKeysFile), or bind 127.0.0.1`,
    );
  }
}

function hostForUrl(host: string): string {
  if (host === '0.0.0.0' || host === '::') return host === '::' ? '[::1]' : '127.0.0.1';
  return host.includes(':') ? `[${host}]` : host;
}

export async function startHttpServer(options: HttpServerOptions): Promise<HttpServer> {
  const host = options.host ?? DEFAULT_HTTP_HOST;
  const port = options.port ?? DEFAULT_HTTP_PORT;
  const keys = new ApiKeys(options.apiKeys ?? []);
  checkBinding(host, keys.size);
  const log = component(options.logger ?? silentLogger(), 'http');
  const consumer = options.consumer;
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const metrics = new PromMetrics(consumer, options.now);
  const readiness = new Readiness(consumer, options.readiness, options.now);
  const ingest = options.ingest ? new Ingest(options.ingest, consumer, metrics, log) : undefined;
  const extra = options.routes ?? [];
  const publicPath = options.publicPath ?? publicStaticPath;

  const noIngest = (): never => {
    throw new HttpError(503, 'the ingest API is not configured in this process');
  };
  const routes: Route[] = [
    {
      method: 'GET',
      path: '/health',
      name: '/health',
      public: true,
      handle: ({ res }) => {
        const l = readiness.liveness();
        sendJson(res, l.alive ? 200 : 503, { status: l.alive ? 'ok' : 'stopped', state: l.state });
      },
    },
    {
      method: 'GET',
      path: '/ready',
      name: '/ready',
      public: true,
      handle: async ({ res }) => {
        const r = await readiness.readiness();
        sendJson(res, r.ready ? 200 : 503, { status: r.ready ? 'ready' : 'not ready', ...r });
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      name: '/metrics',
      public: false,
      handle: async ({ res }) => sendText(res, 200, await metrics.text(), metrics.contentType),
    },
    {
      method: 'POST',
      path: '/api/v1/ingest',
      name: '/api/v1/ingest',
      public: false,
      handle: ({ req, res, url }) => (ingest ? ingest.ingest(req, res, url, maxBodyBytes) : noIngest()),
    },
    {
      method: 'GET',
      path: '/api/v1/status/:id',
      name: '/api/v1/status/{jobId}',
      public: false,
      handle: ({ res, params }) => (ingest ? ingest.status(res, params.id as string) : noIngest()),
    },
    {
      method: 'GET',
      path: '/api/v1/metrics',
      name: '/api/v1/metrics',
      public: false,
      handle: ({ res }) =>
        sendJson(res, 200, {
          ...consumer.metricsSnapshot(),
          health: consumer.health(),
          ...(ingest ? { ingestJobs: ingest.jobs.counts() } : {}),
        }),
    },
    {
      method: 'POST',
      path: '/api/v1/trigger/:table',
      name: '/api/v1/trigger/{table}',
      public: false,
      handle: async ({ req, res, params }) => {
        req.resume();
        const table = params.table as string;
        if (!consumer.tableNames().includes(table)) throw new HttpError(404, `unknown table ${table}`);
        // The flush runs on; 202 says it was started, its commit shows in /api/v1/metrics.
        const flushing = consumer.flushNow(table);
        flushing.catch((err: unknown) => log.error({ err, table }, 'triggered flush failed'));
        sendJson(res, 202, { table, flush: 'started' });
      },
    },
  ];
  const router = new Router(routes);

  const authorized = (req: IncomingMessage): boolean => keys.size === 0 || keys.verify(presentedKey(req));

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<string> {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://floe.invalid');
    } catch {
      throw new HttpError(400, 'bad request target');
    }
    let match;
    try {
      match = router.match(req.method ?? 'GET', url.pathname);
    } catch {
      throw new HttpError(400, 'bad percent-encoding in the path');
    }
    const isPublic =
      match.kind === 'route'
        ? match.route.public
        : match.kind === 'method'
          ? match.public
          : publicPath(url.pathname, req.method ?? 'GET');
    if (!isPublic && !authorized(req)) {
      throw new HttpError(401, 'an API key is needed: Authorization: Bearer <key> or X-API-Key: <key>', {
        'www-authenticate': 'Bearer realm="floe"',
      });
    }
    if (match.kind === 'route') {
      await match.route.handle({ req, res, url, params: match.params });
      return match.route.name;
    }
    if (match.kind === 'method') {
      throw Object.assign(
        new HttpError(405, `${req.method} is not allowed here; use ${match.allow.join(', ')}`, {
          allow: match.allow.join(', '),
        }),
        { route: match.name },
      );
    }
    for (const h of extra) if (await h(req, res, url)) return 'extra';
    throw new HttpError(404, `no such endpoint: ${url.pathname}`);
  }

  const server = createServer((req, res) => {
    const started = performance.now();
    handle(req, res)
      .then((name) => metrics.request(name, res.statusCode))
      .catch((err: unknown) => {
        const e = err instanceof HttpError ? err : new HttpError(500, 'internal error (see the server log)');
        if (!(err instanceof HttpError))
          log.error({ err, method: req.method, path: req.url?.split('?')[0] }, 'request failed');
        if (!req.complete) req.resume();
        if (!res.headersSent) sendError(res, e);
        else res.destroy();
        metrics.request(
          (err as { route?: string }).route ?? (e.status === 404 ? 'unknown' : 'error'),
          e.status,
        );
      })
      .finally(() => {
        if (log.isLevelEnabled('debug'))
          log.debug(
            {
              method: req.method,
              path: req.url?.split('?')[0],
              status: res.statusCode,
              ms: Math.round(performance.now() - started),
            },
            'request',
          );
      });
  });
  // Slow or idle clients cannot hold sockets forever.
  server.requestTimeout = 60_000;
  server.headersTimeout = 20_000;
  server.keepAliveTimeout = 5_000;

  await new Promise<void>((resolve, reject) => {
    const onError = (err: NodeJS.ErrnoException): void => {
      metrics.close();
      void ingest?.close(0);
      reject(
        new FloeError(
          err.code === 'EADDRINUSE' ? 'io' : 'config',
          err.code === 'EADDRINUSE'
            ? `the HTTP server cannot listen on ${host}:${port}: the port is in use`
            : `the HTTP server cannot listen on ${host}:${port}: ${err.message}`,
          { cause: err },
        ),
      );
    };
    server.once('error', onError);
    server.listen(port, host, () => {
      server.off('error', onError);
      resolve();
    });
  });
  const bound = (server.address() as AddressInfo).port;
  const url = `http://${hostForUrl(host)}:${bound}`;
  if (keys.size === 0)
    log.warn({ url }, 'the HTTP API has no API keys: it is reachable from this machine only');
  log.info({ url, apiKeys: keys.size }, 'HTTP server listening');

  let closing: Promise<void> | undefined;
  return {
    url,
    port: bound,
    metrics,
    ingest,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        server.closeIdleConnections();
        await ingest?.close();
        server.closeAllConnections();
        await closed;
        metrics.close();
      })();
      return closing;
    },
  };
}
