import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCatalog } from '../catalog/file/index.js';
import { FloeError } from '../errors.js';
import type { Catalog, CommitRequest } from '../iceberg/catalog.js';
import { Schema } from '../iceberg/spec/schema.js';
import { t } from '../iceberg/spec/types.js';
import { Table } from '../iceberg/table/index.js';
import { encodeAggregate } from '../producer/kpl.js';
import { MemoryCheckpointStore } from './checkpoint-store.js';
import { commitWithPositions } from './commit.js';
import { Consumer, type TableSpec } from './consumer.js';
import { silentLogger } from './log.js';
import type { ConsumerEvent } from './metrics.js';
import { positionsFromSummary, summaryKey } from './position.js';
import { FakeKinesis } from './test-support.js';

const schema = new Schema([
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'name', required: false, type: t.string },
]);
const ident = { namespace: ['db'], name: 'events' };
const FAST = { limits: { minCallIntervalMs: 0, bytesPerSecond: 1e12 }, tickMs: 10 };

let dir: string;
let catalog: FileCatalog;
let kinesis: FakeKinesis;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-consumer-'));
  catalog = new FileCatalog({ warehouse: dir });
  await catalog.createNamespace(['db']);
  await Table.create(catalog, { identifier: ident, schema });
  kinesis = new FakeKinesis();
  kinesis.createStream('s', 3);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const rec = (id: number): string => JSON.stringify({ id, name: `n${id}` });

async function drain(options: { catalog?: Catalog; spec?: Partial<TableSpec> } = {}): Promise<Consumer> {
  const table = await Table.load(options.catalog ?? catalog, ident);
  const consumer = new Consumer({
    api: kinesis,
    store: new MemoryCheckpointStore(),
    log: silentLogger(),
    tables: [
      {
        table,
        catalog: options.catalog ?? catalog,
        stream: 's',
        format: 'json',
        reader: { idleMs: 5 },
        ...options.spec,
      },
    ],
    ...FAST,
  });
  expect(await consumer.run({ drain: true })).toBe(true);
  return consumer;
}

async function ids(): Promise<number[]> {
  const table = await Table.load(catalog, ident);
  return (await table.readRows()).map((r) => Number(r.id)).sort((a, b) => a - b);
}

function putRange(from: number, to: number): void {
  const shards = kinesis.shardIds('s').filter((_, i) => i < 3);
  for (let i = from; i < to; i++) kinesis.put('s', shards[i % shards.length] as string, rec(i), String(i));
}

describe('Consumer (in-memory Kinesis, file catalog)', () => {
  it('drains every shard, including KPL aggregates, and skips a bad record into the rejects', async () => {
    putRange(0, 300);
    const agg = encodeAggregate(
      [300, 301, 302].map((i) => ({ partitionKey: String(i), data: Buffer.from(rec(i)) })),
    );
    kinesis.put('s', 'shardId-000000000001', agg);
    kinesis.put('s', 'shardId-000000000002', '{"id": "not a number"}');
    const c = await drain();
    expect(await ids()).toEqual(Array.from({ length: 303 }, (_, i) => i));
    const m = c.metricsSnapshot().counters;
    expect(m.recordsWritten).toBe(303);
    expect(m.recordsRejected).toBe(1);
    const table = await Table.load(catalog, ident);
    const positions = positionsFromSummary(table.currentSnapshot()?.summary, 's');
    expect([...positions.keys()].sort()).toEqual(kinesis.shardIds('s'));
    expect(c.health().healthy).toBe(true);
  });

  it('emits one commit event per commit and keeps per-table counters and freshness', async () => {
    const before = Date.now();
    putRange(0, 40);
    kinesis.put('s', 'shardId-000000000000', '{"id": "x"}');
    const table = await Table.load(catalog, ident);
    const consumer = new Consumer({
      api: kinesis,
      store: new MemoryCheckpointStore(),
      log: silentLogger(),
      tables: [{ table, catalog, stream: 's', format: 'json', reader: { idleMs: 5 } }],
      ...FAST,
    });
    const events: ConsumerEvent[] = [];
    consumer.metrics.on((e) => events.push(e));
    expect(await consumer.run({ drain: true })).toBe(true);
    const commits = events.filter((e) => e.type === 'commit');
    expect(commits.length).toBe(consumer.metricsSnapshot().counters.commits);
    expect(commits.reduce((n, e) => n + e.records.written, 0)).toBe(40);
    expect(commits.reduce((n, e) => n + (e.rejectedByRule['decode'] ?? 0), 0)).toBe(1);
    const last = commits[commits.length - 1]!;
    const head = (await Table.load(catalog, ident)).currentSnapshot()!;
    expect(last.snapshotId).toBe(head.snapshotId.toString());
    expect(Object.keys(last.positions).sort()).toEqual(kinesis.shardIds('s'));
    expect(last.newestArrivalMs).toBeGreaterThanOrEqual(before);
    const perTable = consumer.metricsSnapshot().tables['db.events']!;
    expect(perTable.counters.recordsWritten).toBe(40);
    expect(perTable.counters.recordsRejected).toBe(1);
    expect(perTable.gauges.newestCommittedArrivalMs).toBeGreaterThanOrEqual(before);
    expect(perTable.gauges.bufferedRecords).toBe(0);
  });

  it('a second drain adds nothing; new records resume after the committed positions', async () => {
    putRange(0, 90);
    await drain();
    const head1 = (await Table.load(catalog, ident)).currentSnapshot()?.snapshotId;
    await drain();
    expect((await Table.load(catalog, ident)).currentSnapshot()?.snapshotId).toBe(head1);
    putRange(90, 120);
    const c = await drain();
    expect(c.metricsSnapshot().counters.recordsRead).toBe(30);
    expect(await ids()).toEqual(Array.from({ length: 120 }, (_, i) => i));
  });

  it('backs off from throttling, renews expired iterators, pages through many calls', async () => {
    putRange(0, 200);
    kinesis.pageSize = 7;
    kinesis.throttleNext = 3;
    kinesis.expireNext = 2;
    const c = await drain({ spec: { reader: { idleMs: 5, maxBackoffMs: 20 } } });
    expect(await ids()).toEqual(Array.from({ length: 200 }, (_, i) => i));
    const m = c.metricsSnapshot().counters;
    expect(m.throttled).toBe(3);
    expect(m.iteratorsRenewed).toBe(2);
  });

  it('pauses reading when the buffer is full and still delivers everything', async () => {
    putRange(0, 500);
    kinesis.pageSize = 20;
    const c = await drain({
      spec: { batching: { maxBufferBytes: 2000, maxBatchBytes: 1000, commitIntervalMs: 1000 } },
    });
    expect(await ids()).toEqual(Array.from({ length: 500 }, (_, i) => i));
    expect(c.metricsSnapshot().counters.backpressureWaits).toBeGreaterThan(0);
    expect(c.metricsSnapshot().counters.commits).toBeGreaterThan(5);
  });

  it('reads a child shard only after its parents are finished and committed (split and merge)', async () => {
    putRange(0, 30);
    kinesis.reshard('s', ['shardId-000000000000'], 'shardId-000000000003');
    kinesis.reshard('s', ['shardId-000000000001', 'shardId-000000000002'], 'shardId-000000000004');
    for (let i = 30; i < 40; i++)
      kinesis.put('s', i % 2 ? 'shardId-000000000003' : 'shardId-000000000004', rec(i));
    await drain();
    expect(await ids()).toEqual(Array.from({ length: 40 }, (_, i) => i));
    const table = await Table.load(catalog, ident);
    // Walk the snapshots: a child's position first appears in a snapshot whose parent already has the parents' `end`.
    const snaps = table.metadata.snapshots;
    for (const [child, parents] of [
      ['shardId-000000000003', ['shardId-000000000000']],
      ['shardId-000000000004', ['shardId-000000000001', 'shardId-000000000002']],
    ] as const) {
      const first = snaps.findIndex((s) => s.summary[summaryKey('s', child)] !== undefined);
      expect(first).toBeGreaterThan(0);
      const before = snaps[first - 1]!.summary;
      for (const p of parents) expect(before[summaryKey('s', p)]).toBe('end');
    }
    // Restart: finished shards stay finished, nothing is read again.
    const c = await drain();
    expect(c.metricsSnapshot().counters.recordsRead).toBe(0);
  });

  it('a commit that keeps failing: unhealthy, reading paused, retried later; nothing lost or doubled', async () => {
    putRange(0, 60);
    let failures = 4; // more than the 3 retries of one flush
    const flaky: Catalog = Object.create(catalog) as Catalog;
    flaky.commitTable = async (req: CommitRequest) => {
      if (failures-- > 0) throw new FloeError('io', 'disk unplugged', { retryable: true });
      return catalog.commitTable(req);
    };
    const table = await Table.load(flaky, ident);
    const consumer = new Consumer({
      api: kinesis,
      store: new MemoryCheckpointStore(),
      log: silentLogger(),
      tables: [{ table, catalog: flaky, stream: 's', format: 'json', reader: { idleMs: 5 } }],
      ...FAST,
    });
    const healthSeen: boolean[] = [];
    const timer = setInterval(() => healthSeen.push(consumer.isHealthy()), 5);
    expect(await consumer.run({ drain: true })).toBe(true);
    clearInterval(timer);
    expect(healthSeen).toContain(false);
    expect(consumer.isHealthy()).toBe(true);
    expect(await ids()).toEqual(Array.from({ length: 60 }, (_, i) => i));
    expect(consumer.metricsSnapshot().counters.commitFailures).toBeGreaterThan(0);
  }, 30_000);
});

describe('commitWithPositions', () => {
  it('re-merges against the new head after a conflict: a concurrent writer’s positions survive', async () => {
    const mine = await catalog.loadTable(ident); // stale once the other writer commits
    const other = await catalog.loadTable(ident);
    await commitWithPositions({
      catalog,
      table: other,
      stream: 's',
      files: [],
      advance: new Map([['shardId-000000000001', { sequence: 50n, sub: Number.MAX_SAFE_INTEGER }]]),
      snapshotId: 11n,
    });
    const r = await commitWithPositions({
      catalog,
      table: mine,
      stream: 's',
      files: [],
      advance: new Map([['shardId-000000000000', { sequence: 70n, sub: Number.MAX_SAFE_INTEGER }]]),
      snapshotId: 12n,
    });
    expect(r.attempts).toBe(2);
    const head = (await Table.load(catalog, ident)).currentSnapshot()!;
    expect(head.summary[summaryKey('s', 'shardId-000000000000')]).toBe('70');
    expect(head.summary[summaryKey('s', 'shardId-000000000001')]).toBe('50');
  });

  it('an unknown outcome that did land is not committed twice', async () => {
    let first = true;
    const lossy: Catalog = Object.create(catalog) as Catalog;
    lossy.commitTable = async (req: CommitRequest) => {
      const out = await catalog.commitTable(req);
      if (first) {
        first = false;
        throw new FloeError('commit-state-unknown', 'response lost');
      }
      return out;
    };
    const table = await lossy.loadTable(ident);
    const before = table.metadata.snapshots.length;
    const r = await commitWithPositions({
      catalog: lossy,
      table,
      stream: 's',
      files: [],
      advance: new Map([['shardId-000000000000', { sequence: 5n, sub: Number.MAX_SAFE_INTEGER }]]),
      snapshotId: 13n,
    });
    expect(r.snapshot.snapshotId).toBe(13n);
    expect((await Table.load(catalog, ident)).metadata.snapshots.length).toBe(before + 1);
  });
});
