/**
 * In-process metrics: monotonically increasing counters (in total and per table), a few gauges,
 * and events for what a counter cannot carry (each commit's latency, batch size, positions and
 * rejected records by rule; commit failures). The HTTP server (src/server) turns the snapshot into
 * Prometheus metrics and subscribes to the events for histograms, the dashboard and ingest job
 * status. Names are stable: Prometheus style `floe_<name>_total`.
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
export type Counters = Record<CounterName, number>;

/** One successful commit of a flush. */
export interface CommitEvent {
  readonly type: 'commit';
  readonly table: string;
  readonly stream: string;
  readonly snapshotId: string;
  readonly sequenceNumber: string;
  /** When the commit landed (epoch ms). */
  readonly atMs: number;
  /** From the start of the flush (decode, write, commit with its retries) to the commit landing. */
  readonly durationMs: number;
  /** Catalog commit attempts (1 = no retry). */
  readonly attempts: number;
  readonly dataFiles: number;
  readonly bytesWritten: number;
  readonly records: {
    readonly read: number;
    readonly written: number;
    readonly rejected: number;
    readonly deduped: number;
  };
  /** Payload bytes of the flush (the batch size in bytes). */
  readonly batchBytes: number;
  /** Rejected records of this flush by rule label (e.g. `latitude:range`, `decode`). */
  readonly rejectedByRule: Readonly<Record<string, number>>;
  /** The table's cumulative committed position per shard after this commit (`end` for finished shards). */
  readonly positions: Readonly<Record<string, string>>;
  /** Newest ApproximateArrivalTimestamp among the flush's records (epoch ms), when known. */
  readonly newestArrivalMs: number | null;
}

/** A flush whose commit failed after its retries (it stays pending and is retried later). */
export interface CommitFailedEvent {
  readonly type: 'commit-failed';
  readonly table: string;
  readonly stream: string;
  readonly snapshotId: string;
  readonly atMs: number;
  readonly kind: string;
  readonly message: string;
}

/** One catalog commit attempt failed and will be retried (a conflict or an unknown state). */
export interface CommitRetryEvent {
  readonly type: 'commit-retry';
  readonly table: string;
  readonly snapshotId: string;
  readonly atMs: number;
  readonly attempt: number;
  readonly kind: string;
}

export type ConsumerEvent = CommitEvent | CommitFailedEvent | CommitRetryEvent;
export type ConsumerEventListener = (event: ConsumerEvent) => void;

export interface TableGauges {
  readonly bufferedRecords: number;
  readonly bufferedBytes: number;
  readonly lastCommitAtMs: number | null;
  /** Newest ApproximateArrivalTimestamp among committed records: freshness = now − this. */
  readonly newestCommittedArrivalMs: number | null;
}

export interface MetricsSnapshot {
  readonly counters: Readonly<Counters>;
  readonly gauges: {
    readonly bufferedRecords: number;
    readonly bufferedBytes: number;
    /** Per `<stream>/<shardId>`: the last MillisBehindLatest seen. */
    readonly millisBehindLatest: Readonly<Record<string, number>>;
    readonly activeShards: number;
    readonly lastCommitAtMs: number | null;
  };
  /** Per table (`ns.name`): its counters and gauges. */
  readonly tables: Readonly<
    Record<string, { readonly counters: Readonly<Counters>; readonly gauges: TableGauges }>
  >;
}

const zeroCounters = (): Counters => Object.fromEntries(COUNTERS.map((c) => [c, 0])) as Counters;

/** What a table consumer and its shard readers record into: counts go to the table and the total. */
export interface MetricsSink {
  inc(name: CounterName, by?: number): void;
  readonly millisBehind: Map<string, number>;
}

class TableState {
  readonly counters = zeroCounters();
  bufferedRecords = 0;
  bufferedBytes = 0;
  lastCommitAtMs: number | null = null;
  newestCommittedArrivalMs: number | null = null;
}

/** The per-table view of `Metrics` handed to a TableConsumer and its readers. */
export class TableMetrics implements MetricsSink {
  constructor(
    private readonly root: Metrics,
    private readonly state: TableState,
    readonly table: string,
  ) {}

  get millisBehind(): Map<string, number> {
    return this.root.millisBehind;
  }

  inc(name: CounterName, by = 1): void {
    this.root.counters[name] += by;
    this.state.counters[name] += by;
  }

  /** Records (and their payload bytes) entering (+) or leaving (−) the table's buffer. */
  buffered(records: number, bytes: number): void {
    this.root.bufferedRecords += records;
    this.root.bufferedBytes += bytes;
    this.state.bufferedRecords += records;
    this.state.bufferedBytes += bytes;
  }

  shardStarted(): void {
    this.root.activeShards++;
  }

  shardFinished(): void {
    this.root.activeShards--;
  }

  emit(event: ConsumerEvent): void {
    if (event.type === 'commit') {
      this.root.lastCommitAtMs = event.atMs;
      this.state.lastCommitAtMs = event.atMs;
      const n = event.newestArrivalMs;
      if (n !== null && (this.state.newestCommittedArrivalMs ?? -Infinity) < n) {
        this.state.newestCommittedArrivalMs = n;
      }
    }
    this.root.emit(event);
  }
}

export class Metrics implements MetricsSink {
  readonly counters: Counters = zeroCounters();
  bufferedRecords = 0;
  bufferedBytes = 0;
  activeShards = 0;
  lastCommitAtMs: number | null = null;
  readonly millisBehind = new Map<string, number>();
  private readonly tables = new Map<string, TableState>();
  private readonly listeners = new Set<ConsumerEventListener>();

  inc(name: CounterName, by = 1): void {
    this.counters[name] += by;
  }

  /** The view for one table (created on first use; the same state on every call). */
  forTable(table: string): TableMetrics {
    let state = this.tables.get(table);
    if (!state) {
      state = new TableState();
      this.tables.set(table, state);
    }
    return new TableMetrics(this, state, table);
  }

  /** Subscribes to consumer events; returns the unsubscribe function. A throwing listener is ignored. */
  on(listener: ConsumerEventListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ConsumerEvent): void {
    for (const l of this.listeners) {
      try {
        l(event);
      } catch {
        // An observer must never break a commit.
      }
    }
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
      tables: Object.fromEntries(
        [...this.tables].map(([name, s]) => [
          name,
          {
            counters: { ...s.counters },
            gauges: {
              bufferedRecords: s.bufferedRecords,
              bufferedBytes: s.bufferedBytes,
              lastCommitAtMs: s.lastCommitAtMs,
              newestCommittedArrivalMs: s.newestCommittedArrivalMs,
            },
          },
        ]),
      ),
    };
  }
}
