/**
 * Prometheus metrics (prom-client) on a registry of the server's own, never the global one: two
 * servers in one process (tests) or a library user's own metrics cannot collide.
 *
 * Counters and gauges are read from the consumer's in-process metrics at scrape time (collect
 * callbacks), so they cost nothing between scrapes and can never drift from the JSON API.
 * Histograms and per-rule/per-kind counters need each commit, so they come from the consumer's
 * events. Every name here is listed in docs/metrics.md; a test fails when one is not.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { COUNTERS, type CounterName, type ConsumerEvent } from '../consumer/metrics.js';
import type { ConsumerView } from './types.js';

/** `recordsWritten` → `floe_records_written_total`. */
export function counterMetricName(name: CounterName): string {
  return `floe_${name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}_total`;
}

const COUNTER_HELP: Record<CounterName, string> = {
  getRecordsCalls: 'GetRecords calls made',
  kinesisRecordsRead: 'Kinesis records read (an aggregate counts once)',
  recordsRead: 'user records read (after KPL de-aggregation)',
  bytesRead: 'payload bytes read',
  recordsSkipped: 'records skipped because the table already held them (at or below its committed position)',
  recordsWritten: 'records written to the table (committed)',
  recordsRejected: 'records rejected by decoding or validation rules (sent to dead letters)',
  recordsDeduped: 'records dropped as duplicates by the dedupe key',
  throttled: 'GetRecords calls throttled by Kinesis',
  iteratorsRenewed: 'shard iterators renewed after expiry',
  readErrors: 'GetRecords calls that failed',
  flushes: 'batches flushed',
  commits: 'successful commits',
  commitRetries: 'catalog commit attempts retried (conflict or unknown state)',
  commitFailures: 'flushes whose commit failed after its retries',
  dataFilesWritten: 'Parquet data files written',
  bytesWritten: 'Parquet bytes written',
  backpressureWaits: 'times reading paused because the buffer was full',
};

export type IngestOutcome = 'accepted' | 'sent' | 'failed';

export class PromMetrics {
  readonly registry = new Registry();
  private readonly commitDuration: Histogram<'table'>;
  private readonly batchRecords: Histogram<'table'>;
  private readonly batchBytes: Histogram<'table'>;
  private readonly conflicts: Counter<'table'>;
  private readonly rejectedByRule: Counter<'table' | 'rule'>;
  private readonly ingestRecords: Counter<'table' | 'outcome'>;
  private readonly httpRequests: Counter<'route' | 'code'>;
  private readonly unsubscribe: () => void;

  constructor(consumer: ConsumerView, now: () => number = Date.now) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    for (const name of COUNTERS) {
      new Counter({
        name: counterMetricName(name),
        help: `Per table: ${COUNTER_HELP[name]}.`,
        labelNames: ['table'],
        registers,
        collect() {
          this.reset();
          for (const [table, t] of Object.entries(consumer.metricsSnapshot().tables))
            this.inc({ table }, t.counters[name]);
        },
      });
    }

    const perTableGauge = (
      name: string,
      help: string,
      value: (
        g: ReturnType<ConsumerView['metricsSnapshot']>['tables'][string]['gauges'],
        table: string,
      ) => number | null,
    ): void => {
      new Gauge({
        name,
        help,
        labelNames: ['table'],
        registers,
        collect() {
          this.reset();
          for (const [table, t] of Object.entries(consumer.metricsSnapshot().tables)) {
            const v = value(t.gauges, table);
            if (v !== null) this.set({ table }, v);
          }
        },
      });
    };
    perTableGauge('floe_buffered_records', 'Records read and not yet committed.', (g) => g.bufferedRecords);
    perTableGauge('floe_buffered_bytes', 'Payload bytes read and not yet committed.', (g) => g.bufferedBytes);
    perTableGauge(
      'floe_freshness_seconds',
      'Age of the newest committed record: now minus its Kinesis ApproximateArrivalTimestamp.',
      (g) => (g.newestCommittedArrivalMs === null ? null : (now() - g.newestCommittedArrivalMs) / 1000),
    );
    perTableGauge('floe_last_commit_timestamp_seconds', 'When the table last committed (Unix time).', (g) =>
      g.lastCommitAtMs === null ? null : g.lastCommitAtMs / 1000,
    );
    new Gauge({
      name: 'floe_table_healthy',
      help: '1 while the table commits, 0 while its commits keep failing (reading is paused).',
      labelNames: ['table'],
      registers,
      collect() {
        this.reset();
        for (const t of consumer.health().tables) this.set({ table: t.table }, t.healthy ? 1 : 0);
      },
    });
    new Gauge({
      name: 'floe_millis_behind_latest',
      help: 'The last MillisBehindLatest GetRecords returned, per shard.',
      labelNames: ['stream', 'shard'],
      registers,
      collect() {
        this.reset();
        for (const [key, ms] of Object.entries(consumer.metricsSnapshot().gauges.millisBehindLatest)) {
          const cut = key.lastIndexOf('/');
          this.set({ stream: key.slice(0, cut), shard: key.slice(cut + 1) }, ms);
        }
      },
    });
    new Gauge({
      name: 'floe_active_shards',
      help: 'Shards being read by this process.',
      registers,
      collect() {
        this.set(consumer.metricsSnapshot().gauges.activeShards);
      },
    });

    this.commitDuration = new Histogram({
      name: 'floe_commit_duration_seconds',
      help: 'From the start of a flush (decode, write, commit with its retries) to the commit landing.',
      labelNames: ['table'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
      registers,
    });
    this.batchRecords = new Histogram({
      name: 'floe_batch_records',
      help: 'Records read per committed batch.',
      labelNames: ['table'],
      buckets: [1, 10, 100, 1_000, 10_000, 50_000, 100_000, 250_000, 500_000, 1_000_000],
      registers,
    });
    this.batchBytes = new Histogram({
      name: 'floe_batch_bytes',
      help: 'Payload bytes per committed batch.',
      labelNames: ['table'],
      buckets: [1 << 10, 1 << 14, 1 << 17, 1 << 20, 1 << 22, 1 << 24, 1 << 26, 1 << 28],
      registers,
    });
    this.conflicts = new Counter({
      name: 'floe_commit_conflicts_total',
      help: 'Catalog commit attempts that lost a race with another writer (retried).',
      labelNames: ['table'],
      registers,
    });
    this.rejectedByRule = new Counter({
      name: 'floe_records_rejected_by_rule_total',
      help: 'Rejected records by rule label (e.g. latitude:range, decode).',
      labelNames: ['table', 'rule'],
      registers,
    });
    this.ingestRecords = new Counter({
      name: 'floe_ingest_records_total',
      help: 'Records through the ingest API: accepted (parsed), sent (stored in the stream), failed (not stored).',
      labelNames: ['table', 'outcome'],
      registers,
    });
    this.httpRequests = new Counter({
      name: 'floe_http_requests_total',
      help: 'HTTP requests answered, by route and status code.',
      labelNames: ['route', 'code'],
      registers,
    });
    this.unsubscribe = consumer.metrics.on((e) => this.onEvent(e));
  }

  private onEvent(e: ConsumerEvent): void {
    if (e.type === 'commit') {
      const table = e.table;
      this.commitDuration.observe({ table }, e.durationMs / 1000);
      this.batchRecords.observe({ table }, e.records.read);
      this.batchBytes.observe({ table }, e.batchBytes);
      for (const [rule, n] of Object.entries(e.rejectedByRule))
        if (n > 0) this.rejectedByRule.inc({ table, rule }, n);
    } else if (e.type === 'commit-retry' && e.kind === 'commit-conflict') {
      this.conflicts.inc({ table: e.table });
    }
  }

  ingest(table: string, outcome: IngestOutcome, records: number): void {
    if (records > 0) this.ingestRecords.inc({ table, outcome }, records);
  }

  request(route: string, code: number): void {
    this.httpRequests.inc({ route, code: String(code) });
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  close(): void {
    this.unsubscribe();
    this.registry.clear();
  }
}
