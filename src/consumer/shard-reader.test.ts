import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAggregate } from '../producer/kpl.js';
import { ShardThrottle } from './limits.js';
import { silentLogger } from './log.js';
import { Metrics } from './metrics.js';
import { comparePositions, WHOLE, type Checkpoint, type Position } from './position.js';
import { ShardReader, type ReadChunk } from './shard-reader.js';
import { FakeKinesis } from './test-support.js';

/** One Kinesis record of the fake shard: plain (one user record) or an aggregate of `subs` user records. */
type Put = { readonly subs: number | 'plain' };

interface Expected {
  readonly position: Position;
  readonly partitionKey: string;
  readonly text: string;
  readonly aggregated: boolean;
}

/** Reads the whole (closed) shard and returns every user record the chunks hold, as the pipeline sees them. */
async function readAll(kinesis: FakeKinesis, shardId: string, committed: Checkpoint | undefined) {
  const chunks: ReadChunk[] = [];
  const metrics = new Metrics();
  const reader = new ShardReader({
    api: kinesis,
    stream: 's',
    shardId,
    committed,
    initialPosition: 'TRIM_HORIZON',
    sink: {
      put: async (chunk) => {
        chunks.push(chunk);
      },
      finished: () => undefined,
      gate: async () => undefined,
    },
    throttle: new ShardThrottle({ minCallIntervalMs: 0, bytesPerSecond: 1e12 }),
    metrics,
    log: silentLogger(),
    idleMs: 1,
    // The first call's Limit then covers the shard (the fake's pageSize decides the chunks).
    targetResponseBytes: 64 * 1024 * 1024,
  });
  await reader.start();
  const records = chunks.flatMap((c) =>
    c.data.map((data, i) => {
      const r = c.record(i);
      // The chunk's payload array and its records agree.
      expect(r.data).toBe(data);
      return {
        position: r.position,
        partitionKey: r.partitionKey,
        text: Buffer.from(r.data).toString(),
        aggregated: r.aggregated === true,
      };
    }),
  );
  return { chunks, records, skipped: metrics.counters.recordsSkipped };
}

describe('ShardReader chunks', () => {
  it('hold every user record with its position, partition key, payload and aggregate flag; the skip rule holds', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({ subs: fc.oneof(fc.constant('plain' as const), fc.integer({ min: 1, max: 4 })) }),
          { minLength: 1, maxLength: 12 },
        ),
        fc.integer({ min: 1, max: 5 }),
        fc.nat(),
        fc.boolean(),
        async (puts: Put[], pageSize, cut, whole) => {
          const kinesis = new FakeKinesis();
          kinesis.createStream('s', 1);
          kinesis.pageSize = pageSize;
          const [shardId] = kinesis.shardIds('s') as [string];
          const all: Expected[] = [];
          puts.forEach((p, k) => {
            if (p.subs === 'plain') {
              const text = `{"k":${k}}`;
              const seq = kinesis.put('s', shardId, text, `pk${k}`);
              all.push({
                position: { sequence: BigInt(seq), sub: 0 },
                partitionKey: `pk${k}`,
                text,
                aggregated: false,
              });
              return;
            }
            const users = Array.from({ length: p.subs }, (_, sub) => ({
              partitionKey: `pk${k}.${sub}`,
              data: Buffer.from(`{"k":${k},"sub":${sub}}`),
            }));
            const seq = kinesis.put('s', shardId, encodeAggregate(users), 'outer');
            users.forEach((u, sub) =>
              all.push({
                position: { sequence: BigInt(seq), sub },
                partitionKey: u.partitionKey,
                text: u.data.toString(),
                aggregated: true,
              }),
            );
          });
          kinesis.reshard('s', [shardId], 'child');
          // A committed checkpoint at some user record: the whole Kinesis record, or up to that sub-record.
          const at = all[cut % all.length] as Expected;
          const committed: Checkpoint | undefined =
            cut % 3 === 0
              ? undefined
              : { sequence: at.position.sequence, sub: whole ? WHOLE : at.position.sub };
          const { records, skipped } = await readAll(kinesis, shardId, committed);
          const expected = all.filter(
            (r) => committed === undefined || comparePositions(r.position, committed) > 0,
          );
          expect(records).toEqual(expected);
          // Resuming AFTER a whole record never reads what it skips; AT a partial aggregate reads and skips its head.
          expect(skipped).toBe(
            committed === undefined || whole
              ? 0
              : all.filter(
                  (r) => r.position.sequence === at.position.sequence && r.position.sub <= at.position.sub,
                ).length,
          );
        },
      ),
      { numRuns: 60 },
    );
  });

  it('a chunk of plain records has no aggregate flag; a chunk mixing both keeps each record its own', async () => {
    const kinesis = new FakeKinesis();
    kinesis.createStream('s', 1);
    const [shardId] = kinesis.shardIds('s') as [string];
    const s1 = kinesis.put('s', shardId, 'a', 'p1');
    const s2 = kinesis.put(
      's',
      shardId,
      encodeAggregate([
        { partitionKey: 'q0', data: Buffer.from('b0') },
        { partitionKey: 'q1', data: Buffer.from('b1') },
      ]),
      'outer',
    );
    const s3 = kinesis.put('s', shardId, 'c', 'p3');
    kinesis.reshard('s', [shardId], 'child');
    const { chunks } = await readAll(kinesis, shardId, undefined);
    expect(chunks).toHaveLength(1);
    const c = chunks[0] as ReadChunk;
    expect(c.data.map((d) => Buffer.from(d).toString())).toEqual(['a', 'b0', 'b1', 'c']);
    expect(c.last).toEqual({ sequence: BigInt(s3), sub: WHOLE });
    expect(c.record(0)).toMatchObject({ partitionKey: 'p1', position: { sequence: BigInt(s1), sub: 0 } });
    expect(c.record(0).aggregated).toBeUndefined();
    expect(c.record(2)).toMatchObject({
      partitionKey: 'q1',
      aggregated: true,
      position: { sequence: BigInt(s2), sub: 1 },
    });
    expect(c.record(3).aggregated).toBeUndefined();
    expect(c.record(3).position).toEqual({ sequence: BigInt(s3), sub: 0 });
  });
});
