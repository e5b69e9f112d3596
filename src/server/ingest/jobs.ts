/**
 * Ingest jobs: ACCEPTED (parsed, queued for PutRecords) → IN_STREAM (every record stored; the
 * highest sequence number per shard is known) → COMMITTED (the first commit of the table whose
 * cumulative positions cover every one of those sequence numbers), or FAILED (a record was not
 * stored after the producer's retries).
 *
 * COMMITTED is decided from the commit events' positions, the same positions the consumer's
 * exactly-once rule rests on: a record is in the table once its shard's committed checkpoint is at
 * or above it (isCommitted). A record's position is (sequence number of the Kinesis record holding
 * it, its index in that KPL aggregate), (seq, 0) for a plain record; per shard the job keeps its
 * highest one. The consumer commits whole Kinesis records ("<seq>"), so an aggregate's sequence
 * number decides; a "<seq>:<sub>" checkpoint is still compared exactly.
 * "Committed" means processed: a record the table's rules rejected went to dead letters in that
 * same commit, and one dropped as a duplicate was already in the table.
 *
 * The store is in memory, per process, bounded by count and age: a restart forgets every job.
 */
import { randomUUID } from 'node:crypto';
import type { CommitEvent } from '../../consumer/metrics.js';
import {
  comparePositions,
  isCommitted,
  parseCheckpoint,
  type Checkpoint,
  type Position,
} from '../../consumer/position.js';

export type JobState = 'ACCEPTED' | 'IN_STREAM' | 'COMMITTED' | 'FAILED';

export interface JobStatus {
  readonly jobId: string;
  readonly table: string;
  readonly stream: string;
  readonly state: JobState;
  readonly records: number;
  /** Records stored in the stream so far. */
  readonly sent: number;
  /** Records the stream did not take. */
  readonly failed: number;
  readonly createdAt: string;
  readonly updatedAt: string;
  /**
   * Per shard: the sequence number of the newest Kinesis record holding records of the job
   * (IN_STREAM and after). With aggregation that record is a KPL aggregate shared with other jobs.
   */
  readonly sequenceNumbers?: Record<string, string>;
  /**
   * Per shard, when the job's records were aggregated: the sub-sequence number (index in the
   * aggregate `sequenceNumbers` names) of the job's last record there.
   */
  readonly subSequenceNumbers?: Record<string, number>;
  readonly snapshotId?: string;
  readonly committedAt?: string;
  readonly error?: string;
}

export class Job {
  state: JobState = 'ACCEPTED';
  sent = 0;
  failed = 0;
  /** Per shard: the highest position of the job's records. */
  readonly shards = new Map<string, Position>();
  /** Some record went in a KPL aggregate. */
  aggregated = false;
  snapshotId: string | undefined;
  committedAtMs: number | undefined;
  error: string | undefined;
  updatedAtMs: number;

  constructor(
    readonly id: string,
    readonly table: string,
    readonly stream: string,
    readonly records: number,
    readonly createdAtMs: number,
  ) {
    this.updatedAtMs = createdAtMs;
  }

  status(): JobStatus {
    const done = this.state === 'IN_STREAM' || this.state === 'COMMITTED';
    return {
      jobId: this.id,
      table: this.table,
      stream: this.stream,
      state: this.state,
      records: this.records,
      sent: this.sent,
      failed: this.failed,
      createdAt: new Date(this.createdAtMs).toISOString(),
      updatedAt: new Date(this.updatedAtMs).toISOString(),
      ...(done || this.shards.size > 0
        ? {
            sequenceNumbers: Object.fromEntries([...this.shards].map(([s, p]) => [s, p.sequence.toString()])),
          }
        : {}),
      ...(this.aggregated
        ? { subSequenceNumbers: Object.fromEntries([...this.shards].map(([s, p]) => [s, p.sub])) }
        : {}),
      ...(this.snapshotId !== undefined ? { snapshotId: this.snapshotId } : {}),
      ...(this.committedAtMs !== undefined
        ? { committedAt: new Date(this.committedAtMs).toISOString() }
        : {}),
      ...(this.error !== undefined ? { error: this.error } : {}),
    };
  }
}

export interface JobStoreOptions {
  /** Jobs kept at most; the oldest go first (default 100,000). */
  readonly maxJobs?: number;
  /** A job is forgotten this long after it was created (default 1 h). */
  readonly ttlMs?: number;
  /** Recent commits kept per table to settle jobs that reach IN_STREAM after their commit (default 64). */
  readonly recentCommits?: number;
  readonly now?: () => number;
}

/** Where recordSent's records are in their Kinesis record. */
export interface SentAt {
  /** Records (default 1). */
  readonly count?: number;
  /** Sub-sequence number of the last of them (default 0: a plain record, or an aggregate's first). */
  readonly lastSub?: number;
  /** The Kinesis record is a KPL aggregate. */
  readonly aggregated?: boolean;
}

interface TableTrack {
  /** IN_STREAM jobs waiting for a covering commit. */
  readonly waiting: Set<Job>;
  readonly recent: { snapshotId: string; atMs: number; positions: Map<string, Checkpoint> }[];
}

function covers(positions: ReadonlyMap<string, Checkpoint>, job: Job): boolean {
  for (const [shard, position] of job.shards) {
    if (!isCommitted(position, positions.get(shard))) return false;
  }
  return true;
}

export class JobStore {
  private readonly jobs = new Map<string, Job>();
  private readonly tables = new Map<string, TableTrack>();
  private readonly maxJobs: number;
  private readonly ttlMs: number;
  private readonly recentMax: number;
  private readonly now: () => number;

  constructor(options: JobStoreOptions = {}) {
    this.maxJobs = options.maxJobs ?? 100_000;
    this.ttlMs = options.ttlMs ?? 60 * 60_000;
    this.recentMax = options.recentCommits ?? 64;
    this.now = options.now ?? Date.now;
  }

  get size(): number {
    return this.jobs.size;
  }

  private track(table: string): TableTrack {
    let t = this.tables.get(table);
    if (!t) {
      t = { waiting: new Set(), recent: [] };
      this.tables.set(table, t);
    }
    return t;
  }

  private evict(job: Job): void {
    this.jobs.delete(job.id);
    this.tables.get(job.table)?.waiting.delete(job);
  }

  /** Drops expired jobs (oldest first: the map is in creation order) and keeps the count bound. */
  private sweep(): void {
    const limit = this.now() - this.ttlMs;
    for (const job of this.jobs.values()) {
      if (job.createdAtMs > limit && this.jobs.size < this.maxJobs) break;
      this.evict(job);
    }
  }

  create(table: string, stream: string, records: number): Job {
    this.sweep();
    const job = new Job(randomUUID(), table, stream, records, this.now());
    this.jobs.set(job.id, job);
    return job;
  }

  get(id: string): Job | undefined {
    const job = this.jobs.get(id);
    if (job && job.createdAtMs <= this.now() - this.ttlMs) {
      this.evict(job);
      return undefined;
    }
    return job;
  }

  /**
   * `count` records of the job (default 1) are stored in `shardId`, in the Kinesis record at
   * `sequenceNumber`; the last of them at sub-sequence `lastSub` (its index in the aggregate, 0
   * for a plain record).
   */
  recordSent(job: Job, shardId: string, sequenceNumber: string | bigint, at: SentAt = {}): void {
    job.sent += at.count ?? 1;
    if (at.aggregated) job.aggregated = true;
    const position: Position = {
      sequence: typeof sequenceNumber === 'bigint' ? sequenceNumber : BigInt(sequenceNumber),
      sub: at.lastSub ?? 0,
    };
    const had = job.shards.get(shardId);
    if (had === undefined || comparePositions(had, position) < 0) job.shards.set(shardId, position);
    this.settle(job);
  }

  /** `count` records of the job (default 1) were not stored. */
  recordFailed(job: Job, code: string, message: string, count = 1): void {
    job.failed += count;
    job.error ??= `${code}: ${message}`;
    this.settle(job);
  }

  private settle(job: Job): void {
    job.updatedAtMs = this.now();
    if (job.sent + job.failed < job.records || job.state !== 'ACCEPTED') return;
    if (job.failed > 0) {
      job.state = 'FAILED';
      return;
    }
    job.state = 'IN_STREAM';
    if (!this.jobs.has(job.id)) return;
    const t = this.track(job.table);
    // The commit may already have happened (a fast flush, or a trigger): oldest covering one wins.
    for (const c of t.recent) {
      if (covers(c.positions, job)) {
        this.committed(job, c.snapshotId, c.atMs);
        return;
      }
    }
    t.waiting.add(job);
  }

  private committed(job: Job, snapshotId: string, atMs: number): void {
    job.state = 'COMMITTED';
    job.snapshotId = snapshotId;
    job.committedAtMs = atMs;
    job.updatedAtMs = this.now();
  }

  /** A commit of a table: settles every waiting job its cumulative positions cover. */
  onCommit(e: CommitEvent): void {
    const positions = new Map<string, Checkpoint>();
    for (const [shard, text] of Object.entries(e.positions)) {
      try {
        positions.set(shard, parseCheckpoint(text));
      } catch {
        // A position floe cannot read covers nothing.
      }
    }
    const t = this.track(e.table);
    t.recent.push({ snapshotId: e.snapshotId, atMs: e.atMs, positions });
    if (t.recent.length > this.recentMax) t.recent.shift();
    for (const job of t.waiting) {
      if (covers(positions, job)) {
        t.waiting.delete(job);
        this.committed(job, e.snapshotId, e.atMs);
      }
    }
  }

  /** Jobs per state (the JSON metrics). */
  counts(): Record<JobState, number> {
    const out: Record<JobState, number> = { ACCEPTED: 0, IN_STREAM: 0, COMMITTED: 0, FAILED: 0 };
    for (const j of this.jobs.values()) out[j.state]++;
    return out;
  }
}
