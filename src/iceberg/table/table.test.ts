import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCatalog } from '../../catalog/file/index.js';
import { FloeError } from '../../errors.js';
import type { Catalog, CommitRequest } from '../catalog.js';
import { readManifestList } from '../manifest/index.js';
import { parsePartitionSpec } from '../spec/partition.js';
import { Schema } from '../spec/schema.js';
import { t, type Value } from '../spec/types.js';
import type { ColumnBatch } from '../writer/batch.js';
import { newSnapshotId, Table } from './index.js';

const schema = new Schema([
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'ts', required: false, type: t.timestamptz },
  { id: 3, name: 'name', required: false, type: t.string },
]);
const DAY = 86_400_000_000n;

function batch(rows: [bigint, bigint | null, string | null][]): ColumnBatch {
  return {
    rowCount: rows.length,
    columns: new Map<number, Value[]>([
      [1, rows.map((r) => r[0])],
      [2, rows.map((r) => r[1])],
      [3, rows.map((r) => r[2])],
    ]),
  };
}

let dir: string;
let catalog: FileCatalog;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-table-'));
  catalog = new FileCatalog({ warehouse: dir });
  await catalog.createNamespace(['db']);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Table', () => {
  it('appends, merges manifests, prunes and reads back exactly', async () => {
    const table = await Table.create(catalog, {
      identifier: { namespace: ['db'], name: 't' },
      schema,
      partitionSpec: parsePartitionSpec('day(ts)', schema),
      properties: { 'commit.manifest.min-count-to-merge': '3' },
    });
    const s1 = await table.append([
      batch([
        [1n, 0n, 'a'],
        [2n, DAY, 'b'],
      ]),
    ]);
    const s2 = await table.append([batch([[3n, 2n * DAY, 'c']])]);
    const s3 = await table.append([
      batch([
        [4n, 3n * DAY, null],
        [5n, null, 'e'],
      ]),
    ]);
    expect(s2.parentSnapshotId).toBe(s1.snapshotId);
    expect(s3.sequenceNumber).toBe(3n);
    expect(s3.summary['total-records']).toBe('5');
    expect(s3.summary['added-records']).toBe('2');

    // The third commit reached min-count-to-merge: one merged manifest instead of three.
    const manifests = await readManifestList(table.io, s3.manifestList);
    expect(manifests).toHaveLength(1);
    expect(manifests[0]!.addedFilesCount).toBe(2);
    expect(manifests[0]!.existingFilesCount).toBe(3);

    const reloaded = await Table.load(catalog, table.identifier);
    const rows = await reloaded.readRows();
    expect(rows.map((r) => r.id).sort()).toEqual([1n, 2n, 3n, 4n, 5n]);
    expect(rows.find((r) => r.id === 4n)).toEqual({ id: 4n, ts: 3n * DAY, name: null });

    const planned = await reloaded.planFiles({ filter: { op: 'gt-eq', column: 'ts', value: 2n * DAY } });
    expect(planned.map((p) => p.dataFile.partition[0]).sort()).toEqual([2, 3]);
    const filtered = await reloaded.readRows({
      filter: { op: 'eq', column: 'name', value: 'c' },
      select: ['id'],
    });
    expect(filtered).toEqual([{ id: 3n }]);

    // Time travel to the first snapshot.
    expect((await reloaded.readRows({ snapshotId: s1.snapshotId })).length).toBe(2);
  });

  it('commits with a snapshot id chosen up front, and recognises it when the same batch is retried', async () => {
    const id = { namespace: ['db'], name: 'chosen' };
    const table = await Table.create(catalog, { identifier: id, schema });
    const snapshotId = newSnapshotId();
    const snap = await table.append([batch([[1n, null, 'a']])], {
      snapshotId,
      summary: { 'floe.test': '1' },
    });
    expect(snap.snapshotId).toBe(snapshotId);
    // The same batch again with the same id (a consumer retrying a batch whose commit did land):
    // nothing is appended and the second copy's data file is removed.
    const again = await (await Table.load(catalog, id)).append([batch([[1n, null, 'a']])], { snapshotId });
    expect(again.snapshotId).toBe(snapshotId);
    const fresh = await Table.load(catalog, id);
    expect(fresh.metadata.snapshots).toHaveLength(1);
    expect(await fresh.readRows()).toEqual([{ id: 1n, ts: null, name: 'a' }]);
    const parquet = (await fresh.io.list(`${fresh.location}/data/`)).filter((f) =>
      f.path.endsWith('.parquet'),
    );
    expect(parquet).toHaveLength(1);
  });

  it('retries a conflicting commit against the new head and keeps both appends', async () => {
    const id = { namespace: ['db'], name: 'c' };
    const a = await Table.create(catalog, { identifier: id, schema });
    const b = await Table.load(catalog, id);
    await a.append([batch([[1n, null, 'a']])]);
    // b's metadata is stale: its first attempt conflicts, the retry succeeds on top of a's snapshot.
    const snap = await b.append([batch([[2n, null, 'b']])], {
      retryPolicy: { retries: 3, minWaitMs: 1, maxWaitMs: 5 },
    });
    expect(snap.sequenceNumber).toBe(2n);
    const rows = await (await Table.load(catalog, id)).readRows();
    expect(rows.map((r) => r.id).sort()).toEqual([1n, 2n]);
  });

  it('recognises a commit whose response was lost and does not append twice', async () => {
    const id = { namespace: ['db'], name: 'lost' };
    await Table.create(catalog, { identifier: id, schema });
    let failNext = true;
    const lossy: Catalog = Object.create(catalog, {
      commitTable: {
        value: async (req: CommitRequest) => {
          const result = await catalog.commitTable(req);
          if (failNext) {
            failNext = false;
            throw new FloeError('commit-state-unknown', 'connection reset after commit');
          }
          return result;
        },
      },
    });
    const table = await Table.load(lossy, id);
    const snap = await table.append([batch([[7n, null, 'x']])], {
      retryPolicy: { retries: 3, minWaitMs: 1, maxWaitMs: 5 },
    });
    const fresh = await Table.load(catalog, id);
    expect(fresh.metadata.snapshots).toHaveLength(1);
    expect(fresh.currentSnapshot()!.snapshotId).toBe(snap.snapshotId);
    expect(await fresh.readRows()).toEqual(
      [{ id: 7n, ts: null, name: null }].map((r) => ({ ...r, name: 'x' })),
    );
  });

  it('gives up after the configured retries with a conflict and deletes nothing committed', async () => {
    const id = { namespace: ['db'], name: 'busy' };
    await Table.create(catalog, { identifier: id, schema });
    let attempts = 0;
    const hostile: Catalog = Object.create(catalog, {
      commitTable: {
        value: async () => {
          attempts++;
          throw new FloeError('commit-conflict', 'someone else won');
        },
      },
    });
    const table = await Table.load(hostile, id);
    await expect(
      table.append([batch([[1n, null, null]])], { retryPolicy: { retries: 3, minWaitMs: 1, maxWaitMs: 2 } }),
    ).rejects.toMatchObject({
      kind: 'commit-conflict',
    });
    expect(attempts).toBe(4);
    const fresh = await Table.load(catalog, id);
    expect(fresh.currentSnapshot()).toBeUndefined();
    // A definite failure leaves no data files or manifests behind.
    const leftovers = (await fresh.io.list(`${fresh.location}/`)).filter((f) =>
      /\.(parquet|avro)$/.test(f.path),
    );
    expect(leftovers).toEqual([]);
  });
});
