import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../errors.js';
import { MemoryFileIO } from '../io/memory.js';
import { compareValues, decodeValue } from '../spec/conversions.js';
import type { DataFile } from '../spec/model.js';
import { UNPARTITIONED } from '../spec/partition.js';
import { Schema } from '../spec/schema.js';
import { t, type PrimitiveType, type Value } from '../spec/types.js';
import { createDataWriter, type DataWriterOptions } from './index.js';
import { parseMetricsMode, resolveMetricsModes } from './metrics.js';
import {
  ALL_TYPES,
  allTypesBatch,
  allTypesSchema,
  concatBatches,
  footer,
  writeOneFile,
} from './test-support.js';

async function writeFile(
  schema: Schema,
  columns: Map<number, Value[]>,
  extra: Partial<DataWriterOptions> = {},
): Promise<{ io: MemoryFileIO; file: DataFile }> {
  return writeOneFile(schema, [{ rowCount: [...columns.values()][0]!.length, columns }], extra);
}

const lower = (file: DataFile, id: number, type: PrimitiveType) =>
  decodeValue(type, file.lowerBounds!.get(id)!);
const upper = (file: DataFile, id: number, type: PrimitiveType) =>
  decodeValue(type, file.upperBounds!.get(id)!);

describe('data file metrics', () => {
  it('counts values (including nulls), nulls and NaNs; NaN never bounds', async () => {
    const schema = new Schema([
      { id: 1, name: 'd', required: false, type: t.double },
      { id: 2, name: 'f', required: false, type: t.float },
      { id: 3, name: 'i', required: false, type: t.int },
      { id: 4, name: 'allnan', required: false, type: t.double },
      { id: 5, name: 'allnull', required: false, type: t.string },
    ]);
    const { file } = await writeFile(
      schema,
      new Map<number, Value[]>([
        [1, [1, NaN, null, -3, NaN]],
        [2, [NaN, 2.5, 2.5, null, null]],
        [3, [5, null, 7, 1, 9]],
        [4, [NaN, NaN, null, NaN, NaN]],
        [5, [null, null, null, null, null]],
      ]),
    );
    expect(file.recordCount).toBe(5n);
    expect(file.valueCounts).toEqual(
      new Map([
        [1, 5n],
        [2, 5n],
        [3, 5n],
        [4, 5n],
        [5, 5n],
      ]),
    );
    expect(file.nullValueCounts).toEqual(
      new Map([
        [1, 1n],
        [2, 2n],
        [3, 1n],
        [4, 1n],
        [5, 5n],
      ]),
    );
    // NaN counts exist for float and double columns only.
    expect(file.nanValueCounts).toEqual(
      new Map([
        [1, 2n],
        [2, 1n],
        [4, 4n],
      ]),
    );
    expect(lower(file, 1, t.double)).toBe(-3);
    expect(upper(file, 1, t.double)).toBe(1);
    expect(lower(file, 2, t.float)).toBe(2.5);
    expect(lower(file, 3, t.int)).toBe(1);
    expect(upper(file, 3, t.int)).toBe(9);
    // Only NaN or only null: no bounds at all.
    expect(file.lowerBounds!.has(4)).toBe(false);
    expect(file.upperBounds!.has(4)).toBe(false);
    expect(file.lowerBounds!.has(5)).toBe(false);
  });

  it('bounds of every type equal the min and max of the values written, across batches and row groups', async () => {
    const io = new MemoryFileIO();
    const schema = allTypesSchema();
    const batches = [allTypesBatch(7, 0), allTypesBatch(40, 7), allTypesBatch(25, 47)];
    const writer = createDataWriter({
      io,
      schema,
      spec: UNPARTITIONED,
      dataLocation: 'mem://t/data',
      rowGroupRows: 10,
      properties: { 'write.metadata.metrics.default': 'full' },
    });
    for (const b of batches) await writer.write(b);
    const [file] = await writer.close();
    const all = concatBatches(batches);
    for (const field of ALL_TYPES) {
      const type = field.type as PrimitiveType;
      const values = all.columns
        .get(field.id)!
        .filter((v) => v !== null && !(typeof v === 'number' && Number.isNaN(v)));
      const sorted = [...values].sort((a, b) => compareValues(type, a, b));
      const lo = lower(file!, field.id, type);
      const hi = upper(file!, field.id, type);
      expect(compareValues(type, lo, sorted[0]!), `${field.name} lower`).toBe(0);
      expect(compareValues(type, hi, sorted[sorted.length - 1]!), `${field.name} upper`).toBe(0);
    }
  });

  it('truncates string bounds to 16 code points by default; the upper bound stays an upper bound', async () => {
    const schema = new Schema([{ id: 1, name: 's', required: false, type: t.string }]);
    const values = [
      'aaaaaaaaaaaaaaaaaaaaaaaa',
      '😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀😀', // 20 astral code points (40 UTF-16 units)
      'ZZZZ',
      '日本語のとても長い文字列です、十六文字を超えています',
    ];
    const { file } = await writeFile(schema, new Map([[1, values]]));
    const lo = lower(file, 1, t.string) as string;
    const hi = upper(file, 1, t.string) as string;
    expect(lo).toBe('ZZZZ');
    // Max by UTF-8 order is the emoji string (U+1F600 > the CJK characters); truncated to 16 code
    // points with the last one incremented.
    expect(Array.from(hi)).toHaveLength(16);
    expect(hi).toBe('😀'.repeat(15) + '😁');
    for (const v of values) {
      expect(compareValues(t.string, lo, v)).toBeLessThanOrEqual(0);
      expect(compareValues(t.string, hi, v)).toBeGreaterThanOrEqual(0);
    }
  });

  it('truncates the lower bound on a code point boundary and omits an upper bound that cannot exist', async () => {
    const schema = new Schema([{ id: 1, name: 's', required: false, type: t.string }]);
    const top = '\u{10FFFF}'.repeat(5);
    const { file } = await writeFile(schema, new Map([[1, ['é'.repeat(10) + '😀' + 'x', top]]]), {
      properties: { 'write.metadata.metrics.column.s': 'truncate(3)' },
    });
    expect(lower(file, 1, t.string)).toBe('ééé');
    expect(file.upperBounds?.has(1) ?? false).toBe(false);
  });

  it('truncates binary bounds by bytes', async () => {
    const schema = new Schema([{ id: 1, name: 'b', required: false, type: t.binary }]);
    const { file } = await writeFile(
      schema,
      new Map([[1, [new Uint8Array(20).fill(1), new Uint8Array([1, 2, 0xff, 0xff, 0xff, 5])]]]),
      { properties: { 'write.metadata.metrics.default': 'truncate(4)' } },
    );
    expect(Array.from(lower(file, 1, t.binary) as Uint8Array)).toEqual([1, 1, 1, 1]);
    expect(Array.from(upper(file, 1, t.binary) as Uint8Array)).toEqual([1, 3]);
  });

  it('honours metrics modes: default, per-column none/counts/full, and the first-100-columns rule', async () => {
    const fields = Array.from({ length: 5 }, (_, i) => ({
      id: i + 1,
      name: `c${i + 1}`,
      required: false,
      type: t.string,
    }));
    const schema = new Schema(fields);
    const long = 'x'.repeat(30);
    const columns = new Map<number, Value[]>(fields.map((f) => [f.id, [long, null]]));
    const { file } = await writeFile(schema, columns, {
      properties: {
        'write.metadata.metrics.max-inferred-column-defaults': '3',
        'write.metadata.metrics.column.c1': 'none',
        'write.metadata.metrics.column.c2': 'counts',
        // c3: default truncate(16); c4 beyond the first 3: none; c5 set explicitly: full.
        'write.metadata.metrics.column.c5': 'full',
      },
    });
    expect([...file.valueCounts!.keys()]).toEqual([2, 3, 5]);
    expect([...file.nullValueCounts!.keys()]).toEqual([2, 3, 5]);
    expect([...file.columnSizes!.keys()]).toEqual([2, 3, 5]);
    expect([...file.lowerBounds!.keys()]).toEqual([3, 5]);
    expect(lower(file, 3, t.string)).toBe('x'.repeat(16));
    expect(upper(file, 3, t.string)).toBe('x'.repeat(15) + 'y');
    expect(lower(file, 5, t.string)).toBe(long);
    expect(upper(file, 5, t.string)).toBe(long);
  });

  it('parses metrics modes like Java and rejects bad ones', () => {
    expect(parseMetricsMode('Truncate(8)')).toEqual({ kind: 'truncate', length: 8 });
    expect(parseMetricsMode(' FULL ')).toEqual({ kind: 'full' });
    for (const bad of ['truncate(0)', 'truncate', 'sometimes']) {
      let caught: unknown;
      try {
        parseMetricsMode(bad);
      } catch (err) {
        caught = err;
      }
      expect(isFloeError(caught, 'config'), bad).toBe(true);
    }
    const modes = resolveMetricsModes(allTypesSchema(), {});
    expect(modes.get(1)).toEqual({ kind: 'truncate', length: 16 });
  });

  it('column sizes, split offsets, record count and file size match the file itself', async () => {
    const io = new MemoryFileIO();
    const schema = allTypesSchema();
    const writer = createDataWriter({
      io,
      schema,
      spec: UNPARTITIONED,
      dataLocation: 'mem://t/data',
      rowGroupRows: 64,
    });
    await writer.write(allTypesBatch(200));
    const [file] = await writer.close();
    const bytes = await io.read(file!.filePath);
    expect(file!.fileSizeInBytes).toBe(BigInt(bytes.length));
    expect(file!.recordCount).toBe(200n);
    expect(file!.fileFormat).toBe('PARQUET');
    expect(file!.content).toBe(0);
    const meta = await footer(io, file!.filePath);
    expect(meta.row_groups).toHaveLength(4);
    expect(file!.splitOffsets).toEqual(
      meta.row_groups.map((rg) => {
        const c = rg.columns[0]!.meta_data!;
        return c.dictionary_page_offset ?? c.data_page_offset;
      }),
    );
    expect(file!.splitOffsets![0]).toBe(4n); // right after the 'PAR1' magic
    meta.schema.slice(1).forEach((element, i) => {
      const total = meta.row_groups.reduce(
        (sum, rg) => sum + rg.columns[i]!.meta_data!.total_compressed_size,
        0n,
      );
      expect(file!.columnSizes!.get(element.field_id!)).toBe(total);
    });
  });

  it('writes Parquet footer statistics per row group (min/max, null and NaN counts)', async () => {
    const schema = new Schema([
      { id: 1, name: 'l', required: false, type: t.long },
      { id: 2, name: 's', required: false, type: t.string },
      { id: 3, name: 'd', required: false, type: t.double },
    ]);
    const { io, file } = await writeFile(
      schema,
      new Map<number, Value[]>([
        [1, [5n, null, -7n, 3n, 100n, null]],
        [2, ['b', 'a', null, 'zz', 'é', 'c']],
        [3, [NaN, 0, 2, NaN, -1.5, null]],
      ]),
      { rowGroupRows: 3 },
    );
    const meta = await footer(io, file.filePath);
    const stats = meta.row_groups.map((rg) => rg.columns.map((c) => c.meta_data!.statistics!));
    expect(stats[0]![0]).toMatchObject({ min_value: -7n, max_value: 5n, null_count: 1n });
    expect(stats[1]![0]).toMatchObject({ min_value: 3n, max_value: 100n, null_count: 1n });
    expect(stats[0]![1]).toMatchObject({ min_value: 'a', max_value: 'b', null_count: 1n });
    expect(stats[1]![1]).toMatchObject({ min_value: 'c', max_value: 'é', null_count: 0n });
    // A zero minimum is written as -0 (Parquet's rule for floating-point statistics).
    expect(Object.is(stats[0]![2]!.min_value, -0)).toBe(true);
    expect(stats[0]![2]).toMatchObject({ max_value: 2, null_count: 0n });
    // (nan_count is written too, but hyparquet's footer reader does not expose it.)
    expect(stats[1]![2]).toMatchObject({ min_value: -1.5, max_value: -1.5, null_count: 1n });
  });

  it('orders string bounds by UTF-8 bytes, not UTF-16 units (emoji vs U+E000..U+FFFF)', async () => {
    const schema = new Schema([{ id: 1, name: 's', required: false, type: t.string }]);
    const values = ['a\uFF08', 'a😀', 'a\uE000', 'a\uFFFD'];
    const { io, file } = await writeFile(schema, new Map([[1, values]]), {
      properties: { 'write.metadata.metrics.default': 'full' },
    });
    expect(lower(file, 1, t.string)).toBe('a\uE000');
    expect(upper(file, 1, t.string)).toBe('a😀');
    const stats = (await footer(io, file.filePath)).row_groups[0]!.columns[0]!.meta_data!.statistics!;
    expect(stats).toMatchObject({ min_value: 'a\uE000', max_value: 'a😀' });
  });

  it('property: bounds of random unicode strings and doubles bound every value (full and truncated)', async () => {
    const fc = await import('fast-check');
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(fc.string({ unit: 'grapheme', maxLength: 24 }), { nil: null }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.array(fc.option(fc.double(), { nil: null }), { minLength: 1, maxLength: 40 }),
        fc.constantFrom('full', 'truncate(1)', 'truncate(3)', 'truncate(16)'),
        async (strings, doubles, mode) => {
          const n = Math.min(strings.length, doubles.length);
          const schema = new Schema([
            { id: 1, name: 's', required: false, type: t.string },
            { id: 2, name: 'd', required: false, type: t.double },
          ]);
          const { file } = await writeFile(
            schema,
            new Map<number, Value[]>([
              [1, strings.slice(0, n)],
              [2, doubles.slice(0, n)],
            ]),
            { properties: { 'write.metadata.metrics.default': mode }, rowGroupRows: 7 },
          );
          const check = (id: number, type: PrimitiveType, values: Value[]) => {
            const real = values.filter((v) => v !== null && !(typeof v === 'number' && Number.isNaN(v)));
            expect(file.nullValueCounts!.get(id)).toBe(BigInt(values.filter((v) => v === null).length));
            if (real.length === 0) {
              expect(file.lowerBounds?.has(id) ?? false).toBe(false);
              return;
            }
            const lo = lower(file, id, type);
            for (const v of real) expect(compareValues(type, lo, v)).toBeLessThanOrEqual(0);
            if (file.upperBounds?.has(id)) {
              const hi = upper(file, id, type);
              for (const v of real) expect(compareValues(type, hi, v)).toBeGreaterThanOrEqual(0);
            }
            if (mode === 'full') {
              expect(real.some((v) => compareValues(type, v, lo) === 0)).toBe(true);
              expect(real.some((v) => compareValues(type, v, upper(file, id, type)) === 0)).toBe(true);
            }
          };
          check(1, t.string, strings.slice(0, n));
          check(2, t.double, doubles.slice(0, n));
        },
      ),
      { numRuns: 60 },
    );
  });
});
