/**
 * One table fed by one stream: shard discovery and scheduling (children after their parents are
 * finished AND committed), the bounded buffer the shard readers fill, flushes on records / bytes /
 * age, one exactly-once commit per flush, and the failure mode (a commit that keeps failing pauses
 * reading, marks the table unhealthy and is retried later with the same files and positions).
 *
 * Positions only ever advance through a successful commit: `committed` is replaced by what the
 * commit wrote, never by what was read.
 */
import { FloeError, isFloeError } from '../errors.js';
import { identifierToString, type Catalog, type LoadedTable } from '../iceberg/catalog.js';
import type { DataFile } from '../iceberg/spec/model.js';
import { newSnapshotId } from '../iceberg/table/ids.js';
import type { Table } from '../iceberg/table/index.js';
import type { ColumnBatch } from '../iceberg/writer/batch.js';
import type { DataWriter } from '../iceberg/writer/index.js';
import { PayloadDecoder } from '../records/payloads.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { commitWithPositions } from './commit.js';
import { component, type Logger } from './log.js';
import { backoff, ThrottleRegistry } from './limits.js';
import type { TableMetrics } from './metrics.js';
import type { KinesisReadApi, ShardDescription } from './kinesis.js';
import { positionsFromSummary, positionsToJson, type Checkpoint, type Position } from './position.js';
import {
  DEFAULT_TARGET_RESPONSE_BYTES,
  ShardReader,
  type ChunkRecord,
  type ReadChunk,
  type ShardSink,
} from './shard-reader.js';

export interface BatchingOptions {
  /** Flush at least this often while records are buffered (default 10 s, at least 1 s). */
  readonly commitIntervalMs: number;
  /** Flush when this many user records are buffered (default 250,000). */
  readonly maxBatchRecords: number;
  /** Flush when this many payload bytes are buffered (default 64 MiB). */
  readonly maxBatchBytes: number;
  /** Reading pauses while buffered + committing payload bytes exceed this (default 256 MiB). */
  readonly maxBufferBytes: number;
}

export const DEFAULT_BATCHING: BatchingOptions = {
  commitIntervalMs: 10_000,
  maxBatchRecords: 250_000,
  maxBatchBytes: 64 * 1024 * 1024,
  maxBufferBytes: 256 * 1024 * 1024,
};

export interface ReaderTuning {
  readonly idleMs?: number;
  readonly limit?: number;
  readonly shardRefreshMs?: number;
  readonly maxBackoffMs?: number;
}

/** A decoded record that was rejected: what a dead-letter writer needs. */
export interface RejectedRecord {
  readonly stream: string;
  readonly shardId: string;
  readonly position: Position;
  readonly partitionKey: string;
  readonly raw: string;
  readonly reasons: readonly string[];
  readonly aggregated?: true;
}

/** Where a decoded row came from: its shard and its record. */
export interface RecordOrigin {
  readonly shardId: string;
  readonly record: ChunkRecord;
}

/** What a flush's processing reports once all its rows went through `FlushStep.process`. */
export interface FlushOutcome {
  /** Records rejected in this flush (decode failures included). */
  readonly rejected: number;
  readonly deduped: number;
  /** Rejected records by rule label (decode failures included), for metrics. */
  readonly rejectedByRule?: Record<string, number>;
  /** Properties for the flush's snapshot summary. */
  readonly summary?: Record<string, string>;
}

/**
 * One flush's processing. A flush is decoded and written in slices of a few thousand records
 * (so what is decoded at once stays small and short-lived): `process` runs once per slice, in
 * record order, and `finish` once after the last slice, before the data files are closed and
 * committed.
 */
export interface FlushStep {
  /**
   * One slice: `batch` holds its decoded rows, `origin(row)` the record of a row of `batch`,
   * `rejected` the slice's records that failed decoding. Returns the rows to write.
   */
  process(input: {
    batch: ColumnBatch;
    origin: (row: number) => RecordOrigin;
    rejected: readonly RejectedRecord[];
  }): ColumnBatch;
  finish(): Promise<FlushOutcome>;
}

/**
 * What happens between decoding and writing (validation, cleaning, dedupe, dead letters).
 * `begin` starts a flush whose snapshot will have `snapshotId` (every commit attempt keeps it);
 * `committed` runs after that commit landed; `abandoned` when it will not be committed.
 */
export interface FlushProcessor {
  begin(snapshotId: bigint): FlushStep;
  committed?(snapshotId: bigint): Promise<void>;
  /** The flush will not be committed: its records will be processed again (or never, at shutdown). */
  abandoned?(snapshotId: bigint): Promise<void>;
}

export interface TableConsumerOptions {
  /** Writes data files (schema, spec, properties); commits go through `catalog`. */
  readonly table: Table;
  readonly catalog: Catalog;
  readonly stream: string;
  readonly format: 'json' | 'csv';
  readonly csvHeader?: readonly string[];
  readonly api: KinesisReadApi;
  readonly store: CheckpointStore;
  readonly metrics: TableMetrics;
  readonly log: Logger;
  readonly batching?: Partial<BatchingOptions>;
  readonly reader?: ReaderTuning;
  readonly throttles?: ThrottleRegistry;
  readonly initialPosition?: 'TRIM_HORIZON' | 'LATEST';
  readonly processor?: FlushProcessor;
  /** Records per slice of a flush (default 1,024; see SLICE_RECORDS). */
  readonly sliceRecords?: number;
  /** Health changes (the consumer aggregates them). */
  readonly onHealth?: (healthy: boolean, reason?: string) => void;
}

type ShardStateName = 'waiting' | 'reading' | 'finished' | 'done';

interface ShardState {
  desc: ShardDescription;
  state: ShardStateName;
  reader?: ShardReader;
}

interface PendingFlush {
  readonly snapshotId: bigint;
  readonly files: readonly DataFile[];
  readonly advance: Map<string, Checkpoint>;
  readonly ended: readonly string[];
  readonly bytes: number;
  readonly recordsIn: number;
  readonly rowsWritten: number;
  readonly rejected: number;
  readonly deduped: number;
  readonly extra: Record<string, string>;
  readonly rejectedByRule: Record<string, number>;
  readonly newestArrivalMs: number | null;
  readonly startedAtMs: number;
  failures: number;
}

export interface TableStatus {
  readonly table: string;
  readonly stream: string;
  readonly healthy: boolean;
  readonly reason?: string;
  readonly positions: Record<string, string>;
  readonly shards: Record<string, ShardStateName>;
  readonly lastSnapshotId?: string;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/**
 * Records per slice of a flush (decoded, processed and written together). Small on purpose: a
 * slice's decoded values then die young, where collecting them is cheap. Decoding a whole flush
 * at once kept ~10^5 rows of values alive long enough to be promoted; measured on the consume
 * benchmark (200k NYC-311 records, instructions of the whole run): 1,024 records per slice took
 * ~20% fewer instructions than one batch per flush, 4,096 ~2% fewer, 16,384 ~2% more; 256–1,024
 * were alike.
 */
const SLICE_RECORDS = 1024;

interface Slice {
  readonly payloads: Uint8Array[];
  /** The shard and record of the slice's `index`-th payload. */
  origin(index: number): RecordOrigin;
}

/** Consecutive pieces of the chunks' records, in order, at most `size` records each. */
function* slices(chunks: readonly ReadChunk[], size: number): Generator<Slice> {
  let left = 0;
  for (const chunk of chunks) left += chunk.data.length;
  // Arrays of their final size, filled by index: a slice's payload list never grows.
  let payloads = new Array<Uint8Array>(Math.min(size, left));
  let filled = 0;
  let parts: { chunk: ReadChunk; from: number; at: number }[] = [];
  for (const chunk of chunks) {
    const recs = chunk.data;
    let i = 0;
    while (i < recs.length) {
      const take = Math.min(payloads.length - filled, recs.length - i);
      parts.push({ chunk, from: i, at: filled });
      for (let k = i; k < i + take; k++) payloads[filled++] = recs[k] as Uint8Array;
      i += take;
      if (filled === payloads.length) {
        yield slice(payloads, parts);
        left -= filled;
        payloads = new Array<Uint8Array>(Math.min(size, left));
        filled = 0;
        parts = [];
      }
    }
  }
}

function slice(
  payloads: Uint8Array[],
  parts: readonly { chunk: ReadChunk; from: number; at: number }[],
): Slice {
  return {
    payloads,
    origin(index) {
      // The last part that starts at or before `index`.
      let lo = 0;
      let hi = parts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((parts[mid] as { at: number }).at <= index) lo = mid;
        else hi = mid - 1;
      }
      const p = parts[lo] as { chunk: ReadChunk; from: number; at: number };
      return { shardId: p.chunk.shardId, record: p.chunk.record(p.from + index - p.at) };
    },
  };
}

export class TableConsumer {
  readonly name: string;
  private readonly batching: BatchingOptions;
  private readonly log: Logger;
  private readonly auditLog: Logger;
  private readonly shards = new Map<string, ShardState>();
  private committed = new Map<string, Checkpoint>();
  private buffer: ReadChunk[] = [];
  private bufferedRecords = 0;
  private bufferedBytes = 0;
  private inflightBytes = 0;
  private oldestAt = 0;
  private pending: PendingFlush | undefined;
  private healthy = true;
  private reason: string | undefined;
  private stopping = false;
  private paused = false;
  private spaceWaiters: (() => void)[] = [];
  private gateWaiters: (() => void)[] = [];
  private lastSnapshotId: bigint | undefined;
  private lastShardRefresh = 0;
  private readonly throttles: ThrottleRegistry;
  private flushing: Promise<void> | undefined;
  private loaded: LoadedTable | undefined;
  private decoder: PayloadDecoder | undefined;

  constructor(private readonly o: TableConsumerOptions) {
    this.name = identifierToString(o.table.identifier);
    const b = { ...DEFAULT_BATCHING, ...o.batching };
    this.batching = { ...b, commitIntervalMs: Math.max(1000, b.commitIntervalMs) };
    this.log = component(o.log, 'table-consumer', { table: this.name, stream: o.stream });
    this.auditLog = component(o.log, 'commit', { table: this.name, stream: o.stream });
    this.throttles = o.throttles ?? new ThrottleRegistry();
  }

  // ------------------------------------------------------------------ status

  status(): TableStatus {
    return {
      table: this.name,
      stream: this.o.stream,
      healthy: this.healthy,
      ...(this.reason ? { reason: this.reason } : {}),
      positions: positionsToJson(this.committed),
      shards: Object.fromEntries([...this.shards].map(([id, s]) => [id, s.state])),
      ...(this.lastSnapshotId !== undefined ? { lastSnapshotId: this.lastSnapshotId.toString() } : {}),
    };
  }

  /** The committed checkpoint per shard (what the table's current snapshot says). */
  positions(): ReadonlyMap<string, Checkpoint> {
    return this.committed;
  }

  isHealthy(): boolean {
    return this.healthy;
  }

  // ------------------------------------------------------------------ lifecycle

  async start(): Promise<void> {
    await this.o.table.refresh();
    this.loaded = await this.o.catalog.loadTable(this.o.table.identifier);
    const head = this.o.table.currentSnapshot();
    this.committed = positionsFromSummary(head?.summary, this.o.stream);
    this.lastSnapshotId = head?.snapshotId;
    const stored = await this.o.store.load(this.name, this.o.stream);
    if (stored && head && stored.snapshotId !== head.snapshotId.toString()) {
      // The table is the truth; the store only lags (crash after commit) or belongs to a rolled-back table.
      this.log.info(
        { stored: stored.snapshotId, head: head.snapshotId.toString() },
        'checkpoint store differs from the table; using the table',
      );
    }
    this.log.info({ positions: positionsToJson(this.committed) }, 'resuming after committed positions');
    await this.refreshShards();
  }

  /** Periodic work: shard refresh, flush triggers, pending-commit retries. Call every ~100 ms. */
  async tick(now = Date.now()): Promise<void> {
    if (this.flushing) return;
    if (now - this.lastShardRefresh >= (this.o.reader?.shardRefreshMs ?? 30_000)) {
      await this.refreshShards().catch((err: unknown) =>
        this.log.warn({ err }, 'ListShards failed; will retry'),
      );
    }
    if (this.pending) {
      if (now >= this.retryAt) await this.runFlush(() => this.commitPending());
      return;
    }
    if (this.shouldFlush(now)) await this.runFlush(() => this.flush());
  }

  private retryAt = 0;

  private runFlush(fn: () => Promise<void>): Promise<void> {
    this.flushing = fn().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  private shouldFlush(now: number): boolean {
    if (this.bufferedRecords >= this.batching.maxBatchRecords) return true;
    if (this.bufferedBytes >= this.batching.maxBatchBytes) return true;
    if (this.buffer.length > 0 && now - this.oldestAt >= this.batching.commitIntervalMs) return true;
    // A finished shard's children wait for its `end` to be committed: do not make them wait a full interval.
    return [...this.shards.values()].some((s) => s.state === 'finished');
  }

  /** Every shard read to the tip (or finished and committed) and nothing left to commit. */
  caughtUp(): boolean {
    if (this.pending || this.buffer.length > 0) return false;
    for (const s of this.shards.values()) {
      if (s.state === 'done') continue;
      if (s.state === 'reading' && s.reader?.caughtUp && !s.reader.finished) continue;
      return false;
    }
    return true;
  }

  /** Every reader is at the tip: what is buffered is all there is for now (drain mode). */
  readersCaughtUp(): boolean {
    for (const s of this.shards.values()) {
      if (s.state === 'done' || s.state === 'finished') continue;
      if (s.state === 'reading' && s.reader?.caughtUp) continue;
      return false;
    }
    return true;
  }

  /** Drain mode: flush now whatever is buffered, then look for new (child) shards. */
  async flushNow(): Promise<void> {
    if (this.flushing) await this.flushing.catch(() => undefined);
    if (this.pending) {
      if (Date.now() >= this.retryAt) await this.runFlush(() => this.commitPending());
    } else if (this.buffer.length > 0 || [...this.shards.values()].some((s) => s.state === 'finished')) {
      await this.runFlush(() => this.flush());
    }
    await this.refreshShards();
  }

  /** Stops reading, flushes and commits what was read. Returns false when that commit failed. */
  async stop(): Promise<boolean> {
    this.stopping = true;
    this.openGate();
    this.releaseSpace(true);
    await Promise.all([...this.shards.values()].map((s) => s.reader?.stop()));
    if (this.flushing) await this.flushing.catch(() => undefined);
    try {
      if (this.pending) await this.commitPending(true);
      if (
        !this.pending &&
        (this.buffer.length > 0 || [...this.shards.values()].some((s) => s.state === 'finished'))
      ) {
        await this.flush(true);
      }
    } catch (err) {
      this.log.error({ err }, 'final commit failed');
    }
    const ok = this.pending === undefined;
    if (!ok) {
      this.log.error(
        { snapshotId: this.pending?.snapshotId.toString() },
        'stopping with an uncommitted flush: its records will be read again on restart',
      );
      await this.o.processor?.abandoned?.(this.pending!.snapshotId).catch(() => undefined);
    }
    for (const s of this.shards.values()) {
      await this.o.store
        .release({ table: this.name, stream: this.o.stream, shardId: s.desc.shardId })
        .catch(() => undefined);
    }
    return ok;
  }

  // ------------------------------------------------------------------ shards

  async refreshShards(): Promise<void> {
    this.lastShardRefresh = Date.now();
    const list = await this.o.api.listShards(this.o.stream);
    for (const desc of list) {
      if (!this.shards.has(desc.shardId)) this.shards.set(desc.shardId, { desc, state: 'waiting' });
      else (this.shards.get(desc.shardId) as ShardState).desc = desc;
    }
    await this.schedule();
  }

  private parentsDone(desc: ShardDescription): boolean {
    for (const p of [desc.parentShardId, desc.adjacentParentShardId]) {
      if (p === undefined) continue;
      const parent = this.shards.get(p);
      // A parent no longer listed has aged out of retention: nothing of it is left to read.
      if (parent && parent.state !== 'done') return false;
    }
    return true;
  }

  private async schedule(): Promise<void> {
    if (this.stopping) return;
    let progressed = true;
    while (progressed) {
      progressed = false;
      for (const s of this.shards.values()) {
        if (s.state !== 'waiting') continue;
        const committed = this.committed.get(s.desc.shardId);
        if (committed === 'end') {
          s.state = 'done';
          progressed = true; // its children may now start
          continue;
        }
        if (!this.parentsDone(s.desc)) continue;
        const key = { table: this.name, stream: this.o.stream, shardId: s.desc.shardId };
        if (!(await this.o.store.acquire(key))) {
          this.log.warn(
            { shardId: s.desc.shardId, owner: this.o.store.owner },
            'shard lease held by another consumer',
          );
          continue;
        }
        s.state = 'reading';
        s.reader = new ShardReader({
          api: this.o.api,
          stream: this.o.stream,
          shardId: s.desc.shardId,
          committed,
          // Children (and shards found later) start at their beginning: their records follow the parents'.
          initialPosition:
            s.desc.parentShardId !== undefined ? 'TRIM_HORIZON' : (this.o.initialPosition ?? 'TRIM_HORIZON'),
          sink: this.sink,
          throttle: this.throttles.get(this.o.stream, s.desc.shardId),
          metrics: this.o.metrics,
          log: component(this.o.log, 'shard-reader', {
            table: this.name,
            stream: this.o.stream,
            shardId: s.desc.shardId,
          }),
          ...(this.o.reader?.idleMs !== undefined ? { idleMs: this.o.reader.idleMs } : {}),
          ...(this.o.reader?.limit !== undefined ? { limit: this.o.reader.limit } : {}),
          // A response is part of what the buffer bound is about: keep it a small share of it.
          targetResponseBytes: Math.max(
            64 * 1024,
            Math.min(DEFAULT_TARGET_RESPONSE_BYTES, Math.floor(this.batching.maxBufferBytes / 16)),
          ),
          ...(this.o.reader?.maxBackoffMs !== undefined ? { maxBackoffMs: this.o.reader.maxBackoffMs } : {}),
        });
        this.o.metrics.shardStarted();
        s.reader
          .start()
          .catch((err: unknown) => this.fail(`shard ${s.desc.shardId}: ${(err as Error).message}`));
      }
    }
  }

  // ------------------------------------------------------------------ buffer

  private readonly sink: ShardSink = {
    put: async (chunk) => {
      while (!this.stopping && this.bufferedBytes + this.inflightBytes >= this.batching.maxBufferBytes) {
        this.o.metrics.inc('backpressureWaits');
        await new Promise<void>((r) => this.spaceWaiters.push(r));
      }
      if (this.buffer.length === 0) this.oldestAt = Date.now();
      this.buffer.push(chunk);
      this.bufferedRecords += chunk.data.length;
      this.bufferedBytes += chunk.bytes;
      this.o.metrics.buffered(chunk.data.length, chunk.bytes);
    },
    finished: (shardId) => {
      const s = this.shards.get(shardId);
      if (s) s.state = 'finished';
      this.o.metrics.shardFinished();
    },
    gate: async () => {
      while (this.paused && !this.stopping) await new Promise<void>((r) => this.gateWaiters.push(r));
    },
  };

  private releaseSpace(all = false): void {
    if (!all && this.bufferedBytes + this.inflightBytes >= this.batching.maxBufferBytes) return;
    const w = this.spaceWaiters;
    this.spaceWaiters = [];
    for (const r of w) r();
  }

  private openGate(): void {
    this.paused = false;
    const w = this.gateWaiters;
    this.gateWaiters = [];
    for (const r of w) r();
  }

  private fail(reason: string): void {
    if (this.healthy || this.reason !== reason) this.log.error({ reason }, 'unhealthy');
    this.healthy = false;
    this.reason = reason;
    this.o.onHealth?.(false, reason);
  }

  // ------------------------------------------------------------------ flush + commit

  /** Takes the whole buffer, writes its data files and commits them. */
  private async flush(final = false): Promise<void> {
    const chunks = this.buffer;
    this.buffer = [];
    const bytes = this.bufferedBytes;
    const recordsIn = this.bufferedRecords;
    this.bufferedBytes = 0;
    this.bufferedRecords = 0;
    this.inflightBytes += bytes;
    this.o.metrics.buffered(-recordsIn, -bytes);
    this.o.metrics.inc('flushes');
    const startedAtMs = Date.now();
    let newestArrivalMs: number | null = null;
    for (const c of chunks) {
      if (c.newestArrivalMs !== undefined && !(c.newestArrivalMs <= (newestArrivalMs ?? -Infinity)))
        newestArrivalMs = c.newestArrivalMs;
    }

    const advance = new Map<string, Checkpoint>();
    for (const c of chunks) advance.set(c.shardId, c.last);
    // Finished shards: every chunk they delivered is in this flush (put() precedes finished()).
    const ended = [...this.shards.values()].filter((s) => s.state === 'finished').map((s) => s.desc.shardId);
    for (const id of ended) advance.set(id, 'end');
    if (advance.size === 0) {
      this.inflightBytes -= bytes;
      return;
    }

    const snapshotId = newSnapshotId();
    let step: FlushStep | undefined;
    let writer: DataWriter | undefined;
    let files: DataFile[] = [];
    let rowsWritten = 0;
    let rejected = 0;
    let deduped = 0;
    let extra: Record<string, string> = {};
    let rejectedByRule: Record<string, number> = {};
    try {
      step = this.o.processor?.begin(snapshotId);
      this.decoder ??= new PayloadDecoder({
        schema: this.o.table.schema,
        format: this.o.format,
        ...(this.o.csvHeader ? { header: this.o.csvHeader } : {}),
        inputName: `stream ${this.o.stream}`,
      });
      let firstReject: RejectedRecord | undefined;
      for (const slice of slices(chunks, Math.max(1, this.o.sliceRecords ?? SLICE_RECORDS))) {
        const decoded = this.decoder.decode(slice.payloads);
        const rejects = decoded.rejects.map((r): RejectedRecord => {
          const { shardId, record } = slice.origin(r.index);
          return {
            stream: this.o.stream,
            shardId,
            position: record.position,
            partitionKey: record.partitionKey,
            raw: r.raw,
            reasons: r.reasons,
            ...(record.aggregated ? { aggregated: true as const } : {}),
          };
        });
        rejected += rejects.length;
        firstReject ??= rejects[0];
        let batch = decoded.batch;
        if (step) {
          const skipped = decoded.rejects;
          batch = step.process({
            batch,
            // Row j of the batch is the j-th record of the slice that decoded.
            origin: (row) => {
              let index = row;
              for (const r of skipped) {
                if (r.index <= index) index++;
                else break;
              }
              return slice.origin(index);
            },
            rejected: rejects,
          });
        }
        if (batch.rowCount > 0) {
          writer ??= this.o.table.newDataWriter();
          await writer.write(batch);
          rowsWritten += batch.rowCount;
        }
      }
      if (rejected > 0) rejectedByRule = { decode: rejected };
      if (step) {
        const p = await step.finish();
        rejected = p.rejected;
        deduped = p.deduped;
        extra = p.summary ?? {};
        if (p.rejectedByRule) rejectedByRule = p.rejectedByRule;
      } else if (firstReject) {
        this.log.warn(
          { count: rejected, first: { shardId: firstReject.shardId, reasons: firstReject.reasons } },
          'records rejected',
        );
      }
      if (writer) files = await writer.close();
    } catch (err) {
      // Nothing was committed: put the records back in front so nothing is lost, and retry later.
      await writer?.abort().catch(() => undefined);
      if (step) await this.o.processor?.abandoned?.(snapshotId).catch(() => undefined);
      this.buffer = [...chunks, ...this.buffer];
      this.bufferedBytes += bytes;
      this.bufferedRecords += recordsIn;
      this.inflightBytes -= bytes;
      this.o.metrics.buffered(recordsIn, bytes);
      this.fail(`writing data files failed: ${(err as Error).message}`);
      this.paused = true;
      this.retryAt = Date.now() + 5000;
      if (final) throw err;
      await sleep(0);
      return;
    }
    // The payloads are written: let them go (this array is the flush's own, the buffer is a new
    // one). Their bytes stay counted until the commit lands, as maxBufferBytes documents.
    chunks.length = 0;
    extra = {
      ...extra,
      'floe.consumer.records-rejected': String(rejected),
      'floe.consumer.records-deduped': String(deduped),
    };
    this.pending = {
      snapshotId,
      files,
      advance,
      ended,
      bytes,
      recordsIn,
      rowsWritten,
      rejected,
      deduped,
      extra,
      rejectedByRule,
      newestArrivalMs,
      startedAtMs,
      failures: 0,
    };
    await this.commitPending(final);
  }

  private async commitPending(final = false): Promise<void> {
    const p = this.pending;
    if (!p) return;
    try {
      const result = await commitWithPositions({
        catalog: this.o.catalog,
        table: this.loaded ?? (await this.o.catalog.loadTable(this.o.table.identifier)),
        stream: this.o.stream,
        files: p.files,
        advance: p.advance,
        snapshotId: p.snapshotId,
        extra: p.extra,
        onRetry: (error, attempt) => {
          this.o.metrics.inc('commitRetries');
          this.o.metrics.emit({
            type: 'commit-retry',
            table: this.name,
            snapshotId: p.snapshotId.toString(),
            atMs: Date.now(),
            attempt,
            kind: error.kind,
          });
          this.auditLog.warn(
            { snapshotId: p.snapshotId.toString(), attempt, kind: error.kind, error: error.message },
            'commit retry',
          );
        },
      });
      this.pending = undefined;
      this.loaded = result.table;
      this.committed = result.positions;
      this.lastSnapshotId = result.snapshot.snapshotId;
      this.inflightBytes -= p.bytes;
      const m = this.o.metrics;
      m.inc('commits');
      m.inc('recordsWritten', p.rowsWritten);
      m.inc('recordsRejected', p.rejected);
      m.inc('recordsDeduped', p.deduped);
      m.inc('dataFilesWritten', p.files.length);
      const bytesWritten = p.files.reduce((n, f) => n + Number(f.fileSizeInBytes), 0);
      m.inc('bytesWritten', bytesWritten);
      const atMs = Date.now();
      m.emit({
        type: 'commit',
        table: this.name,
        stream: this.o.stream,
        snapshotId: result.snapshot.snapshotId.toString(),
        sequenceNumber: result.snapshot.sequenceNumber.toString(),
        atMs,
        durationMs: atMs - p.startedAtMs,
        attempts: result.attempts,
        dataFiles: p.files.length,
        bytesWritten,
        records: { read: p.recordsIn, written: p.rowsWritten, rejected: p.rejected, deduped: p.deduped },
        batchBytes: p.bytes,
        rejectedByRule: p.rejectedByRule,
        positions: positionsToJson(result.positions),
        newestArrivalMs: p.newestArrivalMs,
      });
      this.auditLog.info(
        {
          audit: true,
          snapshotId: result.snapshot.snapshotId.toString(),
          sequenceNumber: result.snapshot.sequenceNumber.toString(),
          dataFiles: p.files.length,
          records: { read: p.recordsIn, written: p.rowsWritten, rejected: p.rejected, deduped: p.deduped },
          advanced: positionsToJson(p.advance),
          positions: positionsToJson(result.positions),
          attempts: result.attempts,
        },
        'commit',
      );
      await this.o.processor
        ?.committed?.(p.snapshotId)
        .catch((err: unknown) => this.log.warn({ err }, 'post-commit step failed'));
      await this.o.store
        .checkpoint(this.name, this.o.stream, {
          snapshotId: result.snapshot.snapshotId.toString(),
          positions: positionsToJson(result.positions),
          updatedAt: new Date().toISOString(),
        })
        .catch((err: unknown) =>
          this.log.warn({ err }, 'checkpoint store write failed (the table still holds the positions)'),
        );
      for (const id of p.ended) {
        const s = this.shards.get(id);
        if (s) s.state = 'done';
      }
      if (!this.healthy) {
        this.healthy = true;
        this.reason = undefined;
        this.log.info('healthy again');
        this.o.onHealth?.(true);
      }
      this.openGate();
      this.releaseSpace();
      // A shard closed by a split or merge: its children may have appeared since the last
      // ListShards (every 30 s), so list now rather than leave them unread until then.
      if (p.ended.length > 0 && !this.stopping)
        await this.refreshShards().catch(async (err: unknown) => {
          this.log.warn({ err }, 'ListShards failed; will retry');
          await this.schedule();
        });
    } catch (err) {
      p.failures++;
      this.o.metrics.inc('commitFailures');
      const kind = isFloeError(err) ? err.kind : 'error';
      this.o.metrics.emit({
        type: 'commit-failed',
        table: this.name,
        stream: this.o.stream,
        snapshotId: p.snapshotId.toString(),
        atMs: Date.now(),
        kind,
        message: (err as Error).message,
      });
      this.fail(`commit failed after retries (${kind}): ${(err as Error).message}`);
      // Stop reading until the batch is committed; it keeps its files, positions and commit id.
      this.paused = true;
      this.retryAt = Date.now() + backoff(p.failures, 2000, 60_000);
      if (final) throw err instanceof FloeError ? err : new FloeError('commit-state-unknown', String(err));
    }
  }
}
