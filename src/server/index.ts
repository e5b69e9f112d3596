/**
 * The HTTP server of `floe consume`: health, readiness, Prometheus metrics, the ingest API and
 * route modules such as the dashboard. See docs/metrics.md and the README's "HTTP API and metrics".
 */
export {
  startHttpServer,
  checkBinding,
  publicStaticPath,
  DEFAULT_HTTP_HOST,
  DEFAULT_HTTP_PORT,
  type HttpServer,
  type HttpServerOptions,
} from './server.js';
export { ApiKeys, loadApiKeys, isLoopbackHost, presentedKey, parseKeyList } from './auth.js';
export { DEFAULT_MAX_BODY_BYTES, readBody } from './body.js';
export { Readiness, DEFAULT_READINESS, type ReadinessOptions, type ReadyReport } from './health.js';
export { HttpError, sendJson, sendText, toJson } from './http.js';
export { PromMetrics, counterMetricName } from './prometheus.js';
export { Ingest, JobStore, type IngestOptions, type JobState, type JobStatus } from './ingest/index.js';
export { httpSettings, type HttpSettings } from './settings.js';
export type { ConsumerView, RouteHandler } from './types.js';
