/**
 * One PutRecords pipeline per stream, shared by every ingest request. Records of concurrent
 * requests are grouped by the shard their partition key hashes to (the stream's shard map, from
 * ListShards) and, by default, packed into KPL aggregates per shard (up to the 1 MiB record
 * limit), as `floe produce --aggregate` does: each aggregate carries the shard's starting hash key
 * as its explicit hash key, so it lands on the shard its sub-records belong to (de-aggregators
 * that drop sub-records outside their shard's range, the KCL, keep them all). The producer's
 * PutBatcher packs the entries into calls (500 entries / 5 MiB) and its Sender sends them with
 * entry-level retries and backoff. One Kinesis record then holds the records of many requests, so
 * the stream (and an emulator) stores one record where it stored hundreds.
 *
 * Order: records of a request with a partition key field go to their shard's lane, which has one
 * call in flight (a failed entry is retried before anything newer on the lane), so records of a
 * key reach the shard in the order they were accepted; within an aggregate, sub-record order is
 * acceptance order. Records with the default keys (unique, no order to keep) go to one shared
 * lane with several calls in flight.
 *
 * A partial aggregate or batch waits up to `lingerMs` (50 ms) for company; the answer to the
 * request does not wait for this (it is 202 once the body is checked).
 *
 * Reshards: a result from a shard the map does not know shows the map is stale. New records are
 * then held back, everything routed by the old map is sent and acknowledged, the map is reloaded
 * and the held records are routed by the new one (so a key never has calls in flight on an old
 * and a new lane at once).
 */
import { PutBatcher } from '../../producer/batcher.js';
import { plainEntry, type PutBatch, type PutEntry, type UserRecord } from '../../producer/entry.js';
import { hashKeyOf, ShardMap } from '../../producer/hash.js';
import type { KinesisApi, PutResultEntry } from '../../producer/kinesis.js';
import { AggregateBuilder } from '../../producer/kpl.js';
import { MAX_RECORD_BYTES, recordSize } from '../../producer/limits.js';
import { Sender } from '../../producer/sender.js';

/** A record and whoever waits for its outcome. */
export interface TrackedRecord<T> extends UserRecord {
  readonly owner: T;
}

/** Where a run of one owner's records landed: one Kinesis record, sub-records up to `lastSub`. */
export interface SentRun {
  /** Records of the owner in this Kinesis record. */
  readonly count: number;
  /** Sub-sequence number (index in the aggregate) of the owner's last record in it; 0 for a plain record. */
  readonly lastSub: number;
  /** The Kinesis record is a KPL aggregate. */
  readonly aggregated: boolean;
}

export interface StreamSenderOptions<T> {
  readonly api: KinesisApi;
  readonly stream: string;
  /** PutRecords calls in flight (default 8). */
  readonly concurrency?: number;
  /** Retries per entry (default 8, as `floe produce`). */
  readonly maxRetries?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** How long a partial aggregate or batch waits for more records (default 50 ms; 0: the next event-loop turn). */
  readonly lingerMs?: number;
  /** Pack records into KPL aggregates per shard (default true). */
  readonly aggregate?: boolean;
  /** Wait before asking ListShards again after it failed (default 60 s). */
  readonly shardMapRetryMs?: number;
  readonly onSent: (owner: T, result: PutResultEntry, run: SentRun) => void;
  readonly onFailed: (owner: T, code: string, message: string, count: number) => void;
  /** ListShards failed: records are sent without a shard map until it works. */
  readonly onShardMapError?: (err: unknown) => void;
  /** The stream was resharded; the map was reloaded. */
  readonly onResharded?: (shards: number) => void;
}

/** An aggregate being filled for one shard (of one lane kind). */
interface Filling<T> {
  readonly builder: AggregateBuilder;
  readonly records: TrackedRecord<T>[];
  readonly first: TrackedRecord<T>;
  /** 1 MiB less the aggregate's own (outer) partition key. */
  readonly limit: number;
}

interface Pending<T> {
  readonly records: readonly TrackedRecord<T>[];
  readonly ordered: boolean;
  readonly bytes: number;
}

const sumData = (records: readonly UserRecord[]): number => records.reduce((n, r) => n + r.data.length, 0);

export class StreamSender<T> {
  /** Current routing; undefined: none (ListShards failed, or not asked yet). */
  private map: ShardMap | undefined;
  private knownShards = new Set<string>();
  /** ListShards in progress (first use or a reshard): records wait in `held`. */
  private loading: Promise<void> | undefined;
  private held: Pending<T>[] = [];
  private heldBytes = 0;
  private mapTriedAt = -Infinity;
  private stale = false;
  private sender: Sender;
  /** Per lane: shard lanes 0..n-1 (ordered, one call in flight), lane n shared (unordered). */
  private batchers: PutBatcher[] = [];
  /** Per lane kind and shard: [0, n) ordered, [n, 2n) unordered. */
  private filling: (Filling<T> | undefined)[] = [];
  private fillingBytes = 0;
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;
  private readonly aggregate: boolean;
  /** giveBack() was called: nothing is sent any more. */
  private closed = false;

  constructor(private readonly o: StreamSenderOptions<T>) {
    this.aggregate = o.aggregate ?? true;
    this.sender = this.newSender();
  }

  private get shardCount(): number {
    return this.map ? this.map.shards.length : 1;
  }

  private laneSizes(): number[] {
    const concurrency = this.o.concurrency ?? 8;
    return [...Array.from({ length: this.shardCount }, () => 1), concurrency];
  }

  private resetRouting(): void {
    this.batchers = this.laneSizes().map(() => new PutBatcher());
    this.filling = Array.from({ length: 2 * this.shardCount }, () => undefined);
    this.fillingBytes = 0;
  }

  private newSender(): Sender {
    this.resetRouting();
    return new Sender({
      api: this.o.api,
      stream: this.o.stream,
      concurrency: this.o.concurrency ?? 8,
      lanes: this.laneSizes(),
      maxRetries: this.o.maxRetries ?? 8,
      ...(this.o.backoffBaseMs !== undefined ? { backoffBaseMs: this.o.backoffBaseMs } : {}),
      ...(this.o.backoffMaxMs !== undefined ? { backoffMaxMs: this.o.backoffMaxMs } : {}),
      onSent: (entry, result) => this.sent(entry, result),
      onFailed: (entry: PutEntry, code, message) => this.failed(entry.records, code, message),
    });
  }

  /** Bytes waiting to be sent or in flight (ingest refuses new work above its limit). */
  get bufferedBytes(): number {
    let n = this.sender.bufferedBytes + this.heldBytes + this.fillingBytes;
    for (const b of this.batchers) n += b.pendingBytes;
    return n;
  }

  /** The shard map in use (tests). */
  get shards(): number {
    return this.map ? this.map.shards.length : 0;
  }

  /**
   * Queues a request's records. `ordered`: they carry partition keys whose order matters (a
   * partition key field), so each goes to its shard's one-call-at-a-time lane.
   */
  add(records: readonly TrackedRecord<T>[], ordered = false): void {
    if (this.closed) {
      this.failed(records, GIVEN_BACK.code, GIVEN_BACK.message);
      return;
    }
    // A fatal error (stream missing, credentials) stops a Sender for good; a later request gets
    // a fresh one, so a stream created afterwards, or renewed credentials, are picked up.
    if (this.sender.fatal && this.sender.idle && this.loading === undefined) {
      // What is still filling goes to the stopped sender first, which fails it (its jobs FAIL).
      this.flush();
      this.sender = this.newSender();
    }
    const needMap = this.aggregate || ordered;
    if (
      this.loading === undefined &&
      needMap &&
      (this.stale || (this.map === undefined && performance.now() - this.mapTriedAt >= this.retryMs))
    ) {
      this.loading = this.reload();
    }
    if (this.loading !== undefined) {
      const bytes = sumData(records);
      this.held.push({ records, ordered, bytes });
      this.heldBytes += bytes;
      return;
    }
    this.route(records, ordered);
  }

  private get retryMs(): number {
    return this.o.shardMapRetryMs ?? 60_000;
  }

  /**
   * (Re)loads the shard map. On a reshard, everything routed by the old map is sent and
   * acknowledged first; records added meanwhile are held and routed by the new map.
   */
  private async reload(): Promise<void> {
    const resharded = this.stale;
    this.stale = false;
    this.flush();
    await this.sender.drain();
    this.mapTriedAt = performance.now();
    try {
      const shards = await this.o.api.listShards(this.o.stream);
      if (shards.length > 0) {
        this.map = new ShardMap(shards);
        this.knownShards = new Set(shards.map((s) => s.shardId));
        if (resharded) this.o.onResharded?.(shards.length);
      }
    } catch (err) {
      this.o.onShardMapError?.(err);
    }
    this.loading = undefined;
    if (this.closed) {
      this.failHeld();
      return;
    }
    // The sender is idle: lanes can be rebuilt for the (new) shard count without cutting an order.
    this.sender = this.sender.fatal ? this.newSender() : this.rebuildLanes();
    const held = this.held;
    this.held = [];
    this.heldBytes = 0;
    for (const p of held) this.route(p.records, p.ordered);
  }

  private rebuildLanes(): Sender {
    this.resetRouting();
    this.sender.resetLanes(this.laneSizes());
    return this.sender;
  }

  private shardOf(r: UserRecord): number {
    if (!this.map) return 0;
    const hash = r.explicitHashKey !== undefined ? BigInt(r.explicitHashKey) : hashKeyOf(r.partitionKey);
    return this.map.indexOf(hash);
  }

  private route(records: readonly TrackedRecord<T>[], ordered: boolean): void {
    const n = this.shardCount;
    const useMap = this.map !== undefined && (this.aggregate || ordered);
    for (const r of records) {
      const shard = useMap ? this.shardOf(r) : 0;
      const lane = ordered ? shard : n;
      if (!this.aggregate) {
        this.submit(lane, this.batchers[lane]!.add(plainEntry(r)));
        continue;
      }
      const slot = ordered ? shard : n + shard;
      const f = this.filling[slot];
      if (f) {
        const before = f.builder.size;
        if (f.builder.tryAdd(r, f.limit)) {
          f.records.push(r);
          this.fillingBytes += f.builder.size - before;
          continue;
        }
        this.flushAggregate(slot);
      }
      const limit = MAX_RECORD_BYTES - Buffer.byteLength(r.partitionKey, 'utf8');
      const builder = new AggregateBuilder();
      if (!builder.tryAdd(r, limit)) {
        // Too big to wrap (within a few bytes of 1 MiB): it goes as a plain record, which
        // de-aggregating consumers pass through unchanged.
        this.submit(lane, this.batchers[lane]!.add(plainEntry(r)));
        continue;
      }
      this.filling[slot] = { builder, records: [r], first: r, limit };
      this.fillingBytes += builder.size;
    }
    this.arm();
  }

  private laneOfSlot(slot: number): number {
    const n = this.shardCount;
    return slot < n ? slot : n;
  }

  private flushAggregate(slot: number): void {
    const f = this.filling[slot];
    if (!f) return;
    this.filling[slot] = undefined;
    this.fillingBytes -= f.builder.size;
    const data = f.builder.encode();
    const shard = slot % this.shardCount;
    const entry: PutEntry = {
      data,
      partitionKey: f.first.partitionKey,
      explicitHashKey: this.map ? (this.map.shards[shard]?.start ?? 0n).toString() : undefined,
      size: recordSize(data, f.first.partitionKey),
      records: f.records,
      attempts: 0,
    };
    const lane = this.laneOfSlot(slot);
    this.submit(lane, this.batchers[lane]!.add(entry));
  }

  private submit(lane: number, batches: PutBatch[]): void {
    for (const b of batches) this.sender.submit(lane, b);
  }

  private arm(): void {
    if (this.timer !== undefined) return;
    if (this.fillingBytes === 0 && this.batchers.every((b) => b.pendingCount === 0)) return;
    const linger = this.o.lingerMs ?? 50;
    this.timer = linger > 0 ? setTimeout(() => this.flush(), linger) : setImmediate(() => this.flush());
  }

  private flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = undefined;
    }
    for (let slot = 0; slot < this.filling.length; slot++) this.flushAggregate(slot);
    this.batchers.forEach((b, lane) => {
      const batch = b.flush();
      if (batch) this.sender.submit(lane, batch);
    });
    if (this.stale && this.loading === undefined) this.loading = this.reload();
  }

  private sent(entry: PutEntry, result: PutResultEntry): void {
    // A result from a shard the map does not know: the stream was resharded.
    if (this.map && result.shardId !== undefined && !this.knownShards.has(result.shardId)) {
      this.stale = true;
      if (this.timer === undefined) this.timer = setImmediate(() => this.flush());
    }
    const aggregated = entry.data !== (entry.records[0] as UserRecord | undefined)?.data;
    const records = entry.records as readonly TrackedRecord<T>[];
    // Records of one request are contiguous in an aggregate: one callback per run of an owner.
    let start = 0;
    for (let i = 1; i <= records.length; i++) {
      if (i === records.length || records[i]!.owner !== records[start]!.owner) {
        this.o.onSent(records[start]!.owner, result, { count: i - start, lastSub: i - 1, aggregated });
        start = i;
      }
    }
  }

  private failed(records: readonly UserRecord[], code: string, message: string): void {
    const tracked = records as readonly TrackedRecord<T>[];
    let start = 0;
    for (let i = 1; i <= tracked.length; i++) {
      if (i === tracked.length || tracked[i]!.owner !== tracked[start]!.owner) {
        this.o.onFailed(tracked[start]!.owner, code, message, i - start);
        start = i;
      }
    }
  }

  private failHeld(): void {
    for (const p of this.held.splice(0)) this.failed(p.records, GIVEN_BACK.code, GIVEN_BACK.message);
    this.heldBytes = 0;
  }

  /** Sends what is pending and waits for every call (shutdown). */
  async drain(): Promise<void> {
    for (;;) {
      if (this.loading !== undefined) await this.loading;
      this.flush();
      await this.sender.drain();
      if (!this.stale && this.loading === undefined && this.held.length === 0) return;
    }
  }

  /** Stops retrying and gives back whatever is not acknowledged (shutdown after a timeout). */
  giveBack(): void {
    const { code, message } = GIVEN_BACK;
    this.closed = true;
    this.failHeld();
    for (let slot = 0; slot < this.filling.length; slot++) {
      const f = this.filling[slot];
      if (f) this.failed(f.records, code, message);
      this.filling[slot] = undefined;
    }
    this.fillingBytes = 0;
    this.batchers.forEach((b) => {
      const batch = b.flush();
      if (batch) for (const e of batch.entries) this.failed(e.records, code, message);
    });
    this.sender.giveBack(code, message);
  }
}

const GIVEN_BACK = {
  code: 'Interrupted',
  message: 'the server stopped before Kinesis acknowledged this record',
};
