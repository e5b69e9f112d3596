/**
 * One shard's polling loop: GetRecords within the per-shard limits, backoff on throttling,
 * iterator renewal after expiry, KPL de-aggregation, the skip rule, and backpressure (the sink's
 * put() waits while the table's buffer is full, so the loop stops calling GetRecords).
 *
 * The reader delivers whole Kinesis records only (all sub-records of an aggregate in one chunk),
 * so a checkpoint taken at a chunk boundary is always a "whole record" position.
 */
import { deaggregate, type UserRecord } from '../records/kpl.js';
import type { Logger } from './log.js';
import { backoff, type ShardThrottle } from './limits.js';
import type { MetricsSink } from './metrics.js';
import { classifyReadError, type IteratorStart, type KinesisReadApi } from './kinesis.js';
import { isCommitted, WHOLE, type Checkpoint, type Position } from './position.js';
import { keepShape } from '../keep-shape.js';

export interface ChunkRecord {
  readonly position: Position;
  /** A sub-record of a KPL aggregate (the position's sub is its index). */
  readonly aggregated?: true;
  readonly partitionKey: string;
  readonly data: Uint8Array;
}

/**
 * A record as read. Its position is made when first asked for: the skip rule (after a restart)
 * and rejected records need it, while most records never pay for the BigInt and the object.
 */
class ReadRecord implements ChunkRecord {
  private made: Position | undefined;
  constructor(
    private readonly sequenceNumber: string,
    private readonly sub: number,
    readonly partitionKey: string,
    readonly data: Uint8Array,
    readonly aggregated: true | undefined,
  ) {
    keepShape(this);
  }

  get position(): Position {
    return (this.made ??= positionOf(this.sequenceNumber, this.sub));
  }
}

/** ReadChunk's arrays, filled by the reader. */
class Chunk implements ReadChunk {
  readonly data: Uint8Array[] = [];
  private readonly partitionKeys: string[] = [];
  private readonly sequenceNumbers: string[] = [];
  /** Per record: its index in a KPL aggregate, or -1 for a plain record; undefined while all are plain. */
  private subs: number[] | undefined;
  last: Position = { sequence: 0n, sub: WHOLE };
  bytes = 0;
  newestArrivalMs: number | undefined;

  constructor(readonly shardId: string) {
    keepShape(this);
  }

  add(sequenceNumber: string, sub: number, partitionKey: string, data: Uint8Array): void {
    if (sub >= 0 && this.subs === undefined) this.subs = new Array<number>(this.data.length).fill(-1);
    this.subs?.push(sub);
    this.data.push(data);
    this.partitionKeys.push(partitionKey);
    this.sequenceNumbers.push(sequenceNumber);
  }

  record(index: number): ChunkRecord {
    const sub = this.subs?.[index] ?? -1;
    return new ReadRecord(
      this.sequenceNumbers[index] as string,
      Math.max(0, sub),
      this.partitionKeys[index] as string,
      this.data[index] as Uint8Array,
      sub >= 0 ? true : undefined,
    );
  }
}

/**
 * The user records of one GetRecords response (skipped ones left out), column by column: a
 * chunk waits in the buffer until its flush, and one object per record held that long cost the
 * collector more than the arrays do.
 */
export interface ReadChunk {
  readonly shardId: string;
  /** Each user record's payload, in order. */
  readonly data: readonly Uint8Array[];
  /** The `index`-th user record (made on demand: only rejected records need one). */
  record(index: number): ChunkRecord;
  /** (sequence number of the last Kinesis record, WHOLE). */
  readonly last: Position;
  /** Payload bytes (what the buffer bound counts). */
  readonly bytes: number;
  /** Newest ApproximateArrivalTimestamp of the chunk's Kinesis records (epoch ms), when known. */
  readonly newestArrivalMs?: number;
}

export interface ShardSink {
  /** Resolves once the chunk is buffered; waits while the buffer is full. */
  put(chunk: ReadChunk): Promise<void>;
  /** The shard is closed and every record was delivered. */
  finished(shardId: string): void;
  /** Waits while reading is paused (unhealthy: a commit keeps failing). */
  gate(): Promise<void>;
}

export interface ShardReaderOptions {
  readonly api: KinesisReadApi;
  readonly stream: string;
  readonly shardId: string;
  /** The table's checkpoint for this shard (undefined: none). */
  readonly committed: Checkpoint | undefined;
  /** Where to start without a checkpoint. */
  readonly initialPosition: 'TRIM_HORIZON' | 'LATEST';
  readonly sink: ShardSink;
  readonly throttle: ShardThrottle;
  readonly metrics: MetricsSink;
  readonly log: Logger;
  /** GetRecords Limit at most (default 10,000, the service maximum). */
  readonly limit?: number;
  /**
   * Payload bytes a GetRecords response should hold, roughly (default 2 MiB, one second of a
   * shard's read budget). The Limit of each call is this over the average size of the Kinesis
   * records of the previous response (the first call asks for as many 1 MiB records, the largest, as fit): a response
   * is held several times over while the SDK parses it (JSON text, base64 strings, buffers), and
   * with 1 MiB KPL aggregates a 10,000-record Limit let one call return a whole shard (kinesalite
   * has no 10 MB cap), which is what made peak RSS ignore the buffer bound.
   */
  readonly targetResponseBytes?: number;
  /** Wait after an empty poll (default 1,000 ms, as the KCL). */
  readonly idleMs?: number;
  readonly maxBackoffMs?: number;
}

/** The largest Kinesis record (data blob): the first GetRecords, before sizes are known, assumes it. */
const MAX_RECORD_BYTES = 1024 * 1024;
export const DEFAULT_TARGET_RESPONSE_BYTES = 2 * 1024 * 1024;

const sleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    if (signal.aborted || ms <= 0) return resolve();
    const t = setTimeout(done, ms);
    function done(): void {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });

function positionOf(sequenceNumber: string, sub: number): Position {
  return { sequence: BigInt(sequenceNumber), sub };
}

export function startFor(
  committed: Checkpoint | undefined,
  initial: 'TRIM_HORIZON' | 'LATEST',
): IteratorStart {
  if (committed === undefined) return { type: initial };
  if (committed === 'end') throw new Error('a finished shard has no start position');
  // A whole record resumes after it; a partly committed aggregate is read again from its start.
  return committed.sub === WHOLE
    ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: committed.sequence.toString() }
    : { type: 'AT_SEQUENCE_NUMBER', sequenceNumber: committed.sequence.toString() };
}

export class ShardReader {
  /** Last poll returned nothing and MillisBehindLatest was 0. */
  caughtUp = false;
  finished = false;
  millisBehindLatest: number | undefined;
  /** Sequence number of the last Kinesis record delivered to the sink. */
  private lastDelivered: string | undefined;
  private readonly abort = new AbortController();
  private done: Promise<void> | undefined;
  private readonly log: Logger;

  constructor(private readonly o: ShardReaderOptions) {
    this.log = o.log;
  }

  get shardId(): string {
    return this.o.shardId;
  }

  start(): Promise<void> {
    this.done ??= this.run().catch((err: unknown) => {
      this.log.error({ err, shardId: this.o.shardId }, 'shard reader failed');
      throw err;
    });
    return this.done;
  }

  /** Stops after the call in flight; records already delivered stay delivered. */
  async stop(): Promise<void> {
    this.abort.abort();
    await this.done?.catch(() => undefined);
  }

  private async iterator(): Promise<string> {
    const { api, stream, shardId } = this.o;
    const start: IteratorStart =
      this.lastDelivered !== undefined
        ? { type: 'AFTER_SEQUENCE_NUMBER', sequenceNumber: this.lastDelivered }
        : startFor(this.o.committed, this.o.initialPosition);
    for (let attempt = 1; ; attempt++) {
      try {
        return await api.getShardIterator(stream, shardId, start);
      } catch (err) {
        const c = classifyReadError(err);
        if (c.class === 'fatal' || this.abort.signal.aborted) throw err;
        this.o.metrics.inc(c.class === 'throttled' ? 'throttled' : 'readErrors');
        this.log.warn({ shardId, code: c.code, attempt }, 'GetShardIterator failed; retrying');
        await sleep(backoff(attempt, 200, this.o.maxBackoffMs ?? 10_000), this.abort.signal);
      }
    }
  }

  private async run(): Promise<void> {
    const { api, shardId, sink, throttle, metrics, committed } = this.o;
    const signal = this.abort.signal;
    const maxLimit = Math.max(1, this.o.limit ?? 10_000);
    const target = this.o.targetResponseBytes ?? DEFAULT_TARGET_RESPONSE_BYTES;
    let limit = Math.min(maxLimit, Math.max(1, Math.floor(target / MAX_RECORD_BYTES)));
    const idleMs = this.o.idleMs ?? 1000;
    let iterator = await this.iterator();
    let failures = 0;
    this.log.info(
      {
        shardId,
        committed:
          this.o.committed === undefined
            ? null
            : String(this.o.committed === 'end' ? 'end' : this.o.committed.sequence),
      },
      'reading shard',
    );
    while (!signal.aborted) {
      await sink.gate();
      if (signal.aborted) break;
      await sleep(throttle.delayMs(), signal);
      if (signal.aborted) break;
      const startedAt = Date.now();
      let result;
      try {
        metrics.inc('getRecordsCalls');
        result = await api.getRecords(iterator, limit);
        failures = 0;
      } catch (err) {
        const c = classifyReadError(err);
        if (c.class === 'fatal') throw err;
        failures++;
        if (c.class === 'expired-iterator') {
          metrics.inc('iteratorsRenewed');
          this.log.info({ shardId }, 'shard iterator expired; renewing');
          iterator = await this.iterator();
          continue;
        }
        const wait = backoff(failures, c.class === 'throttled' ? 500 : 200, this.o.maxBackoffMs ?? 10_000);
        metrics.inc(c.class === 'throttled' ? 'throttled' : 'readErrors');
        throttle.penalise(wait);
        this.log.warn({ shardId, code: c.code, waitMs: wait }, 'GetRecords failed; backing off');
        continue;
      }
      let bytes = 0;
      let newestArrivalMs: number | undefined;
      const chunk = new Chunk(shardId);
      for (const r of result.records) {
        bytes += r.data.length;
        if (r.arrivalMs !== undefined && !(r.arrivalMs <= (newestArrivalMs ?? -Infinity)))
          newestArrivalMs = r.arrivalMs;
        const users = deaggregate(r.data);
        if (users === undefined) {
          if (committed !== undefined && isCommitted(positionOf(r.sequenceNumber, 0), committed))
            metrics.inc('recordsSkipped');
          else chunk.add(r.sequenceNumber, -1, r.partitionKey, r.data);
        } else {
          for (let sub = 0; sub < users.length; sub++) {
            const u = users[sub] as UserRecord;
            if (committed !== undefined && isCommitted(positionOf(r.sequenceNumber, sub), committed))
              metrics.inc('recordsSkipped');
            else chunk.add(r.sequenceNumber, sub, u.partitionKey, u.data);
          }
        }
      }
      throttle.record(startedAt, bytes);
      if (result.records.length > 0) {
        const perRecord = bytes / result.records.length;
        limit = Math.max(1, Math.min(maxLimit, Math.floor(target / Math.max(1, perRecord))));
      }
      metrics.inc('kinesisRecordsRead', result.records.length);
      metrics.inc('bytesRead', bytes);
      this.millisBehindLatest = result.millisBehindLatest;
      if (result.millisBehindLatest !== undefined)
        metrics.millisBehind.set(`${this.o.stream}/${shardId}`, result.millisBehindLatest);
      const lastRecord = result.records[result.records.length - 1];
      if (lastRecord) {
        this.caughtUp = false;
        if (chunk.data.length > 0) {
          metrics.inc('recordsRead', chunk.data.length);
          chunk.last = { sequence: BigInt(lastRecord.sequenceNumber), sub: WHOLE };
          chunk.bytes = bytes;
          chunk.newestArrivalMs = newestArrivalMs;
          await sink.put(chunk);
        }
        this.lastDelivered = lastRecord.sequenceNumber;
      }
      if (result.nextIterator === undefined) {
        this.finished = true;
        this.caughtUp = true;
        this.log.info({ shardId }, 'shard closed and read to its end');
        sink.finished(shardId);
        return;
      }
      iterator = result.nextIterator;
      if (result.records.length === 0) {
        this.caughtUp = result.millisBehindLatest === 0 || result.millisBehindLatest === undefined;
        await sleep(idleMs, signal);
      }
    }
  }
}
