import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../errors.js';
import { Schema } from '../spec/schema.js';
import { t, type Value } from '../spec/types.js';
import { footer, readAll, writeOneFile } from './test-support.js';

const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);

/** Smallest and largest by UTF-8 bytes, the slow way. */
function utf8Extremes(values: readonly string[]): [Uint8Array, Uint8Array] {
  const sorted = values.map(utf8).sort((a, b) => Buffer.compare(a, b));
  return [sorted[0]!, sorted[sorted.length - 1]!];
}

async function writeColumn(schema: Schema, values: readonly Value[], batchRows: number) {
  const batches = [];
  for (let s = 0; s < values.length; s += batchRows) {
    const e = Math.min(values.length, s + batchRows);
    batches.push({ rowCount: e - s, columns: new Map([[1, values.slice(s, e)]]) });
  }
  return writeOneFile(schema, batches, {
    properties: { 'write.metadata.metrics.default': 'full' },
    codec: 'uncompressed',
  });
}

describe('ColumnBuffer', () => {
  const strings = new Schema([{ id: 1, name: 's', required: false, type: t.string }]);

  it('property: PLAIN strings (ASCII runs encoded at once, others one by one) read back, bounds in UTF-8 order', async () => {
    // 5,000 distinct values first: the dictionary trial gives up and the chunk goes on in PLAIN.
    const head = Array.from({ length: 5000 }, (_, i) => `key-${i}-${'z'.repeat(i % 13)}`);
    const string = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', 'B', ' ', '\u0000', '~', '0') }),
      fc.string({ unit: 'grapheme', maxLength: 12 }),
      fc.constantFrom('\uffff', '\ue000x', '😀', 'é', ''),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(string, { nil: null }), { minLength: 1, maxLength: 300 }),
        fc.integer({ min: 1, max: 700 }),
        async (tail, batchRows) => {
          const values: Value[] = [...head, ...tail];
          const { io, file } = await writeColumn(strings, values, batchRows);
          const meta = await footer(io, file.filePath);
          expect(meta.row_groups[0]!.columns[0]!.meta_data!.encodings).toEqual(['PLAIN']);
          expect((await readAll(io, file.filePath, strings)).columns.get(1)).toEqual(values);
          const nonNull = values.filter((v): v is string => v !== null);
          const [lo, hi] = utf8Extremes(nonNull);
          expect(file.lowerBounds?.get(1)).toEqual(lo);
          expect(file.upperBounds?.get(1)).toEqual(hi);
          expect(file.nullValueCounts?.get(1)).toBe(BigInt(values.length - nonNull.length));
        },
      ),
      { numRuns: 40 },
    );
  });

  it('property: long/timestamp bounds are the min and max; values beyond int64 are input errors', async () => {
    const I64_MIN = -(2n ** 63n);
    const I64_MAX = 2n ** 63n - 1n;
    const longs = new Schema([{ id: 1, name: 'l', required: false, type: t.timestamp }]);
    const long = fc.oneof(
      fc.bigInt({ min: I64_MIN, max: I64_MAX }),
      fc.constantFrom(I64_MIN, I64_MAX, 0n, -1n),
      // Mostly growing, as ids and event times are.
      fc.nat(1000).map((k) => 1_700_000_000_000_000n + BigInt(k) * 1_000_000n),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.option(long, { nil: null }), { minLength: 1, maxLength: 200 }),
        fc.option(fc.constantFrom(I64_MAX + 1n, I64_MIN - 1n, 2n ** 70n), { nil: undefined }),
        fc.integer({ min: 1, max: 64 }),
        async (values, outside, batchRows) => {
          if (outside !== undefined) {
            const bad = [...values, outside];
            const err = await writeColumn(longs, bad, batchRows).catch((e: unknown) => e);
            expect(isFloeError(err) && err.kind === 'input').toBe(true);
            return;
          }
          const { io, file } = await writeColumn(longs, values, batchRows);
          expect((await readAll(io, file.filePath, longs)).columns.get(1)).toEqual(values);
          const nonNull = values
            .filter((v): v is bigint => v !== null)
            .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
          const le = (v: bigint): Uint8Array => {
            const b = new Uint8Array(8);
            new DataView(b.buffer).setBigInt64(0, v, true);
            return b;
          };
          if (nonNull.length === 0) {
            expect(file.lowerBounds?.get(1)).toBeUndefined();
          } else {
            expect(file.lowerBounds?.get(1)).toEqual(le(nonNull[0]!));
            expect(file.upperBounds?.get(1)).toEqual(le(nonNull[nonNull.length - 1]!));
          }
        },
      ),
      { numRuns: 80 },
    );
  });
});
