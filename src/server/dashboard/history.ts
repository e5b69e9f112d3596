/**
 * The dashboard's memory: samples the consumer's metrics every few seconds into a bounded ring
 * (24 h at 5 s by default) and keeps the recent commits and rejected-record counts by rule from
 * the consumer's commit events. Samples hold cumulative counters, not rates, so a rate over any
 * span (one interval, or a bucket of many when a long range is shown) is one subtraction and
 * stays exact when points are merged.
 */
import type { ConsumerEvent } from '../../consumer/metrics.js';
import type { ConsumerView } from '../types.js';
import { buckets, Ring } from './ring.js';

export interface TableSample {
  readonly read: number;
  readonly written: number;
  readonly rejected: number;
  readonly deduped: number;
  /** Max MillisBehindLatest over the table's stream shards; null before any read. */
  readonly lagMs: number | null;
  /** Sample time − newest committed arrival time; null before the first commit with arrivals. */
  readonly freshnessMs: number | null;
}

export interface Sample {
  readonly t: number;
  readonly tables: Readonly<Record<string, TableSample>>;
}

export interface CommitEntry {
  readonly table: string;
  readonly status: 'committed' | 'failed';
  readonly snapshotId: string;
  readonly atMs: number;
  readonly durationMs: number | null;
  readonly attempts: number | null;
  readonly dataFiles: number;
  readonly bytesWritten: number;
  readonly records: { read: number; written: number; rejected: number; deduped: number };
  readonly rejectedByRule: Readonly<Record<string, number>>;
  /** For a failed commit: the error kind and message. */
  readonly error?: string;
}

/** Time series over the requested range: parallel arrays, one entry per point (rates per second). */
export interface Series {
  readonly time: number[];
  readonly readPerSec: (number | null)[];
  readonly writtenPerSec: (number | null)[];
  readonly rejectedPerSec: (number | null)[];
  readonly lagMs: (number | null)[];
  readonly freshnessMs: (number | null)[];
}

export interface TableNow {
  readonly table: string;
  readonly stream: string | null;
  readonly healthy: boolean;
  readonly reason?: string;
  readonly freshnessMs: number | null;
  readonly lagMs: number | null;
  readonly lastCommitAtMs: number | null;
  readonly lastSnapshotId: string | null;
  readonly recordsWritten: number;
  readonly recordsRejected: number;
  readonly bufferedRecords: number;
}

export interface DashboardData {
  readonly now: number;
  readonly from: number;
  readonly to: number;
  /** The selected table, or null for all tables together. */
  readonly table: string | null;
  readonly tables: string[];
  readonly state: string;
  readonly healthy: boolean;
  readonly intervalMs: number;
  /** Since when the history holds data (process start of the dashboard). */
  readonly startedAtMs: number;
  readonly series: Series;
  /** Newest first, within the range. */
  readonly commits: CommitEntry[];
  /** Rejected records by rule since startedAtMs, largest first. */
  readonly rejectedByRule: { rule: string; count: number }[];
  readonly freshness: TableNow[];
}

export interface HistoryOptions {
  /** Sampling period (default 5000 ms). */
  readonly intervalMs?: number;
  /** How far back samples are kept (default 24 h). */
  readonly retentionMs?: number;
  /** Recent commit events kept (default 200). */
  readonly maxCommits?: number;
  /** Clock (tests). */
  readonly now?: () => number;
  /** Start the timer (default true; tests may call sample() themselves). */
  readonly autoStart?: boolean;
}

export interface QueryOptions {
  readonly table?: string | null;
  readonly from?: number;
  readonly to?: number;
  /** Points per series at most (default 600): longer ranges are merged into buckets. */
  readonly maxPoints?: number;
}

export const DEFAULT_INTERVAL_MS = 5_000;
export const DEFAULT_RETENTION_MS = 24 * 60 * 60 * 1000;
/** 24 h at 5 s is 17,281 samples; shorter intervals keep less than the retention. */
export const MAX_SAMPLES = 50_000;

function maxOrNull(values: Iterable<number | null>): number | null {
  let m: number | null = null;
  for (const v of values) if (v !== null && (m === null || v > m)) m = v;
  return m;
}

export class DashboardHistory {
  readonly intervalMs: number;
  readonly startedAtMs: number;
  private readonly ring: Ring<Sample>;
  private readonly commits: Ring<CommitEntry>;
  private readonly rejected = new Map<string, Map<string, number>>();
  private readonly clock: () => number;
  private readonly unsubscribe: () => void;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly consumer: ConsumerView,
    o: HistoryOptions = {},
  ) {
    this.intervalMs = Math.max(10, o.intervalMs ?? DEFAULT_INTERVAL_MS);
    this.clock = o.now ?? Date.now;
    this.startedAtMs = this.clock();
    // Capped so a short test interval with the default retention does not allocate millions of slots.
    const capacity = Math.min(
      MAX_SAMPLES,
      Math.ceil((o.retentionMs ?? DEFAULT_RETENTION_MS) / this.intervalMs) + 1,
    );
    this.ring = new Ring<Sample>(capacity, (s) => s.t);
    this.commits = new Ring<CommitEntry>(Math.max(1, o.maxCommits ?? 200), (c) => c.atMs);
    this.unsubscribe = consumer.metrics.on((e) => this.onEvent(e));
    this.sample();
    if (o.autoStart !== false) {
      this.timer = setInterval(() => this.sample(), this.intervalMs);
      // The dashboard must never keep a stopping process alive.
      this.timer.unref();
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    this.unsubscribe();
  }

  get sampleCount(): number {
    return this.ring.size;
  }

  private streams(): Map<string, string> {
    return new Map(this.consumer.health().tables.map((t) => [t.table, t.stream]));
  }

  /** Takes one sample now (the timer calls this; tests may too). */
  sample(): Sample {
    const t = this.clock();
    const snap = this.consumer.metricsSnapshot();
    const streams = this.streams();
    const tables: Record<string, TableSample> = {};
    for (const [name, m] of Object.entries(snap.tables)) {
      const newest = m.gauges.newestCommittedArrivalMs;
      tables[name] = {
        read: m.counters.recordsRead,
        written: m.counters.recordsWritten,
        rejected: m.counters.recordsRejected,
        deduped: m.counters.recordsDeduped,
        lagMs: lagOf(snap.gauges.millisBehindLatest, streams.get(name)),
        freshnessMs: newest === null ? null : Math.max(0, t - newest),
      };
    }
    const last = this.ring.last();
    // A clock stepping back would break the ring's time order: such a sample replaces nothing.
    const sample = { t: last && last.t > t ? last.t : t, tables };
    this.ring.push(sample);
    return sample;
  }

  private onEvent(e: ConsumerEvent): void {
    if (e.type === 'commit') {
      this.commits.push({
        table: e.table,
        status: 'committed',
        snapshotId: e.snapshotId,
        atMs: e.atMs,
        durationMs: e.durationMs,
        attempts: e.attempts,
        dataFiles: e.dataFiles,
        bytesWritten: e.bytesWritten,
        records: { ...e.records },
        rejectedByRule: { ...e.rejectedByRule },
      });
      let byRule = this.rejected.get(e.table);
      if (!byRule) this.rejected.set(e.table, (byRule = new Map()));
      for (const [rule, n] of Object.entries(e.rejectedByRule)) byRule.set(rule, (byRule.get(rule) ?? 0) + n);
    } else if (e.type === 'commit-failed') {
      this.commits.push({
        table: e.table,
        status: 'failed',
        snapshotId: e.snapshotId,
        atMs: e.atMs,
        durationMs: null,
        attempts: null,
        dataFiles: 0,
        bytesWritten: 0,
        records: { read: 0, written: 0, rejected: 0, deduped: 0 },
        rejectedByRule: {},
        error: `${e.kind}: ${e.message}`,
      });
    }
  }

  /** The selected table's (or all tables') series, commits, rejected counts and current freshness. */
  query(q: QueryOptions = {}): DashboardData {
    const now = this.clock();
    const to = q.to ?? now;
    const from = q.from ?? to - 60 * 60 * 1000;
    const table = q.table ?? null;
    const names = this.consumer.tableNames();
    const health = this.consumer.health();
    const pick = (s: Sample): TableSample | undefined =>
      table === null ? combine(Object.values(s.tables)) : s.tables[table];

    const points = this.ring.range(from, to, true);
    let base: Sample | undefined;
    let rest = points;
    if (points.length > 0 && points[0]!.t < from) {
      base = points[0];
      rest = points.slice(1);
    }
    const series: Series = {
      time: [],
      readPerSec: [],
      writtenPerSec: [],
      rejectedPerSec: [],
      lagMs: [],
      freshnessMs: [],
    };
    for (const [s, e] of buckets(rest.length, q.maxPoints ?? 600)) {
      const end = rest[e - 1]!;
      const prior = s > 0 ? rest[s - 1] : base;
      const a = prior ? pick(prior) : undefined;
      const b = pick(end);
      const dt = prior ? (end.t - prior.t) / 1000 : 0;
      const rate = (k: 'read' | 'written' | 'rejected'): number | null =>
        a && b && dt > 0 ? Math.max(0, b[k] - a[k]) / dt : null;
      const inBucket = rest.slice(s, e).map(pick);
      series.time.push(end.t);
      series.readPerSec.push(rate('read'));
      series.writtenPerSec.push(rate('written'));
      series.rejectedPerSec.push(rate('rejected'));
      series.lagMs.push(maxOrNull(inBucket.map((x) => x?.lagMs ?? null)));
      series.freshnessMs.push(maxOrNull(inBucket.map((x) => x?.freshnessMs ?? null)));
    }

    const commits = this.commits
      .range(from, to)
      .filter((c) => table === null || c.table === table)
      .reverse();

    const byRule = new Map<string, number>();
    for (const [t, rules] of this.rejected) {
      if (table !== null && t !== table) continue;
      for (const [rule, n] of rules) byRule.set(rule, (byRule.get(rule) ?? 0) + n);
    }

    const snap = this.consumer.metricsSnapshot();
    const streams = new Map(health.tables.map((t) => [t.table, t]));
    const freshness: TableNow[] = names.map((name) => {
      const m = snap.tables[name];
      const st = streams.get(name);
      const newest = m?.gauges.newestCommittedArrivalMs ?? null;
      return {
        table: name,
        stream: st?.stream ?? null,
        healthy: st?.healthy ?? true,
        ...(st?.reason !== undefined ? { reason: st.reason } : {}),
        freshnessMs: newest === null ? null : Math.max(0, now - newest),
        lagMs: lagOf(snap.gauges.millisBehindLatest, st?.stream),
        lastCommitAtMs: m?.gauges.lastCommitAtMs ?? null,
        lastSnapshotId: st?.lastSnapshotId ?? null,
        recordsWritten: m?.counters.recordsWritten ?? 0,
        recordsRejected: m?.counters.recordsRejected ?? 0,
        bufferedRecords: m?.gauges.bufferedRecords ?? 0,
      };
    });

    return {
      now,
      from,
      to,
      table,
      tables: names,
      state: health.state,
      healthy: health.healthy,
      intervalMs: this.intervalMs,
      startedAtMs: this.startedAtMs,
      series,
      commits,
      rejectedByRule: [...byRule]
        .map(([rule, count]) => ({ rule, count }))
        .sort((x, y) => y.count - x.count || x.rule.localeCompare(y.rule)),
      freshness,
    };
  }
}

/** Max MillisBehindLatest over the shards of `stream` (keys are `<stream>/<shardId>`). */
export function lagOf(
  millisBehind: Readonly<Record<string, number>>,
  stream: string | undefined,
): number | null {
  if (stream === undefined) return null;
  const prefix = `${stream}/`;
  return maxOrNull(
    Object.entries(millisBehind)
      .filter(([k]) => k.startsWith(prefix))
      .map(([, v]) => v),
  );
}

/** All tables as one: counters add up, lag and freshness take the worst. */
function combine(samples: TableSample[]): TableSample | undefined {
  if (samples.length === 0) return undefined;
  return {
    read: samples.reduce((n, s) => n + s.read, 0),
    written: samples.reduce((n, s) => n + s.written, 0),
    rejected: samples.reduce((n, s) => n + s.rejected, 0),
    deduped: samples.reduce((n, s) => n + s.deduped, 0),
    lagMs: maxOrNull(samples.map((s) => s.lagMs)),
    freshnessMs: maxOrNull(samples.map((s) => s.freshnessMs)),
  };
}
