/**
 * Contracts between the HTTP server (src/server), its route modules (the dashboard) and the
 * consumer. Routes see the consumer only through `ConsumerView`, so they can be tested against a
 * consumer driven by the in-memory Kinesis fake.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Health } from '../consumer/consumer.js';
import type { Metrics, MetricsSnapshot } from '../consumer/metrics.js';
import type { Checkpoint } from '../consumer/position.js';

/** What the server and its routes may ask of the running consumer. */
export interface ConsumerView {
  health(): Health;
  metricsSnapshot(): MetricsSnapshot;
  /** Committed positions per table (`ns.name`), per shard. */
  positions(): Map<string, ReadonlyMap<string, Checkpoint>>;
  tableNames(): string[];
  /** Flush and commit a table now; false for an unknown table. */
  flushNow(table: string): Promise<boolean>;
  /** Subscribe with `metrics.on(listener)` to commit events. */
  readonly metrics: Metrics;
}

/**
 * A route module: handles the request and returns true, or returns false to let the next module
 * try. The server has authenticated the request before calling a handler for a path that needs a
 * key (see src/server for which paths are public).
 */
export type RouteHandler = (req: IncomingMessage, res: ServerResponse, url: URL) => Promise<boolean>;
