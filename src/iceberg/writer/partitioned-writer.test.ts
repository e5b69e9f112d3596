import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FloeError, isFloeError } from '../../errors.js';
import type { FileIO, OutputStream } from '../io/fileio.js';
import { MemoryFileIO } from '../io/memory.js';
import { partitionTuple, parsePartitionSpec, UNPARTITIONED } from '../spec/partition.js';
import { Schema } from '../spec/schema.js';
import { t, type Value } from '../spec/types.js';
import type { ColumnBatch } from './batch.js';
import { createDataWriter } from './index.js';
import { concatBatches, footer, readAll } from './test-support.js';

const schema = new Schema([
  { id: 1, name: 'unique_key', required: true, type: t.long },
  { id: 2, name: 'created_date', required: false, type: t.timestamptz },
  { id: 3, name: 'borough', required: false, type: t.string },
  { id: 4, name: 'descriptor', required: false, type: t.string },
]);

const DAY = 86_400_000_000n;
const BASE = 1_709_251_200_000_000n; // 2024-03-01T00:00:00Z
const BOROUGHS = ['QUEENS', 'BROOKLYN', 'STATEN ISLAND', null];

function batch(rows: number, first = 0): ColumnBatch {
  const ids: Value[] = [];
  const created: Value[] = [];
  const borough: Value[] = [];
  const descriptor: Value[] = [];
  for (let i = first; i < first + rows; i++) {
    ids.push(BigInt(i));
    created.push(BASE + BigInt(i % 3) * DAY + BigInt(i) * 1_000_000n);
    borough.push(BOROUGHS[i % BOROUGHS.length]!);
    descriptor.push(`descriptor ${i % 17} with some words to make it longer ${i}`);
  }
  return {
    rowCount: rows,
    columns: new Map([
      [1, ids],
      [2, created],
      [3, borough],
      [4, descriptor],
    ]),
  };
}

/** Rows of the files read back, ordered by unique_key. */
async function rowsOf(io: FileIO, paths: string[]): Promise<ColumnBatch> {
  const parts = [];
  for (const p of paths) parts.push(await readAll(io, p, schema));
  const all = concatBatches(parts);
  const order = all.columns
    .get(1)!
    .map((_, i) => i)
    .sort((a, b) => Number(all.columns.get(1)![a]! as bigint) - Number(all.columns.get(1)![b]! as bigint));
  return {
    rowCount: all.rowCount,
    columns: new Map([...all.columns].map(([id, vs]) => [id, order.map((i) => vs[i]!)])),
  };
}

describe('DataWriter: partitions, row groups and rolling', () => {
  it('writes unpartitioned files directly under the data location with the given prefix', async () => {
    const io = new MemoryFileIO();
    const writer = createDataWriter({
      io,
      schema,
      spec: UNPARTITIONED,
      dataLocation: 'mem://wh/t/data/',
      fileNamePrefix: 'job1',
    });
    await writer.write(batch(10));
    const files = await writer.close();
    expect(files.map((f) => f.filePath)).toEqual(['mem://wh/t/data/job1-00000.parquet']);
    expect(files[0]!.partition).toEqual([]);
    expect(files[0]!.specId).toBe(0);
    expect(io.paths()).toEqual(['mem://wh/t/data/job1-00000.parquet']);
  });

  it('routes rows to their partition: tuple, spec id and Hive-style path', async () => {
    const io = new MemoryFileIO();
    const spec = parsePartitionSpec('day(created_date), borough', schema, 3);
    const writer = createDataWriter({
      io,
      schema,
      spec,
      dataLocation: 'mem://wh/t/data',
      fileNamePrefix: 'p',
    });
    const input = [batch(60, 0), batch(60, 60)];
    for (const b of input) await writer.write(b);
    const files = await writer.close();
    // 3 days x 4 boroughs (null included): every combination occurs.
    expect(files).toHaveLength(12);
    for (const f of files) {
      expect(f.specId).toBe(3);
      const [day, borough] = f.partition as [number, string | null];
      const date = new Date(day * 86_400_000).toISOString().slice(0, 10);
      const boroughPath = borough === null ? 'null' : borough.replace(' ', '+');
      expect(f.filePath).toMatch(
        new RegExp(
          `^mem://wh/t/data/created_date_day=${date}/borough=${boroughPath.replace('+', '\\+')}/p-\\d{5}\\.parquet$`,
        ),
      );
      const rows = await readAll(io, f.filePath, schema);
      expect(BigInt(rows.rowCount)).toBe(f.recordCount);
      for (let i = 0; i < rows.rowCount; i++) {
        const created = rows.columns.get(2)![i] as bigint;
        expect(Number((created - (created % DAY)) / DAY)).toBe(day);
        expect(rows.columns.get(3)![i]).toBe(borough);
      }
    }
    const back = await rowsOf(
      io,
      files.map((f) => f.filePath),
    );
    expect(back.columns.get(1)).toEqual(concatBatches(input).columns.get(1));
    expect(back.columns.get(4)).toEqual(concatBatches(input).columns.get(4));
    // File numbers are unique across partitions.
    expect(new Set(files.map((f) => f.filePath.split('/').pop())).size).toBe(12);
  });

  it('property: every row lands in the file of its own partition tuple, in order (runs, interleaved rows, nulls)', async () => {
    const specs = [
      'day(created_date)',
      'hour(created_date)',
      'month(created_date), borough',
      'year(created_date)',
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...specs),
        // Rows mostly in time order (runs within a day) but also jumping back and forth.
        fc.array(
          fc.tuple(
            fc.option(fc.bigInt({ min: -3n * DAY, max: 3n * DAY }), { nil: null }),
            fc.integer({ min: 1, max: 40 }),
            fc.constantFrom(...BOROUGHS),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        fc.integer({ min: 1, max: 64 }),
        async (text, runs, batchRows) => {
          const io = new MemoryFileIO();
          const spec = parsePartitionSpec(text, schema, 1);
          const created: Value[] = [];
          const borough: Value[] = [];
          for (const [start, length, b] of runs) {
            for (let k = 0; k < length; k++) {
              created.push(start === null ? null : BASE + start + BigInt(k) * 7_000_000_000n);
              borough.push(b);
            }
          }
          const n = created.length;
          const writer = createDataWriter({ io, schema, spec, dataLocation: 'mem://wh/t/data' });
          for (let s = 0; s < n; s += batchRows) {
            const e = Math.min(n, s + batchRows);
            await writer.write({
              rowCount: e - s,
              columns: new Map<number, Value[]>([
                [1, Array.from({ length: e - s }, (_, i) => BigInt(s + i))],
                [2, created.slice(s, e)],
                [3, borough.slice(s, e)],
              ]),
            });
          }
          const files = await writer.close();
          let total = 0;
          for (const f of files) {
            const rows = await readAll(io, f.filePath, schema);
            const ids = rows.columns.get(1)! as bigint[];
            // Rows keep their input order within a file.
            expect([...ids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))).toEqual(ids);
            for (const id of ids) {
              const i = Number(id);
              const expected = partitionTuple(spec, schema, (fieldId) =>
                fieldId === 2 ? created[i]! : fieldId === 3 ? borough[i]! : null,
              );
              expect(f.partition).toEqual(expected);
            }
            total += rows.rowCount;
          }
          expect(total).toBe(n);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('rolls to a new file when the target size is reached, keeping every row', async () => {
    const io = new MemoryFileIO();
    const target = 8 * 1024;
    const writer = createDataWriter({
      io,
      schema,
      spec: UNPARTITIONED,
      dataLocation: 'mem://wh/t/data',
      targetFileSizeBytes: target,
      codec: 'snappy',
    });
    const input = [batch(3000, 0), batch(3000, 3000)];
    for (const b of input) await writer.write(b);
    const files = await writer.close();
    expect(files.length).toBeGreaterThan(3);
    for (const f of files.slice(0, -1)) {
      expect(Number(f.fileSizeInBytes)).toBeGreaterThanOrEqual(target);
      // Row groups are cut near the remaining space, so files overshoot by at most one small row group.
      expect(Number(f.fileSizeInBytes)).toBeLessThan(target * 2.5);
    }
    expect(files.reduce((n, f) => n + f.recordCount, 0n)).toBe(6000n);
    const back = await rowsOf(
      io,
      files.map((f) => f.filePath),
    );
    expect(back.columns.get(1)).toEqual(concatBatches(input).columns.get(1));
    expect(back.columns.get(2)).toEqual(concatBatches(input).columns.get(2));
  });

  it('the target size property applies when no option is given', async () => {
    const io = new MemoryFileIO();
    const writer = createDataWriter({
      io,
      schema,
      spec: UNPARTITIONED,
      dataLocation: 'mem://wh/t/data',
      properties: { 'write.target-file-size-bytes': '8192' },
    });
    await writer.write(batch(6000));
    expect((await writer.close()).length).toBeGreaterThan(3);
  });

  it('cuts row groups at the row-group size property and the row cap', async () => {
    const io = new MemoryFileIO();
    const writer = createDataWriter({
      io,
      schema,
      spec: UNPARTITIONED,
      dataLocation: 'mem://wh/t/data',
      properties: { 'write.parquet.row-group-size-bytes': String(16 * 1024) },
    });
    await writer.write(batch(5000));
    const [file] = await writer.close();
    const meta = await footer(io, file!.filePath);
    expect(meta.row_groups.length).toBeGreaterThan(5);
    expect(file!.splitOffsets).toHaveLength(meta.row_groups.length);

    const io2 = new MemoryFileIO();
    const capped = createDataWriter({
      io: io2,
      schema,
      spec: UNPARTITIONED,
      dataLocation: 'mem://wh/t/data',
      rowGroupRows: 700,
    });
    await capped.write(batch(1000));
    await capped.write(batch(1000, 1000));
    const [file2] = await capped.close();
    const meta2 = await footer(io2, file2!.filePath);
    expect(meta2.row_groups.map((rg) => Number(rg.num_rows))).toEqual([700, 700, 600]);
  });

  it('keeps buffered rows across all partitions under maxBufferedBytes by flushing the largest early', async () => {
    const io = new MemoryFileIO();
    const spec = parsePartitionSpec('bucket(8, unique_key)', schema);
    const cap = 32 * 1024;
    const writer = createDataWriter({
      io,
      schema,
      spec,
      dataLocation: 'mem://wh/t/data',
      maxBufferedBytes: cap,
    });
    for (let i = 0; i < 10; i++) await writer.write(batch(500, i * 500));
    const files = await writer.close();
    expect(files).toHaveLength(8);
    let rowGroups = 0;
    for (const f of files) rowGroups += (await footer(io, f.filePath)).row_groups.length;
    // ~5000 rows x ~80 raw bytes = ~400 KB cannot sit in 32 KB of buffers: many row groups.
    expect(rowGroups).toBeGreaterThan(8);
    expect(files.reduce((n, f) => n + f.recordCount, 0n)).toBe(5000n);
  });

  it('closes the least recently used file past maxOpenFiles', async () => {
    const io = new MemoryFileIO();
    let openStreams = 0;
    let maxOpen = 0;
    const counting: FileIO = Object.assign(Object.create(io) as MemoryFileIO, {
      create: async (path: string): Promise<OutputStream> => {
        const inner = await io.create(path);
        maxOpen = Math.max(maxOpen, ++openStreams);
        return {
          write: (c: Uint8Array) => inner.write(c),
          close: () => (openStreams--, inner.close()),
          abort: () => (openStreams--, inner.abort()),
        };
      },
    });
    const spec = parsePartitionSpec('bucket(10, unique_key)', schema);
    // A tiny buffer cap makes every file open its stream early, so open streams = open files.
    const writer = createDataWriter({
      io: counting,
      schema,
      spec,
      dataLocation: 'mem://wh/t/data',
      maxOpenFiles: 3,
      maxBufferedBytes: 1,
    });
    await writer.write(batch(200, 0));
    await writer.write(batch(200, 200));
    const files = await writer.close();
    expect(maxOpen).toBeLessThanOrEqual(3);
    expect(openStreams).toBe(0);
    // Every bucket appears in both batches but only 3 files stay open: most buckets get 2 files.
    expect(files.length).toBeGreaterThanOrEqual(17);
    expect(new Set(files.map((f) => f.partition[0])).size).toBe(10);
    expect(files.reduce((n, f) => n + f.recordCount, 0n)).toBe(400n);
    const back = await rowsOf(
      io,
      files.map((f) => f.filePath),
    );
    expect(back.columns.get(1)).toEqual(concatBatches([batch(200, 0), batch(200, 200)]).columns.get(1));
  });

  it('streams row groups to the OutputStream before the file is closed', async () => {
    const io = new MemoryFileIO();
    const chunks: number[] = [];
    const spying: FileIO = Object.assign(Object.create(io) as MemoryFileIO, {
      create: async (path: string): Promise<OutputStream> => {
        const inner = await io.create(path);
        return { ...inner, write: (c: Uint8Array) => (chunks.push(c.length), inner.write(c)) };
      },
    });
    const writer = createDataWriter({
      io: spying,
      schema,
      spec: UNPARTITIONED,
      dataLocation: 'mem://wh/t/data',
      rowGroupRows: 1000,
    });
    await writer.write(batch(3500));
    // Three full row groups went out while the fourth is still buffered.
    expect(chunks.length).toBe(3);
    await writer.close();
    expect(chunks.length).toBe(5); // + last row group + footer
  });

  it('rejects values of the wrong type and nulls in required columns as input errors', async () => {
    for (const [id, bad] of [
      [1, null],
      [1, 5], // a number in a long column
      [3, 42],
      [2, 2n ** 63n], // beyond int64
    ] as [number, Value][]) {
      const io = new MemoryFileIO();
      const writer = createDataWriter({ io, schema, spec: UNPARTITIONED, dataLocation: 'mem://wh/t/data' });
      const b = batch(5);
      (b.columns.get(id) as Value[])[2] = bad;
      let caught: unknown;
      try {
        await writer.write(b);
      } catch (err) {
        caught = err;
      }
      expect(isFloeError(caught, 'input'), String(bad)).toBe(true);
      expect((caught as Error).message).toContain(schema.field(id)!.name);
      // A failed writer refuses further writes until aborted.
      await expect(writer.write(batch(1))).rejects.toThrow(/abort/);
      await writer.abort();
      expect(io.paths()).toEqual([]);
    }
  });

  it('rejects decimals beyond their precision', async () => {
    const decimals = new Schema([{ id: 1, name: 'amount', required: false, type: t.decimal(4, 2) }]);
    const writer = createDataWriter({
      io: new MemoryFileIO(),
      schema: decimals,
      spec: UNPARTITIONED,
      dataLocation: 'mem://x',
    });
    await expect(writer.write({ rowCount: 2, columns: new Map([[1, [9999n, 10000n]]]) })).rejects.toThrow(
      /amount/,
    );
  });

  it('abort deletes every file written so far, closed or open', async () => {
    const io = new MemoryFileIO();
    const writer = createDataWriter({
      io,
      schema,
      spec: UNPARTITIONED,
      dataLocation: 'mem://wh/t/data',
      targetFileSizeBytes: 4096,
    });
    await writer.write(batch(3000));
    expect(io.paths().length).toBeGreaterThan(0);
    await writer.abort();
    expect(io.paths()).toEqual([]);
  });

  it('a storage failure surfaces as the FileIO error and abort leaves nothing behind', async () => {
    const io = new MemoryFileIO();
    let writes = 0;
    let aborted = 0;
    const failing: FileIO = Object.assign(Object.create(io) as MemoryFileIO, {
      create: async (path: string): Promise<OutputStream> => {
        const inner = await io.create(path);
        return {
          write: async (c: Uint8Array) => {
            if (++writes === 4) throw new FloeError('io', 'disk full');
            return inner.write(c);
          },
          close: () => inner.close(),
          abort: () => (aborted++, inner.abort()),
        };
      },
    });
    const writer = createDataWriter({
      io: failing,
      schema,
      spec: UNPARTITIONED,
      dataLocation: 'mem://wh/t/data',
      targetFileSizeBytes: 4096,
    });
    let caught: unknown;
    try {
      await writer.write(batch(5000));
      await writer.close();
    } catch (err) {
      caught = err;
    }
    expect(isFloeError(caught, 'io')).toBe(true);
    await writer.abort();
    expect(aborted).toBeGreaterThan(0);
    expect(io.paths()).toEqual([]);
  });

  it('writes nothing for empty input', async () => {
    const io = new MemoryFileIO();
    const writer = createDataWriter({ io, schema, spec: UNPARTITIONED, dataLocation: 'mem://wh/t/data' });
    await writer.write({ rowCount: 0, columns: new Map() });
    expect(await writer.close()).toEqual([]);
    expect(io.paths()).toEqual([]);
  });
});
