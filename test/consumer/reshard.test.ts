/**
 * Resharding on kinesis-local (which implements SplitShard and MergeShards; kinesalite has no
 * ChildShards/UpdateShardCount): a long-running `floe consume` reads a 2-shard stream while the
 * test produces records for 8 partition keys, splits a shard, produces, merges two shards (one of
 * them a child of the split), produces again. Then every record is in the table exactly once, per
 * partition key the committed rows keep the produce order (walked snapshot by snapshot, rows in
 * file order), and no child shard was read before its parents' `end` was committed.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ListShardsCommand,
  MergeShardsCommand,
  PutRecordsCommand,
  SplitShardCommand,
  type Shard,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { FileCatalog } from '../../src/catalog/file/index.js';
import { Table } from '../../src/iceberg/table/index.js';
import { readParquetFile } from '../../src/iceberg/writer/reader.js';
import { startKinesisLocal, type Emulator } from '../setup/kinesis.js';
import { emulatorPerFile } from '../support/emulator-per-file.js';
import { floe, logLines, startFloe } from './helpers.js';

const PER_PHASE = Number(process.env.FLOE_RESHARD_RECORDS ?? 1200);
const BATCH = 100;
const STREAM = 'reshard';
let emu: Emulator;
let dir: string;

emulatorPerFile('floe-consume-reshard-', startKinesisLocal, (e, d) => {
  emu = e;
  dir = d;
});

const SCHEMA = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'key', required: true, type: 'string' },
    { id: 3, name: 'seq', required: true, type: 'long' },
  ],
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const HASH_SPACE = 2n ** 128n;

function hashKey(partitionKey: string): bigint {
  return BigInt('0x' + createHash('md5').update(partitionKey, 'utf8').digest('hex'));
}

/**
 * Two partition keys in each quarter of the hash space, so every shard of every generation gets
 * records (after the split below, the shards cover quarters 0, 1 and 2–3).
 */
function pickKeys(): string[] {
  const perQuarter: string[][] = [[], [], [], []];
  for (let i = 0; perQuarter.some((q) => q.length < 2); i++) {
    const k = `key-${i}`;
    const q = perQuarter[Number((hashKey(k) * 4n) / HASH_SPACE)] as string[];
    if (q.length < 2) q.push(k);
  }
  return perQuarter.flat();
}

async function openShards(): Promise<Shard[]> {
  const shards = (await emu.client.send(new ListShardsCommand({ StreamName: STREAM }))).Shards ?? [];
  return shards
    .filter((s) => s.SequenceNumberRange?.EndingSequenceNumber === undefined)
    .sort((a, b) =>
      BigInt(a.HashKeyRange?.StartingHashKey ?? 0) < BigInt(b.HashKeyRange?.StartingHashKey ?? 0) ? -1 : 1,
    );
}

describe('resharding mid-stream on kinesis-local', () => {
  it('split and merge while consuming: each record once, per-key order kept, children after parents', async () => {
    await emu.createStream(STREAM, 2);
    writeFileSync(join(dir, 'schema.json'), JSON.stringify(SCHEMA));
    const keys = pickKeys();
    const nextSeq = new Map(keys.map((k) => [k, 0]));
    let nextId = 0;
    /** Per key: (shard, sequence number) in produce order, to check the emulator keeps it. */
    const placed = new Map<string, { shard: string; seq: bigint }[]>(keys.map((k) => [k, []]));

    // Batches are awaited one after the other, so per key a later batch has later sequence numbers.
    async function produce(count: number): Promise<void> {
      for (let done = 0; done < count; done += BATCH) {
        const records = Array.from({ length: Math.min(BATCH, count - done) }, () => {
          const key = keys[nextId % keys.length] as string;
          const seq = nextSeq.get(key) as number;
          nextSeq.set(key, seq + 1);
          return { PartitionKey: key, Data: Buffer.from(JSON.stringify({ id: nextId++, key, seq })) };
        });
        const r = await emu.client.send(new PutRecordsCommand({ StreamName: STREAM, Records: records }));
        expect(r.FailedRecordCount ?? 0).toBe(0);
        r.Records?.forEach((res, i) =>
          placed.get(records[i]?.PartitionKey as string)?.push({
            shard: res.ShardId as string,
            seq: BigInt(res.SequenceNumber as string),
          }),
        );
        await sleep(50); // spread the produce over a few commits
      }
    }

    const consumer = startFloe(
      [
        'consume',
        '--stream',
        STREAM,
        '--table',
        'db.reshard',
        '--schema',
        'schema.json',
        '--warehouse',
        'warehouse',
        '--commit-interval',
        '1',
        '--max-batch-records',
        '300',
      ],
      { cwd: dir, endpoint: emu.endpoint },
    );
    try {
      const up = Date.now() + 30_000;
      while (!consumer.output().includes('consumer started') && Date.now() < up) {
        if (consumer.child.exitCode !== null) throw new Error(`consumer exited: ${consumer.output()}`);
        await sleep(50);
      }

      await produce(PER_PHASE);
      // Split the lower half while the consumer is reading it.
      const [first] = await openShards();
      const lo = BigInt(first?.HashKeyRange?.StartingHashKey as string);
      const hi = BigInt(first?.HashKeyRange?.EndingHashKey as string);
      await emu.client.send(
        new SplitShardCommand({
          StreamName: STREAM,
          ShardToSplit: first?.ShardId,
          NewStartingHashKey: ((lo + hi + 1n) / 2n).toString(),
        }),
      );
      await produce(PER_PHASE);
      // Merge the split's upper child with the original upper shard (adjacent hash ranges).
      const open = await openShards();
      expect(open).toHaveLength(3);
      await emu.client.send(
        new MergeShardsCommand({
          StreamName: STREAM,
          ShardToMerge: open[1]?.ShardId,
          AdjacentShardToMerge: open[2]?.ShardId,
        }),
      );
      await produce(PER_PHASE);
      const N = nextId;

      // The emulator keeps per-key produce order within a shard (the premise of the order check).
      for (const list of placed.values())
        for (let i = 1; i < list.length; i++) {
          const [a, b] = [list[i - 1], list[i]] as [
            { shard: string; seq: bigint },
            { shard: string; seq: bigint },
          ];
          if (a.shard === b.shard) expect(b.seq > a.seq).toBe(true);
        }
      const shardsUsed = new Set([...placed.values()].flatMap((l) => l.map((p) => p.shard)));
      expect(shardsUsed.size).toBe(5); // 0, 1, the split's children 2, 3 and the merge's child 4

      // The long-running consumer (30 s ListShards period) must find the children on its own.
      const deadline = Date.now() + 60_000;
      const written = (): number =>
        logLines(consumer.output())
          .filter((l) => l.audit === true)
          .reduce((n, a) => n + (a.records as { written: number }).written, 0);
      while (written() < N && Date.now() < deadline) await sleep(200);
      expect(written()).toBe(N);

      consumer.child.kill('SIGTERM');
      const r = await consumer.done;
      expect(r.code).toBe(0);
      expect(r.stderr).toBe('');

      // Audit lines: a child's first records are committed after every parent's `end`.
      const all = await emu.client.send(new ListShardsCommand({ StreamName: STREAM }));
      const audits = logLines(r.stdout).filter((l) => l.audit === true) as {
        advanced: Record<string, string>;
        positions: Record<string, string>;
      }[];
      const firstAdvance = (shard: string, end: boolean): number =>
        audits.findIndex((a) => (end ? a.advanced[shard] === 'end' : a.advanced[shard] !== undefined));
      let children = 0;
      for (const s of all.Shards ?? []) {
        for (const parent of [s.ParentShardId, s.AdjacentParentShardId]) {
          if (parent === undefined) continue;
          children++;
          const parentEnd = firstAdvance(parent, true);
          expect(parentEnd, `${parent} end committed`).toBeGreaterThanOrEqual(0);
          expect(firstAdvance(s.ShardId as string, false), `${s.ShardId} after ${parent}`).toBeGreaterThan(
            parentEnd,
          );
        }
      }
      expect(children).toBe(4); // 2 and 3 from 0; 4 from 3 and 1
      const last = audits[audits.length - 1] as { positions: Record<string, string> };
      for (const closed of ['shardId-000000000000', 'shardId-000000000001', 'shardId-000000000003'])
        expect(last.positions[closed]).toBe('end');

      // Walk the snapshots in commit order; per key, seq must be 0, 1, 2, … with no gap or repeat.
      const catalog = new FileCatalog({ warehouse: join(dir, 'warehouse') });
      const table = await Table.load(catalog, { namespace: ['db'], name: 'reshard' });
      const snapshots = [...table.metadata.snapshots].sort((a, b) =>
        a.sequenceNumber < b.sequenceNumber ? -1 : 1,
      );
      const seen = new Set<string>();
      const expectedSeq = new Map(keys.map((k) => [k, 0n]));
      const ids = new Set<bigint>();
      for (const snap of snapshots) {
        const files = (await table.planFiles({ snapshotId: snap.snapshotId }))
          .map((f) => f.dataFile.filePath)
          .filter((p) => !seen.has(p));
        expect(files.length).toBeLessThanOrEqual(1); // one flush, one (small, unpartitioned) file
        for (const path of files) {
          seen.add(path);
          for await (const batch of readParquetFile(table.io, path, table.schema)) {
            const [id, key, seq] = [1, 2, 3].map((f) => batch.columns.get(f) as unknown[]) as [
              bigint[],
              string[],
              bigint[],
            ];
            for (let i = 0; i < batch.rowCount; i++) {
              ids.add(id[i] as bigint);
              const k = key[i] as string;
              expect(`${k}:${seq[i]}`).toBe(`${k}:${expectedSeq.get(k)}`);
              expectedSeq.set(k, (seq[i] as bigint) + 1n);
            }
          }
        }
      }
      expect(ids.size).toBe(N);
      expect([...expectedSeq.values()].reduce((a, b) => a + b, 0n)).toBe(BigInt(N));

      // A drain afterwards finds nothing left.
      const again = await floe(
        ['consume', '--drain', '--stream', STREAM, '--table', 'db.reshard', '--warehouse', 'warehouse'],
        { cwd: dir, endpoint: emu.endpoint },
      );
      expect(again.code).toBe(0);
      expect(logLines(again.stdout).filter((l) => l.audit === true)).toHaveLength(0);
    } finally {
      if (consumer.child.exitCode === null) consumer.child.kill('SIGKILL');
    }
  }, 240_000);
});
