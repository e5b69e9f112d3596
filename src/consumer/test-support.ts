/**
 * An in-memory Kinesis for unit tests: shards with records, closing (split/merge), iterators that
 * expire on demand, throttling on demand, and MillisBehindLatest. Sequence numbers grow across
 * the stream as in Kinesis (strictly increasing per shard).
 */
import type { GetRecordsResult, IteratorStart, KinesisReadApi, ShardDescription } from './kinesis.js';

interface FakeShard {
  desc: { shardId: string; parentShardId?: string; adjacentParentShardId?: string; closed: boolean };
  records: { sequenceNumber: string; partitionKey: string; data: Uint8Array; arrivalMs: number }[];
}

export class FakeKinesis implements KinesisReadApi {
  private readonly streams = new Map<string, FakeShard[]>();
  private seq = 1000n;
  /** Next N GetRecords calls throw ProvisionedThroughputExceeded. */
  throttleNext = 0;
  /** Next N GetRecords calls throw ExpiredIterator. */
  expireNext = 0;
  calls = { getRecords: 0, getShardIterator: 0, listShards: 0 };
  /** Max records per GetRecords response (to force many calls). */
  pageSize = 10_000;

  createStream(name: string, shards: number): void {
    this.streams.set(
      name,
      Array.from({ length: shards }, (_, i) => ({
        desc: { shardId: `shardId-${String(i).padStart(12, '0')}`, closed: false },
        records: [],
      })),
    );
  }

  shardIds(stream: string): string[] {
    return (this.streams.get(stream) ?? []).map((s) => s.desc.shardId);
  }

  private shard(stream: string, shardId: string): FakeShard {
    const s = (this.streams.get(stream) ?? []).find((x) => x.desc.shardId === shardId);
    if (!s) throw Object.assign(new Error(`no shard ${shardId}`), { name: 'ResourceNotFoundException' });
    return s;
  }

  put(stream: string, shardId: string, data: Uint8Array | string, partitionKey = 'k'): string {
    const s = this.shard(stream, shardId);
    if (s.desc.closed) throw new Error('shard closed');
    const sequenceNumber = String((this.seq += 7n));
    s.records.push({
      sequenceNumber,
      partitionKey,
      data: typeof data === 'string' ? Buffer.from(data) : data,
      arrivalMs: Date.now(),
    });
    return sequenceNumber;
  }

  /** Closes `parents` and adds a child shard (split: call twice with one parent; merge: two parents). */
  reshard(stream: string, parents: string[], childId: string): void {
    for (const p of parents) this.shard(stream, p).desc.closed = true;
    this.streams.get(stream)!.push({
      desc: {
        shardId: childId,
        ...(parents[0] ? { parentShardId: parents[0] } : {}),
        ...(parents[1] ? { adjacentParentShardId: parents[1] } : {}),
        closed: false,
      },
      records: [],
    });
  }

  async listShards(stream: string): Promise<ShardDescription[]> {
    this.calls.listShards++;
    const shards = this.streams.get(stream);
    if (!shards) throw Object.assign(new Error(`no stream ${stream}`), { name: 'ResourceNotFoundException' });
    return shards.map((s) => ({ ...s.desc }));
  }

  async getShardIterator(stream: string, shardId: string, start: IteratorStart): Promise<string> {
    this.calls.getShardIterator++;
    const s = this.shard(stream, shardId);
    let index = 0;
    if (start.type === 'LATEST') index = s.records.length;
    else if ('sequenceNumber' in start) {
      const seq = BigInt(start.sequenceNumber);
      index = s.records.findIndex((r) =>
        start.type === 'AT_SEQUENCE_NUMBER'
          ? BigInt(r.sequenceNumber) >= seq
          : BigInt(r.sequenceNumber) > seq,
      );
      if (index < 0) index = s.records.length;
    }
    return JSON.stringify([stream, shardId, index]);
  }

  async getRecords(iterator: string, limit: number): Promise<GetRecordsResult> {
    this.calls.getRecords++;
    if (this.throttleNext > 0) {
      this.throttleNext--;
      throw Object.assign(new Error('slow down'), { name: 'ProvisionedThroughputExceededException' });
    }
    if (this.expireNext > 0) {
      this.expireNext--;
      throw Object.assign(new Error('expired'), { name: 'ExpiredIteratorException' });
    }
    const [stream, shardId, index] = JSON.parse(iterator) as [string, string, number];
    const s = this.shard(stream, shardId);
    const records = s.records.slice(index, index + Math.min(limit, this.pageSize));
    const next = index + records.length;
    const atEnd = next >= s.records.length;
    return {
      records,
      nextIterator: atEnd && s.desc.closed ? undefined : JSON.stringify([stream, shardId, next]),
      millisBehindLatest: atEnd ? 0 : 1000,
    };
  }

  close(): void {}
}
