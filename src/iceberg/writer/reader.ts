/**
 * Parquet data file -> column batches in floe's in-memory values, one batch per row group.
 * Columns are matched to the table schema BY FIELD ID, as Iceberg requires: a renamed column keeps
 * its id, and a column added after the file was written is simply absent (read as nulls).
 */
import {
  parquetMetadataAsync,
  parquetScan,
  type AsyncBuffer,
  type FileMetaData,
  type SchemaElement,
} from 'hyparquet';
import { FloeError, isFloeError } from '../../errors.js';
import type { FileIO } from '../io/fileio.js';
import type { Schema } from '../spec/schema.js';
import { bigintFromBytes, uuidFromBytes } from '../spec/conversions.js';
import {
  isPrimitive,
  typeToString,
  type NestedField,
  type PrimitiveType,
  type Value,
} from '../spec/types.js';
import type { ColumnBatch } from './batch.js';
import { decompressors } from './codecs.js';

/** Keep time values as integers: floe holds them as bigint micros and date as days. */
const PARSERS = {
  timestampFromMilliseconds: (millis: bigint): bigint => BigInt(millis) * 1000n,
  timestampFromMicroseconds: (micros: bigint): bigint => BigInt(micros),
  timestampFromNanoseconds: (nanos: bigint): bigint => floorDiv(BigInt(nanos), 1000n),
  dateFromDays: (days: number): number => days,
};

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function asyncBuffer(io: FileIO, path: string, size: number): AsyncBuffer {
  return {
    byteLength: size,
    async slice(start: number, end?: number): Promise<ArrayBuffer> {
      const stop = Math.min(end ?? size, size);
      const bytes = await io.readRange(path, start, stop - start);
      if (
        bytes.byteOffset === 0 &&
        bytes.byteLength === bytes.buffer.byteLength &&
        bytes.buffer instanceof ArrayBuffer
      ) {
        return bytes.buffer;
      }
      return bytes.slice().buffer as ArrayBuffer;
    },
  };
}

/**
 * hyparquet turns DECIMAL into JS numbers, which loses digits: without the annotation it hands
 * back the stored integers/bytes, which are converted exactly below.
 */
function withRawDecimals(metadata: FileMetaData): FileMetaData {
  const schema = metadata.schema.map((e): SchemaElement => {
    if (e.converted_type !== 'DECIMAL' && e.logical_type?.type !== 'DECIMAL') return e;
    const { converted_type: _c, logical_type: _l, ...rest } = e;
    return rest;
  });
  return { ...metadata, schema };
}

/** Top-level leaf columns of the file by field id. */
function columnsById(metadata: FileMetaData): Map<number, SchemaElement> {
  const byId = new Map<number, SchemaElement>();
  const schema = metadata.schema;
  let i = 1;
  const root = schema[0];
  for (let child = 0; child < (root?.num_children ?? 0); child++) {
    const element = schema[i];
    if (!element) break;
    if (element.field_id !== undefined) byId.set(element.field_id, element);
    i = skipSubtree(schema, i);
  }
  return byId;
}

/** Index just past the subtree rooted at `index` in the flattened (depth-first) schema. */
function skipSubtree(schema: readonly SchemaElement[], index: number): number {
  let pending = 1;
  let i = index;
  while (pending > 0 && i < schema.length) {
    pending += (schema[i]!.num_children ?? 0) - 1;
    i++;
  }
  return i;
}

/** Decoded Parquet values -> floe values of the field's Iceberg type (with type promotion). */
function toValues(type: PrimitiveType, data: ArrayLike<unknown>): Value[] {
  const n = data.length;
  const out = new Array<Value>(n);
  const convert = converter(type);
  for (let i = 0; i < n; i++) {
    const v = data[i];
    out[i] = v === null || v === undefined ? null : convert(v);
  }
  return out;
}

function converter(type: PrimitiveType): (v: unknown) => Value {
  switch (type.kind) {
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      // int -> long promotion: the file may hold INT32.
      return (v) => (typeof v === 'bigint' ? v : BigInt(v as number));
    case 'decimal':
      return (v) =>
        typeof v === 'bigint' ? v : v instanceof Uint8Array ? bigintFromBytes(v) : BigInt(v as number);
    case 'uuid':
      return (v) => (v instanceof Uint8Array ? uuidFromBytes(v) : (v as string));
    case 'fixed':
    case 'binary':
      return (v) => (typeof v === 'string' ? new TextEncoder().encode(v) : (v as Uint8Array));
    case 'string':
      return (v) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : (v as string));
    case 'boolean':
    case 'int':
    case 'date':
    case 'float':
    case 'double':
      return (v) => v as Value;
  }
}

/** Storage errors stay as they are; anything else means the file is not what it should be. */
function unreadable(err: unknown, what: string): FloeError {
  if (isFloeError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FloeError('invalid-metadata', `cannot read ${what} as Parquet: ${message}`, { cause: err });
}

function primitiveField(schema: Schema, id: number): NestedField & { type: PrimitiveType } {
  const field = schema.field(id);
  if (!field) throw new FloeError('internal', `schema ${schema.schemaId} has no field with id ${id}`);
  if (!isPrimitive(field.type)) {
    throw new FloeError(
      'unsupported',
      `reading nested column "${field.name}" (${typeToString(field.type)}) from Parquet is not supported yet`,
    );
  }
  return field as NestedField & { type: PrimitiveType };
}

/**
 * Reads a Parquet data file back as column batches keyed by Iceberg field id, one batch per row
 * group. `fieldIds` projects (default: every top-level column of `schema`); a requested column
 * the file does not have comes back as nulls.
 */
export async function* readParquetFile(
  io: FileIO,
  path: string,
  schema: Schema,
  fieldIds?: readonly number[],
): AsyncIterable<ColumnBatch> {
  const fields = (fieldIds ?? schema.fields.map((f) => f.id)).map((id) => primitiveField(schema, id));
  const size = await io.size(path);
  const file = asyncBuffer(io, path, size);
  let metadata: FileMetaData;
  try {
    metadata = withRawDecimals(await parquetMetadataAsync(file, { parsers: PARSERS }));
  } catch (err) {
    throw unreadable(err, path);
  }
  const byId = columnsById(metadata);
  const present = fields.filter((f) => byId.has(f.id));
  const names = present.map((f) => byId.get(f.id)!.name);
  let scan;
  try {
    scan = await parquetScan({
      file,
      metadata,
      columns: names,
      compressors: await decompressors(),
      utf8: false, // binary stays bytes; STRING-annotated columns are still decoded
      parsers: PARSERS,
    });
  } catch (err) {
    throw unreadable(err, path);
  }
  for (const range of scan.ranges) {
    const rowCount = range.rowEnd - range.rowStart;
    const columns = new Map<number, Value[]>();
    for (const field of fields) {
      const element = byId.get(field.id);
      if (!element) {
        columns.set(field.id, new Array<Value>(rowCount).fill(null));
        continue;
      }
      let data;
      try {
        data = await scan.readColumn({
          column: element.name,
          rowStart: range.rowStart,
          rowEnd: range.rowEnd,
        });
      } catch (err) {
        throw unreadable(err, `column "${element.name}" of ${path}`);
      }
      columns.set(field.id, toValues(field.type, data as ArrayLike<unknown>));
    }
    yield { rowCount, columns };
  }
}
