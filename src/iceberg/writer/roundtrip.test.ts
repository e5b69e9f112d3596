import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../errors.js';
import { MemoryFileIO } from '../io/memory.js';
import { UNPARTITIONED } from '../spec/partition.js';
import { Schema } from '../spec/schema.js';
import { t } from '../spec/types.js';
import { createDataWriter, readDataFile, type DataWriterOptions, type ParquetCodec } from './index.js';
import {
  ALL_TYPES,
  allTypesBatch,
  allTypesSchema,
  comparable,
  concatBatches,
  footer,
  readAll,
  writeFiles,
} from './test-support.js';

const writeOne = (
  io: MemoryFileIO,
  schema: Schema,
  batches: ReturnType<typeof allTypesBatch>[],
  extra: Partial<DataWriterOptions> = {},
) => writeFiles(schema, batches, extra, io);

describe('Parquet round trip', () => {
  it('writes every primitive type and reads back equal values (nulls, int64 extremes, pre-1970, unicode)', async () => {
    const io = new MemoryFileIO();
    const schema = allTypesSchema();
    const batches = [allTypesBatch(37, 0), allTypesBatch(50, 37), allTypesBatch(13, 87)];
    const files = await writeOne(io, schema, batches, { rowGroupRows: 16 });
    expect(files).toHaveLength(1);
    const expected = concatBatches(batches);
    const actual = await readAll(io, files[0]!.filePath, schema);
    expect(actual.rowCount).toBe(100);
    for (const f of ALL_TYPES) {
      expect(comparable(actual.columns.get(f.id)!), f.name).toEqual(comparable(expected.columns.get(f.id)!));
    }
  });

  it('yields one batch per row group', async () => {
    const io = new MemoryFileIO();
    const schema = allTypesSchema();
    const [file] = await writeOne(io, schema, [allTypesBatch(100)], { rowGroupRows: 30 });
    const sizes: number[] = [];
    for await (const b of readDataFile(io, file!.filePath, schema)) sizes.push(b.rowCount);
    expect(sizes).toEqual([30, 30, 30, 10]);
  });

  for (const codec of ['zstd', 'snappy', 'gzip', 'uncompressed'] as ParquetCodec[]) {
    it(`codec ${codec}: footer names it and values read back`, async () => {
      const io = new MemoryFileIO();
      const schema = allTypesSchema();
      const batch = allTypesBatch(500);
      const [file] = await writeOne(io, schema, [batch], { codec });
      const meta = await footer(io, file!.filePath);
      const codecs = new Set(meta.row_groups.flatMap((rg) => rg.columns.map((c) => c.meta_data?.codec)));
      expect([...codecs]).toEqual([codec.toUpperCase()]);
      const back = await readAll(io, file!.filePath, schema);
      expect(comparable(back.columns.get(11)!)).toEqual(comparable(batch.columns.get(11)!));
      expect(back.columns.get(17)).toEqual(batch.columns.get(17));
    });
  }

  it('defaults to ZSTD; the table property selects the codec; the option overrides the property', async () => {
    const schema = allTypesSchema();
    const codecOf = async (extra: object) => {
      const io = new MemoryFileIO();
      const [file] = await writeOne(io, schema, [allTypesBatch(10)], extra);
      return (await footer(io, file!.filePath)).row_groups[0]!.columns[0]!.meta_data!.codec;
    };
    expect(await codecOf({})).toBe('ZSTD');
    expect(await codecOf({ properties: { 'write.parquet.compression-codec': 'gzip' } })).toBe('GZIP');
    expect(await codecOf({ properties: { 'write.parquet.compression-codec': 'SNAPPY' } })).toBe('SNAPPY');
    expect(
      await codecOf({ properties: { 'write.parquet.compression-codec': 'gzip' }, codec: 'uncompressed' }),
    ).toBe('UNCOMPRESSED');
  });

  it('rejects an unknown codec property with a config error', () => {
    const io = new MemoryFileIO();
    let caught: unknown;
    try {
      createDataWriter({
        io,
        schema: allTypesSchema(),
        spec: UNPARTITIONED,
        dataLocation: 'mem://t/data',
        properties: { 'write.parquet.compression-codec': 'lzo' },
      });
    } catch (err) {
      caught = err;
    }
    expect(isFloeError(caught, 'config')).toBe(true);
  });

  it('compresses: ZSTD files of repetitive data are much smaller than uncompressed ones', async () => {
    const schema = new Schema([{ id: 1, name: 'note', required: true, type: t.string }]);
    const values = Array.from({ length: 5000 }, (_, i) => `note number ${i} about the same old complaint`);
    const size = async (codec: ParquetCodec) => {
      const io = new MemoryFileIO();
      const [file] = await writeOne(
        io,
        schema,
        [{ rowCount: values.length, columns: new Map([[1, values]]) }],
        {
          codec,
        },
      );
      return Number(file!.fileSizeInBytes);
    };
    expect(await size('zstd')).toBeLessThan((await size('uncompressed')) / 3);
  });

  it('projects by field id and maps renamed columns by id, not name', async () => {
    const io = new MemoryFileIO();
    const schema = allTypesSchema();
    const batch = allTypesBatch(20);
    const [file] = await writeOne(io, schema, [batch]);
    // Same ids, every column renamed; plus a column added after the file was written.
    const evolved = new Schema(
      [
        ...ALL_TYPES.map((f) => ({ ...f, name: `renamed_${f.name}` })),
        { id: 99, name: 'added', required: false, type: t.string },
      ],
      1,
    );
    const back = await readAll(io, file!.filePath, evolved, [11, 4, 99]);
    expect([...back.columns.keys()]).toEqual([11, 4, 99]);
    expect(back.columns.get(11)).toEqual(batch.columns.get(11));
    expect(back.columns.get(4)).toEqual(batch.columns.get(4));
    expect(back.columns.get(99)).toEqual(new Array(20).fill(null));
  });

  it('promotes int to long and float to double on read', async () => {
    const io = new MemoryFileIO();
    const narrow = new Schema([
      { id: 1, name: 'n', required: false, type: t.int },
      { id: 2, name: 'x', required: false, type: t.float },
    ]);
    const [file] = await writeOne(io, narrow, [
      {
        rowCount: 3,
        columns: new Map([
          [1, [1, null, -7]],
          [2, [0.5, null, -2]],
        ]),
      },
    ] as never);
    const wide = new Schema([
      { id: 1, name: 'n', required: false, type: t.long },
      { id: 2, name: 'x', required: false, type: t.double },
    ]);
    const back = await readAll(io, file!.filePath, wide);
    expect(back.columns.get(1)).toEqual([1n, null, -7n]);
    expect(back.columns.get(2)).toEqual([0.5, null, -2]);
  });

  it('reports a file that is not Parquet as invalid-metadata', async () => {
    const io = new MemoryFileIO();
    await io.write('mem://t/data/bad.parquet', new TextEncoder().encode('not a parquet file at all'));
    let caught: unknown;
    try {
      for await (const _ of readDataFile(io, 'mem://t/data/bad.parquet', allTypesSchema())) void _;
    } catch (err) {
      caught = err;
    }
    expect(isFloeError(caught, 'invalid-metadata')).toBe(true);
  });
  it('many pages per chunk, all types, nulls across page ends, and a dictionary that overflows to PLAIN', async () => {
    const io = new MemoryFileIO();
    const schema = allTypesSchema();
    // 45,001 rows: three pages per chunk (20,000-row pages) with a partial last one.
    const batches = [allTypesBatch(20_011, 0), allTypesBatch(24_990, 20_011)];
    const files = await writeOne(io, schema, batches);
    const expected = concatBatches(batches);
    const actual = await readAll(io, files[0]!.filePath, schema);
    expect(actual.rowCount).toBe(45_001);
    for (const f of ALL_TYPES) {
      expect(comparable(actual.columns.get(f.id)!), f.name).toEqual(comparable(expected.columns.get(f.id)!));
    }

    // Low-cardinality strings first (dictionary), then 30,000 distinct 100-char ones: past 1 MiB
    // of dictionary the chunk goes on in PLAIN pages.
    const s = new Schema([{ id: 1, name: 's', required: false, type: t.string }]);
    const n = 60_000;
    const values = Array.from({ length: n }, (_, i) =>
      i % 97 === 0
        ? null
        : i < 30_000
          ? `borough-${i % 7}`
          : `${String(i).padStart(8, '0')}-${'x'.repeat(91)}`,
    );
    const w = createDataWriter({ io, schema: s, spec: UNPARTITIONED, dataLocation: 'mem://t/s' });
    await w.write({ rowCount: n, columns: new Map([[1, values]]) });
    const [file] = await w.close();
    const meta = await footer(io, file!.filePath);
    const chunk = meta.row_groups[0]!.columns[0]!.meta_data!;
    expect(chunk.encodings).toContain('RLE_DICTIONARY');
    expect(chunk.encoding_stats?.map((e) => e.encoding)).toContain('PLAIN');
    expect(chunk.num_values).toBe(BigInt(n));
    const back = await readAll(io, file!.filePath, s);
    expect(back.columns.get(1)).toEqual(values);
    const nonNull = values.filter((v): v is string => v !== null).sort();
    expect(file!.lowerBounds?.get(1)).toEqual(new TextEncoder().encode(nonNull[0]!.slice(0, 16)));
    expect(file!.nullValueCounts?.get(1)).toBe(BigInt(values.length - nonNull.length));
  });
});
