/** Shared fixtures for the writer's tests (not used by production code). */
import { parquetMetadata, type FileMetaData } from 'hyparquet';
import type { FileIO } from '../io/fileio.js';
import { MemoryFileIO } from '../io/memory.js';
import type { DataFile } from '../spec/model.js';
import { UNPARTITIONED } from '../spec/partition.js';
import { Schema } from '../spec/schema.js';
import { t, type NestedField, type Value } from '../spec/types.js';
import type { ColumnBatch } from './batch.js';
import { createDataWriter, readDataFile, type DataWriterOptions } from './index.js';

export const ALL_TYPES: NestedField[] = [
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'b', required: false, type: t.boolean },
  { id: 3, name: 'i', required: false, type: t.int },
  { id: 4, name: 'l', required: false, type: t.long },
  { id: 5, name: 'f', required: false, type: t.float },
  { id: 6, name: 'd', required: false, type: t.double },
  { id: 7, name: 'dt', required: false, type: t.date },
  { id: 8, name: 'tm', required: false, type: t.time },
  { id: 9, name: 'ts', required: false, type: t.timestamp },
  { id: 10, name: 'tstz', required: false, type: t.timestamptz },
  { id: 11, name: 's', required: false, type: t.string },
  { id: 12, name: 'u', required: false, type: t.uuid },
  { id: 13, name: 'fx', required: false, type: t.fixed(3) },
  { id: 14, name: 'bin', required: false, type: t.binary },
  { id: 15, name: 'dec9', required: false, type: t.decimal(9, 2) },
  { id: 16, name: 'dec18', required: false, type: t.decimal(18, 6) },
  { id: 17, name: 'dec38', required: false, type: t.decimal(38, 10) },
  { id: 18, name: 'req_s', required: true, type: t.string },
];

export const allTypesSchema = (): Schema => new Schema(ALL_TYPES, 0);

const I64_MIN = -(2n ** 63n);
const I64_MAX = 2n ** 63n - 1n;

/** Interesting values per column (by field id), cycled over the rows; null patterns differ per column. */
const SAMPLES: Record<number, Value[]> = {
  2: [true, false, null, true],
  3: [0, -1, 2147483647, -2147483648, null, 42],
  4: [I64_MIN, I64_MAX, 0n, -1n, null, 9007199254740993n],
  5: [1.5, -0, 0, NaN, Infinity, -Infinity, null, 3.4028234663852886e38],
  6: [0.1, -2.5e-300, NaN, null, 1e308, -0],
  7: [0, -1, -719162, 2932896, null, 19800],
  8: [0n, 86_399_999_999n, null, 43_200_000_001n],
  9: [-62_135_596_800_000_000n, -1n, 0n, 1_700_000_000_123_456n, null, 253_402_300_799_999_999n],
  10: [-2_208_988_800_000_001n, null, 1_709_251_200_000_000n, 0n],
  11: ['', 'a', 'héllo wörld', '日本語テキスト', '😀 emoji 🎉', null, 'Brooklyn', '\uffff\u0000x'],
  12: [
    '00000000-0000-0000-0000-000000000000',
    'f81d4fae-7dec-11d0-a765-00a0c91e6bf6',
    null,
    'ffffffff-ffff-ffff-ffff-ffffffffffff',
  ],
  13: [new Uint8Array([0, 1, 2]), null, new Uint8Array([255, 255, 255]), new Uint8Array([9, 8, 7])],
  14: [new Uint8Array([]), new Uint8Array([0, 255, 128]), null, new Uint8Array(40).fill(7)],
  15: [0n, -99999999n, 999999999n, null, 12345n],
  16: [999_999_999_999_999_999n, -999_999_999_999_999_999n, null, 1n],
  17: [10n ** 38n - 1n, -(10n ** 38n - 1n), 0n, null, -1n, 123456789012345678901234567890n],
  18: ['x', 'yy', 'zzz'],
};

/** A batch of `rows` rows of ALL_TYPES, ids starting at `first`. */
export function allTypesBatch(rows: number, first = 0): ColumnBatch {
  const columns = new Map<number, Value[]>();
  columns.set(
    1,
    Array.from({ length: rows }, (_, i) => BigInt(first + i)),
  );
  for (const [id, samples] of Object.entries(SAMPLES)) {
    columns.set(
      Number(id),
      Array.from({ length: rows }, (_, i) => samples[(first + i) % samples.length]!),
    );
  }
  return { rowCount: rows, columns };
}

/** Concatenation of batches (same columns). */
export function concatBatches(batches: readonly ColumnBatch[]): ColumnBatch {
  const columns = new Map<number, Value[]>();
  let rowCount = 0;
  for (const b of batches) {
    rowCount += b.rowCount;
    for (const [id, values] of b.columns) {
      const out = columns.get(id) ?? [];
      for (const v of values) out.push(v);
      columns.set(id, out);
    }
  }
  return { rowCount, columns };
}

export async function readAll(
  io: FileIO,
  path: string,
  schema: Schema,
  fieldIds?: number[],
): Promise<ColumnBatch> {
  const batches: ColumnBatch[] = [];
  for await (const b of readDataFile(io, path, schema, fieldIds)) batches.push(b);
  return concatBatches(batches);
}

export async function footer(io: FileIO, path: string): Promise<FileMetaData> {
  return parquetMetadata(await io.read(path));
}

/** Values comparable with toEqual: NaN/-0 made explicit, bytes as arrays. */
export function comparable(values: readonly Value[]): unknown[] {
  return values.map((v) => {
    if (typeof v === 'number' && Number.isNaN(v)) return 'NaN';
    if (Object.is(v, -0)) return '-0';
    if (v instanceof Uint8Array) return Array.from(v);
    return v;
  });
}

/** Writes `batches` with an unpartitioned data writer (into memory unless `io` is given); the data files. */
export async function writeFiles(
  schema: Schema,
  batches: readonly ColumnBatch[],
  extra: Partial<DataWriterOptions> = {},
  io: FileIO = new MemoryFileIO(),
): Promise<DataFile[]> {
  const writer = createDataWriter({
    io,
    schema,
    spec: UNPARTITIONED,
    dataLocation: 'mem://t/data',
    ...extra,
  });
  for (const batch of batches) await writer.write(batch);
  return writer.close();
}

/** `writeFiles` into a fresh memory FileIO, which must make exactly one data file. */
export async function writeOneFile(
  schema: Schema,
  batches: readonly ColumnBatch[],
  extra: Partial<DataWriterOptions> = {},
): Promise<{ io: MemoryFileIO; file: DataFile }> {
  const io = new MemoryFileIO();
  const files = await writeFiles(schema, batches, extra, io);
  if (files.length !== 1) throw new Error(`expected one data file, got ${files.length}`);
  return { io, file: files[0] as DataFile };
}
