import { describe, expect, it } from 'vitest';
import { hashKeyOf, ShardMap } from '../../producer/hash.js';
import { MAX_BYTES_PER_CALL, MAX_RECORD_BYTES } from '../../producer/limits.js';
import { FakeKinesis } from '../../producer/test-support.js';
import { deaggregate } from '../../records/kpl.js';
import { StreamSender, type SentRun, type TrackedRecord } from './sender.js';

interface Owner {
  readonly id: number;
}

interface Sent {
  owner: Owner;
  shardId: string;
  seq: bigint;
  run: SentRun;
}

function setup(
  kinesis: FakeKinesis,
  o: { aggregate?: boolean; lingerMs?: number; backoffBaseMs?: number } = {},
): {
  sender: StreamSender<Owner>;
  sent: Sent[];
  failed: { owner: Owner; count: number }[];
  errors: unknown[];
} {
  const sent: Sent[] = [];
  const failed: { owner: Owner; count: number }[] = [];
  const errors: unknown[] = [];
  const sender = new StreamSender<Owner>({
    api: kinesis,
    stream: 's',
    lingerMs: o.lingerMs ?? 5,
    backoffBaseMs: o.backoffBaseMs ?? 1,
    backoffMaxMs: 2,
    ...(o.aggregate !== undefined ? { aggregate: o.aggregate } : {}),
    onSent: (owner, result, run) =>
      sent.push({ owner, shardId: result.shardId!, seq: BigInt(result.sequenceNumber!), run }),
    onFailed: (owner, _code, _message, count) => failed.push({ owner, count }),
    onShardMapError: (err) => errors.push(err),
  });
  return { sender, sent, failed, errors };
}

const request = (owner: Owner, n: number, key?: (i: number) => string, pad = ''): TrackedRecord<Owner>[] =>
  Array.from({ length: n }, (_, i) => ({
    line: i + 1,
    data: Buffer.from(JSON.stringify({ req: owner.id, i, pad })),
    partitionKey: key ? key(i) : `r${owner.id}.${i}`,
    owner,
  }));

const parse = (data: Uint8Array): { req: number; i: number } => {
  const text = Buffer.from(data).toString();
  return text.startsWith('{') ? (JSON.parse(text) as { req: number; i: number }) : { req: -1, i: -1 };
};

interface UserRec {
  shardId: string;
  seq: bigint;
  sub: number;
  partitionKey: string;
  body: { req: number; i: number };
  aggregated: boolean;
}

/** The user records the fake stream holds, in stream order, with their positions. */
function userRecords(kinesis: FakeKinesis): UserRec[] {
  return kinesis.stored.flatMap((s, idx): UserRec[] => {
    const seq = BigInt(idx + 1);
    const users = deaggregate(s.data);
    if (!users)
      return [
        {
          shardId: s.shardId,
          seq,
          sub: 0,
          partitionKey: s.partitionKey,
          body: parse(s.data),
          aggregated: false,
        },
      ];
    return users.map((u, sub) => ({
      shardId: s.shardId,
      seq,
      sub,
      partitionKey: u.partitionKey,
      body: parse(u.data),
      aggregated: true,
    }));
  });
}

describe('StreamSender aggregation', () => {
  it('packs records of concurrent requests into one KPL aggregate per shard, sub-records of that shard only', async () => {
    const kinesis = new FakeKinesis({ shards: 4 });
    const { sender, sent } = setup(kinesis);
    const owners = Array.from({ length: 20 }, (_, id) => ({ id }));
    for (const o of owners) sender.add(request(o, 10));
    await sender.drain();
    // 200 records, 4 shards: 4 Kinesis records (a 4-shard stream stores 4 records, not 200).
    expect(kinesis.stored).toHaveLength(4);
    expect(new Set(kinesis.stored.map((s) => s.shardId)).size).toBe(4);
    const users = userRecords(kinesis);
    expect(users).toHaveLength(200);
    expect(users.every((u) => u.aggregated)).toBe(true);
    for (const s of kinesis.stored) {
      // Routed by the shard's starting hash key.
      const shard = kinesis.map.shards.find((x) => x.shardId === s.shardId)!;
      expect(s.explicitHashKey).toBe(shard.start.toString());
    }
    for (const u of users) {
      // Every sub-record's own key hashes into the shard holding its aggregate (the KCL keeps it).
      const hash = hashKeyOf(u.partitionKey);
      const shard = kinesis.map.shards.find((x) => x.shardId === u.shardId)!;
      expect(hash >= shard.start && hash <= shard.end).toBe(true);
    }
    const keys = users.map((u) => `${u.body.req}.${u.body.i}`);
    expect(new Set(keys).size).toBe(200);
    // The callbacks name, for every record, the aggregate and sub-record index it is at.
    expect(sent.reduce((n, s) => n + s.run.count, 0)).toBe(200);
    for (const s of sent) {
      expect(s.run.aggregated).toBe(true);
      const last = users.find((u) => u.seq === s.seq && u.sub === s.run.lastSub)!;
      expect(last.body.req).toBe(s.owner.id);
      expect(last.shardId).toBe(s.shardId);
      // The run's records are the owner's records just before it in the aggregate.
      const run = users.filter(
        (u) => u.seq === s.seq && u.sub > s.run.lastSub - s.run.count && u.sub <= s.run.lastSub,
      );
      expect(run.every((u) => u.body.req === s.owner.id)).toBe(true);
      expect(run).toHaveLength(s.run.count);
    }
  });

  it('keeps the 1 MiB record and 5 MiB call limits; a record too big to wrap goes plain', async () => {
    const kinesis = new FakeKinesis({ shards: 2 });
    const { sender } = setup(kinesis);
    const pad = 'x'.repeat(100_000);
    for (let id = 0; id < 12; id++) sender.add(request({ id }, 10, undefined, pad));
    const huge: TrackedRecord<Owner> = {
      line: 1,
      data: Buffer.alloc(MAX_RECORD_BYTES - 10, 0x41),
      partitionKey: 'k',
      owner: { id: 99 },
    };
    sender.add([huge]);
    await sender.drain();
    const users = userRecords(kinesis);
    expect(users).toHaveLength(121);
    for (const s of kinesis.stored)
      expect(s.data.length + Buffer.byteLength(s.partitionKey)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
    for (const c of kinesis.calls) expect(c.bytes).toBeLessThanOrEqual(MAX_BYTES_PER_CALL);
    // ~12 MB of records: aggregates of ~10 records each, not 120 records.
    expect(kinesis.stored.length).toBeLessThan(20);
    expect(users.filter((u) => !u.aggregated)).toHaveLength(1);
  });

  it('keeps per-partition-key order across requests, retries and shards', async () => {
    let call = 0;
    const kinesis = new FakeKinesis({
      shards: 3,
      delayMs: 2,
      // Throttle a few entries: a retried aggregate must still land before anything newer of its shard.
      failEntry: () => (call++ % 5 === 1 ? 'ProvisionedThroughputExceededException' : undefined),
    });
    const { sender, sent } = setup(kinesis, { lingerMs: 1 });
    const keys = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    for (let id = 0; id < 30; id++) {
      sender.add(
        request({ id }, 7, (i) => keys[(i + id) % keys.length]!),
        true,
      );
      if (id % 6 === 0) await new Promise((r) => setTimeout(r, 3));
    }
    await sender.drain();
    const users = userRecords(kinesis);
    expect(users).toHaveLength(210);
    expect(sent.reduce((n, s) => n + s.run.count, 0)).toBe(210);
    for (const k of keys) {
      const order = users
        .filter((u) => u.partitionKey === k)
        .sort((x, y) => (x.seq < y.seq ? -1 : x.seq > y.seq ? 1 : x.sub - y.sub))
        .map((u) => u.body.req * 100 + u.body.i);
      expect(order).toEqual([...order].sort((x, y) => x - y));
      expect(order).toHaveLength(30);
      // One key, one shard.
      expect(new Set(users.filter((u) => u.partitionKey === k).map((u) => u.shardId)).size).toBe(1);
    }
    expect(kinesis.failedEntries).toBeGreaterThan(0);
  });

  it('sends one plain Kinesis record per record when aggregation is off', async () => {
    const kinesis = new FakeKinesis({ shards: 2 });
    const { sender, sent } = setup(kinesis, { aggregate: false });
    sender.add(request({ id: 1 }, 5));
    sender.add(
      request({ id: 2 }, 5, (i) => `k${i % 2}`),
      true,
    );
    await sender.drain();
    expect(kinesis.stored).toHaveLength(10);
    expect(userRecords(kinesis).every((u) => !u.aggregated)).toBe(true);
    expect(sent.every((s) => s.run.count === 1 && s.run.lastSub === 0 && !s.run.aggregated)).toBe(true);
  });

  it('reloads the shard map after a reshard and routes new aggregates by it', async () => {
    const kinesis = new FakeKinesis({ shards: 2 });
    const { sender } = setup(kinesis);
    sender.add(request({ id: 1 }, 20));
    await sender.drain();
    expect(sender.shards).toBe(2);
    // Split into 4 shards with new ids: the next results name shards the map does not know.
    const next = ShardMap.even(4);
    next.shards.forEach((s, i) => Object.assign(s, { shardId: `shardId-00000000000${i + 2}` }));
    kinesis.map = next;
    sender.add(request({ id: 2 }, 20));
    await sender.drain();
    expect(sender.shards).toBe(4);
    const before = kinesis.stored.length;
    sender.add(request({ id: 3 }, 40));
    await sender.drain();
    const after = kinesis.stored.slice(before);
    expect(after).toHaveLength(4);
    for (const s of after) {
      const shard = next.shards.find((x) => x.shardId === s.shardId)!;
      expect(s.explicitHashKey).toBe(shard.start.toString());
    }
    expect(userRecords(kinesis)).toHaveLength(80);
  });

  it('without a shard map (ListShards denied) still aggregates and reports the error', async () => {
    const kinesis = new FakeKinesis({
      shards: 2,
      listShardsError: Object.assign(new Error('denied'), { name: 'AccessDeniedException' }),
    });
    const { sender, sent, errors } = setup(kinesis);
    sender.add(request({ id: 1 }, 10));
    sender.add(request({ id: 2 }, 10));
    await sender.drain();
    expect(errors).toHaveLength(1);
    expect(kinesis.stored).toHaveLength(1);
    expect(userRecords(kinesis)).toHaveLength(20);
    expect(sent.map((s) => [s.owner.id, s.run.count, s.run.lastSub])).toEqual([
      [1, 10, 9],
      [2, 10, 19],
    ]);
  });

  it('gives back held, filling and queued records as failed, counted per owner', async () => {
    const kinesis = new FakeKinesis({ shards: 2, delayMs: 50 });
    const { sender, failed, sent } = setup(kinesis, { lingerMs: 1000 });
    sender.add(request({ id: 1 }, 10));
    sender.giveBack();
    sender.add(request({ id: 2 }, 3));
    await sender.drain();
    expect(sent).toHaveLength(0);
    const byOwner = new Map<number, number>();
    for (const f of failed) byOwner.set(f.owner.id, (byOwner.get(f.owner.id) ?? 0) + f.count);
    expect(byOwner).toEqual(
      new Map([
        [1, 10],
        [2, 3],
      ]),
    );
  });
});
