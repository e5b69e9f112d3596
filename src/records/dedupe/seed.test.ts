import { describe, expect, test } from 'vitest';
import { FileCatalog } from '../../catalog/file/index.js';
import { MemoryFileIO } from '../../iceberg/io/index.js';
import { Schema } from '../../iceberg/spec/schema.js';
import type { Value } from '../../iceberg/spec/types.js';
import { Table } from '../../iceberg/table/index.js';
import type { ColumnBatch } from '../../iceberg/writer/batch.js';
import { DedupeWindow, seedFromTable } from './index.js';

const schema = new Schema([
  { id: 1, name: 'k', required: true, type: { kind: 'long' } },
  { id: 2, name: 'v', required: false, type: { kind: 'string' } },
]);
const batch = (keys: number[]): ColumnBatch => ({
  rowCount: keys.length,
  columns: new Map<number, Value[]>([
    [1, keys.map(BigInt)],
    [2, keys.map((k) => `value ${k}`)],
  ]),
});

describe('seedFromTable', () => {
  test('remembers the keys the latest snapshots added, newest kept when maxRows cuts', async () => {
    const io = new MemoryFileIO();
    const catalog = new FileCatalog({ warehouse: 'memory://wh', io });
    await catalog.createNamespace(['db']);
    const table = await Table.create(catalog, { identifier: { namespace: ['db'], name: 't' }, schema });
    await table.append([batch([1, 2, 3])]);
    await table.append([batch([4, 5])]);
    await table.append([batch([6])]);

    const all = new DedupeWindow({ schema, key: 'k', maxKeys: 100 });
    expect(await seedFromTable(all, { io, metadata: table.metadata })).toEqual({ snapshots: 3, rows: 6 });
    expect([...all.process(batch([1, 6, 7])).dropped]).toEqual([0, 1]);

    // maxRows 3: the walk stops after the snapshots holding the newest 3 rows (6, then 4 and 5).
    const recent = new DedupeWindow({ schema, key: 'k', maxKeys: 100 });
    expect(await seedFromTable(recent, { io, metadata: table.metadata, maxRows: 3 })).toEqual({
      snapshots: 2,
      rows: 3,
    });
    expect([...recent.process(batch([1, 4, 6])).dropped]).toEqual([1, 2]);

    // maxAgeMs: snapshots older than the limit are not read.
    const aged = new DedupeWindow({ schema, key: 'k', maxAgeMs: 1000 });
    const report = await seedFromTable(aged, { io, metadata: table.metadata, nowMs: Date.now() + 10_000 });
    expect(report).toEqual({ snapshots: 0, rows: 0 });
  });

  test('an empty table seeds nothing', async () => {
    const io = new MemoryFileIO();
    const catalog = new FileCatalog({ warehouse: 'memory://wh', io });
    await catalog.createNamespace(['db']);
    const table = await Table.create(catalog, { identifier: { namespace: ['db'], name: 't' }, schema });
    const w = new DedupeWindow({ schema, key: 'k' });
    expect(await seedFromTable(w, { io, metadata: table.metadata })).toEqual({ snapshots: 0, rows: 0 });
    expect(w.size).toBe(0);
  });
});
