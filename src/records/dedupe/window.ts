/**
 * Dedupe by key within a batch and across batches within a bounded window.
 *
 * Structure: one insertion-ordered `Set` of keys (every key at most once) plus a short list of
 * segments, one per processed batch, holding that batch's time and how many of its keys are still
 * in the set. Eviction removes keys from the old end of the set: by count (`maxKeys`, applied
 * after each batch, so a batch is always deduplicated completely against itself) and by age
 * (`maxAgeMs`, whole segments older than the limit). Measured cost on Node 20 (V8, pointer
 * compression): about 21 bytes per key for a long key below 2^31 (key.ts stores safe longs as
 * numbers), about 37 for a larger long or a timestamp, about 45 for a short-string key, about 40 + the key's
 * length for longer string keys (77 bytes for a 36-character uuid), about 85 bytes for a
 * two-column key of a long and a short string; plus 4–8 bytes per key of a not yet committed batch
 * (its key list, kept for rollback). Peak keys held: maxKeys + the rows of one batch.
 *
 * Commit awareness: the keys a batch adds are *pending* until `commit(token)`. If the consumer
 * abandons uncommitted batches and re-reads their records (lease lost, rewind to committed
 * positions), it must call `rollback()` first — otherwise the re-read records would be dropped as
 * duplicates of themselves, which would lose them.
 */
import { z } from 'zod';
import { FloeError } from '../../errors.js';
import type { Schema } from '../../iceberg/spec/schema.js';
import type { NestedField } from '../../iceberg/spec/types.js';
import type { ColumnBatch } from '../../iceberg/writer/batch.js';
import { compactBatch } from '../validate/compact.js';
import { keyFields, keyReader, type DedupeKey } from './key.js';

export const DEFAULT_MAX_KEYS = 1_000_000;

/** The `dedupe` member of a table definition: `{ "key": "unique_key", "maxKeys": 1000000, "maxAgeMs": 3600000 }`. */
export const DedupeConfigSchema = z.strictObject({
  /** Key column name, or several for a composite key. */
  key: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  /** Keys remembered across batches (memory cap). */
  maxKeys: z.number().int().positive().default(DEFAULT_MAX_KEYS),
  /** Keys older than this (by the time their batch was processed) are forgotten. */
  maxAgeMs: z.number().int().positive().optional(),
});
export type DedupeConfig = z.output<typeof DedupeConfigSchema>;
export type DedupeConfigInput = z.input<typeof DedupeConfigSchema>;

export interface DedupeOptions {
  readonly schema: Schema;
  /** Key column name(s). */
  readonly key: string | readonly string[];
  /** Default 1,000,000. */
  readonly maxKeys?: number;
  readonly maxAgeMs?: number;
}

export interface DedupeResult {
  /** Rows whose key was not in the window (and rows with a null key part), in input order. */
  readonly batch: ColumnBatch;
  /** For each row of `batch`, its index in the input batch. */
  readonly kept: Uint32Array;
  /** Input indexes of the dropped duplicates, ascending. */
  readonly dropped: Uint32Array;
  /** Pass to `commit` once the rows of this batch are committed to the table. */
  readonly token: number;
}

export interface ProcessOptions {
  /** The batch's time for age eviction (default Date.now()); never moves the window's clock backwards. */
  readonly nowMs?: number;
}

interface Segment {
  readonly token: number;
  readonly timeMs: number;
  /** How many of this batch's keys are still in the set (evictions take them from the old end). */
  remaining: number;
  /** The batch's keys while it is uncommitted (for rollback); undefined once committed. */
  keys: DedupeKey[] | undefined;
}

export interface DedupeStats {
  readonly keys: number;
  readonly pendingBatches: number;
  readonly evictedByCount: number;
  readonly evictedByAge: number;
  readonly dropped: number;
}

export class DedupeWindow {
  readonly fields: readonly NestedField[];
  readonly maxKeys: number;
  readonly maxAgeMs: number | undefined;
  private readonly set = new Set<DedupeKey>();
  private segments: Segment[] = [];
  private nextToken = 1;
  private clockMs = -Infinity;
  private evictedByCount = 0;
  private evictedByAge = 0;
  private droppedTotal = 0;

  constructor(options: DedupeOptions) {
    const names = typeof options.key === 'string' ? [options.key] : options.key;
    this.fields = keyFields(options.schema, names);
    this.maxKeys = options.maxKeys ?? DEFAULT_MAX_KEYS;
    if (!(Number.isInteger(this.maxKeys) && this.maxKeys > 0)) {
      throw new FloeError('config', `dedupe: maxKeys must be a positive integer, got ${options.maxKeys}`);
    }
    this.maxAgeMs = options.maxAgeMs;
  }

  /** A window from a parsed `dedupe` config. */
  static fromConfig(schema: Schema, config: DedupeConfigInput): DedupeWindow {
    const parsed = DedupeConfigSchema.safeParse(config);
    if (!parsed.success) {
      const msg = parsed.error.issues
        .map((i) => `${['dedupe', ...i.path.map(String)].join('.')}: ${i.message}`)
        .join('; ');
      throw new FloeError('config', msg);
    }
    const { key, maxKeys, maxAgeMs } = parsed.data;
    return new DedupeWindow({ schema, key, maxKeys, ...(maxAgeMs !== undefined ? { maxAgeMs } : {}) });
  }

  /** Number of keys remembered. */
  get size(): number {
    return this.set.size;
  }

  stats(): DedupeStats {
    return {
      keys: this.set.size,
      pendingBatches: this.segments.filter((s) => s.keys !== undefined).length,
      evictedByCount: this.evictedByCount,
      evictedByAge: this.evictedByAge,
      dropped: this.droppedTotal,
    };
  }

  /**
   * Drops every row whose key is in the window or appeared earlier in this batch (the first
   * occurrence is kept). The batch's new keys join the window as pending.
   */
  process(batch: ColumnBatch, options: ProcessOptions = {}): DedupeResult {
    const drop = new Uint8Array(batch.rowCount);
    const { dropped, token } = this.mark(batch, drop, options);
    const { batch: out, kept } = compactBatch(batch, drop, dropped.length);
    return { batch: out, kept, dropped: Uint32Array.from(dropped), token };
  }

  /**
   * `process` without the compaction, for a caller that drops other rows too and compacts once:
   * rows whose `drop` flag is already set are skipped (their keys do not join the window); the
   * duplicates among the others get their flag set and are returned (input indexes, ascending).
   */
  mark(
    batch: ColumnBatch,
    drop: Uint8Array,
    options: ProcessOptions & {
      /**
       * Leave count eviction to a later `evict()`: for one logical batch marked in several
       * slices, so it is deduplicated completely against itself, as one `process` call is.
       */
      readonly deferEviction?: boolean;
    } = {},
  ): { dropped: number[]; token: number } {
    const now = this.tick(options.nowMs);
    this.evictByAge(now);
    const keyOf = keyReader(batch, this.fields);
    const n = batch.rowCount;
    const keys: DedupeKey[] = [];
    const dropped: number[] = [];
    const set = this.set;
    for (let i = 0; i < n; i++) {
      if (drop[i] !== 0) continue;
      const key = keyOf(i);
      if (key === undefined) continue;
      // One hash lookup instead of has() then add(): adding a key that is there changes nothing
      // (not even its place in the insertion order, which eviction relies on).
      const size = set.size;
      set.add(key);
      if (set.size === size) {
        drop[i] = 1;
        dropped.push(i);
      } else keys.push(key);
    }
    const token = this.nextToken++;
    if (keys.length > 0) this.segments.push({ token, timeMs: now, remaining: keys.length, keys });
    if (!options.deferEviction) this.evictByCount();
    this.droppedTotal += dropped.length;
    return { dropped, token };
  }

  /** Applies the count bound (after `mark` calls with `deferEviction`). */
  evict(): void {
    this.evictByCount();
  }

  /** The batches up to and including `token` are committed: their keys stay when `rollback` is called. */
  commit(token: number): void {
    for (const s of this.segments) {
      if (s.token > token) break;
      s.keys = undefined;
    }
  }

  /**
   * Forgets the keys of every uncommitted batch. Call before re-reading records that were
   * processed but not committed, so they are not dropped as duplicates of themselves.
   */
  rollback(): void {
    while (this.segments.length > 0) {
      const last = this.segments[this.segments.length - 1] as Segment;
      if (last.keys === undefined) break;
      // Keys evicted from this segment's old end are already gone; delete() ignores them.
      for (const k of last.keys) this.set.delete(k);
      this.segments.pop();
    }
  }

  /**
   * Adds the keys of already committed rows (oldest first), e.g. the table's most recent rows
   * after a restart, so duplicates that straddle the restart are still caught. `batch` needs only
   * the key columns. Rows are not deduplicated against each other: committed rows are unique.
   */
  seed(batch: ColumnBatch, options: ProcessOptions = {}): void {
    const now = this.tick(options.nowMs);
    this.evictByAge(now);
    const keyOf = keyReader(batch, this.fields);
    let added = 0;
    for (let i = 0; i < batch.rowCount; i++) {
      const key = keyOf(i);
      if (key === undefined || this.set.has(key)) continue;
      this.set.add(key);
      added++;
    }
    if (added > 0)
      this.segments.push({ token: this.nextToken++, timeMs: now, remaining: added, keys: undefined });
    this.evictByCount();
  }

  private tick(nowMs: number | undefined): number {
    // Eviction walks from the old end, which needs segment times in order.
    this.clockMs = Math.max(this.clockMs, nowMs ?? Date.now());
    return this.clockMs;
  }

  private evictByAge(now: number): void {
    if (this.maxAgeMs === undefined) return;
    const oldest = now - this.maxAgeMs;
    let n = 0;
    while (this.segments.length > 0 && (this.segments[0] as Segment).timeMs < oldest) {
      n += (this.segments.shift() as Segment).remaining;
    }
    this.evictedByAge += n;
    this.deleteOldest(n);
  }

  private evictByCount(): void {
    let excess = this.set.size - this.maxKeys;
    if (excess <= 0) return;
    this.evictedByCount += excess;
    this.deleteOldest(excess);
    while (excess > 0) {
      const s = this.segments[0] as Segment;
      const take = Math.min(excess, s.remaining);
      s.remaining -= take;
      excess -= take;
      if (s.remaining === 0) this.segments.shift();
    }
  }

  private deleteOldest(n: number): void {
    if (n <= 0) return;
    for (const k of this.set) {
      this.set.delete(k);
      if (--n === 0) break;
    }
  }
}
