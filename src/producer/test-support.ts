/** An in-memory Kinesis for producer tests: shards by hash range, failure injection, call log. */
import { createRequire } from 'node:module';
import type { PutEntry } from './entry.js';
import { hashKeyOf, ShardMap, type ShardRange } from './hash.js';
import type { KinesisApi, PutResultEntry } from './kinesis.js';

export interface StoredRecord {
  shardId: string;
  partitionKey: string;
  explicitHashKey: string | undefined;
  data: Buffer;
}

export interface FakeOptions {
  shards?: number;
  /** Per entry: an error code to fail it with, or undefined to accept it. */
  failEntry?: (entry: PutEntry, callNo: number) => string | undefined;
  /** Per call: an error to throw instead of answering. */
  failCall?: (callNo: number) => Error | undefined;
  delayMs?: number;
  listShardsError?: Error;
}

export class FakeKinesis implements KinesisApi {
  /** Replace it to simulate a reshard (listShards and routing follow). */
  map: ShardMap;
  readonly stored: StoredRecord[] = [];
  readonly calls: { entries: number; bytes: number }[] = [];
  failedEntries = 0;
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly options: FakeOptions = {}) {
    this.map = ShardMap.even(options.shards ?? 4);
    this.map.shards.forEach((s, i) =>
      Object.assign(s, { shardId: `shardId-${String(i).padStart(12, '0')}` }),
    );
  }

  async putRecords(_stream: string, entries: readonly PutEntry[]): Promise<readonly PutResultEntry[]> {
    const callNo = this.calls.length;
    this.calls.push({ entries: entries.length, bytes: entries.reduce((n, e) => n + e.size, 0) });
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    try {
      await new Promise((r) => setTimeout(r, this.options.delayMs ?? 0));
      const err = this.options.failCall?.(callNo);
      if (err) throw err;
      return entries.map((e) => {
        const code = this.options.failEntry?.(e, callNo);
        if (code) {
          this.failedEntries++;
          return { errorCode: code, errorMessage: 'injected' };
        }
        const hash = e.explicitHashKey !== undefined ? BigInt(e.explicitHashKey) : hashKeyOf(e.partitionKey);
        const shard = this.map.shards[this.map.indexOf(hash)] as ShardRange;
        this.stored.push({
          shardId: shard.shardId,
          partitionKey: e.partitionKey,
          explicitHashKey: e.explicitHashKey,
          data: Buffer.from(e.data),
        });
        return { sequenceNumber: String(this.stored.length), shardId: shard.shardId };
      });
    } finally {
      this.inFlight--;
    }
  }

  async listShards(): Promise<readonly ShardRange[]> {
    if (this.options.listShardsError) throw this.options.listShardsError;
    return this.map.shards;
  }

  close(): void {}
}

/** One user record as the independent decoder (aws-kinesis-agg) reports it. */
export interface ReferenceUserRecord {
  partitionKey: string;
  explicitHashKey?: string;
  data: Buffer;
}

interface AwsKinesisAgg {
  deaggregateSync(
    record: { data: string; partitionKey: string; sequenceNumber?: string },
    computeChecksums: boolean,
    cb: (
      err: Error | null,
      records?: { partitionKey: string; explicitPartitionKey?: string; data: string }[],
    ) => void,
  ): void;
}

/**
 * The user records of one Kinesis record's data, decoded by aws-kinesis-agg (the reference KPL
 * decoder, checksums verified), so tests never judge floe's aggregates by floe's own decoder.
 * A record that is not an aggregate comes back as itself.
 */
export function referenceDeaggregate(data: Buffer, partitionKey = 'outer'): ReferenceUserRecord[] {
  const agg = createRequire(import.meta.url)('aws-kinesis-agg') as AwsKinesisAgg;
  let out: ReferenceUserRecord[] = [];
  let error: Error | null = null;
  agg.deaggregateSync(
    { data: data.toString('base64'), partitionKey, sequenceNumber: '1' },
    true,
    (err, recs) => {
      error = err;
      out = (recs ?? []).map((r) => ({
        partitionKey: r.partitionKey,
        ...(r.explicitPartitionKey !== undefined ? { explicitHashKey: r.explicitPartitionKey } : {}),
        data: Buffer.from(r.data, 'base64'),
      }));
    },
  );
  if (error) throw error;
  return out;
}
