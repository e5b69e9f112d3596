/**
 * Ingest jobs: ACCEPTED (parsed, queued for PutRecords) → IN_STREAM (every record stored; the
 * highest sequence number per shard is known) → COMMITTED (the first commit of the table whose
 * cumulative positions cover every one of those sequence numbers), or FAILED (a record was not
 * stored after the producer's retries).
 *
 * COMMITTED is decided from the commit events' positions, the same positions the consumer's
 * exactly-once rule rests on: a record is in the table once its shard's committed checkpoint is at
 * or above it (isCommitted). Ingest sends plain records, so a record's position is (seq, 0).
 * "Committed" means processed: a record the table's rules rejected went to dead letters in that
 * same commit, and one dropped as a duplicate was already in the table.
 *
 * The store is in memory, per process, bounded by count and age: a restart forgets every job.
 */
import { randomUUID } from 'node:crypto';
import type { CommitEvent } from '../../consumer/metrics.js';
import { isCommitted, parseCheckpoint, type Checkpoint } from '../../consumer/position.js';

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
  /** Per shard: the highest sequence number of the job's records (IN_STREAM and after). */
  readonly sequenceNumbers?: Record<string, string>;
  readonly snapshotId?: string;
  readonly committedAt?: string;
  readonly error?: string;
}

export class Job {
  state: JobState = 'ACCEPTED';
  sent = 0;
  failed = 0;
  readonly shards = new Map<string, bigint>();
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
        ? { sequenceNumbers: Object.fromEntries([...this.shards].map(([s, n]) => [s, n.toString()])) }
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

interface TableTrack {
  /** IN_STREAM jobs waiting for a covering commit. */
  readonly waiting: Set<Job>;
  readonly recent: { snapshotId: string; atMs: number; positions: Map<string, Checkpoint> }[];
}

function covers(positions: ReadonlyMap<string, Checkpoint>, job: Job): boolean {
  for (const [shard, sequence] of job.shards) {
    if (!isCommitted({ sequence, sub: 0 }, positions.get(shard))) return false;
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

  /** One record of the job is stored in `shardId` at `sequenceNumber`. */
  recordSent(job: Job, shardId: string, sequenceNumber: string): void {
    job.sent++;
    const seq = BigInt(sequenceNumber);
    const had = job.shards.get(shardId);
    if (had === undefined || had < seq) job.shards.set(shardId, seq);
    this.settle(job);
  }

  /** One record of the job was not stored. */
  recordFailed(job: Job, code: string, message: string): void {
    job.failed++;
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
