/**
 * In-process metrics: monotonically increasing counters plus a few gauges. The server/ops issue
 * serves `snapshot()` over HTTP (names are stable; Prometheus style `floe_consumer_<name>_total`).
 */
export const COUNTERS = [
  'getRecordsCalls',
  'kinesisRecordsRead',
  'recordsRead',
  'bytesRead',
  'recordsSkipped',
  'recordsWritten',
  'recordsRejected',
  'recordsDeduped',
  'throttled',
  'iteratorsRenewed',
  'readErrors',
  'flushes',
  'commits',
  'commitRetries',
  'commitFailures',
  'dataFilesWritten',
  'bytesWritten',
  'backpressureWaits',
] as const;

export type CounterName = (typeof COUNTERS)[number];

export interface MetricsSnapshot {
  readonly counters: Readonly<Record<CounterName, number>>;
  readonly gauges: {
    readonly bufferedRecords: number;
    readonly bufferedBytes: number;
    /** Per `<stream>/<shardId>`: the last MillisBehindLatest seen. */
    readonly millisBehindLatest: Readonly<Record<string, number>>;
    readonly activeShards: number;
    readonly lastCommitAtMs: number | null;
  };
}

export class Metrics {
  readonly counters: Record<CounterName, number> = Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Record<
    CounterName,
    number
  >;
  bufferedRecords = 0;
  bufferedBytes = 0;
  activeShards = 0;
  lastCommitAtMs: number | null = null;
  readonly millisBehind = new Map<string, number>();

  inc(name: CounterName, by = 1): void {
    this.counters[name] += by;
  }

  snapshot(): MetricsSnapshot {
    return {
      counters: { ...this.counters },
      gauges: {
        bufferedRecords: this.bufferedRecords,
        bufferedBytes: this.bufferedBytes,
        millisBehindLatest: Object.fromEntries(this.millisBehind),
        activeShards: this.activeShards,
        lastCommitAtMs: this.lastCommitAtMs,
      },
    };
  }
}
