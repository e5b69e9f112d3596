/**
 * The TypeScript side of the independent-reader harness: run PyIceberg, DuckDB (iceberg_scan) and
 * fastavro over what floe wrote, and compare their rows with floe's in-memory values exactly.
 *
 * Values cross the process boundary in one canonical, type-exact JSON form (documented in
 * test/python/readers.py); `canonicalValue` derives the same form from floe values, so a
 * comparison can only pass when every value, not just the row count, survived.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { expect } from 'vitest';
import type { Schema } from '../../src/iceberg/spec/schema.js';
import type { IcebergType, Value } from '../../src/iceberg/spec/types.js';
import type { ColumnBatch } from '../../src/iceberg/writer/batch.js';
import { REPO_ROOT, VENV_PYTHON } from '../setup/venv.js';

export type Canonical = null | boolean | number | string | Canonical[] | { [name: string]: Canonical };
export type CanonicalRow = Record<string, Canonical>;

/** What a reader returned: canonical rows plus the types it chose (useful in assertions). */
export interface ReaderResult {
  readonly columns: string[];
  /** Arrow type of each column as the reader produced it, e.g. 'timestamp[us, tz=UTC]'. */
  readonly arrowTypes: Record<string, string>;
  readonly rows: CanonicalRow[];
  /** DuckDB only: its SQL type per column, e.g. 'TIMESTAMP WITH TIME ZONE'. */
  readonly duckdbTypes?: Record<string, string>;
  /** PyIceberg only: the metadata file it resolved (a table dir goes through version-hint.text). */
  readonly metadataLocation?: string;
}

export interface AvroFileInfo {
  /** fastavro's parse of the embedded schema (keeps extra attributes such as field-id). */
  readonly writerSchema: AvroSchema;
  /** The `avro.schema` header JSON verbatim. */
  readonly rawSchema: AvroSchema;
  /** All header metadata; binary values that are not UTF-8 appear as 'hex:…'. */
  readonly metadata: Record<string, string>;
  readonly codec: string;
  readonly recordCount: number;
  /** With { records: true }: bytes as hex, ints beyond 2^53 as decimal strings. */
  readonly records?: unknown[];
}
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type AvroSchema = any;

export const READERS_SCRIPT = join(REPO_ROOT, 'test/python/readers.py');

/** The venv interpreter that global setup prepared (FLOE_PYTHON), or the default venv path. */
export function pythonPath(): string {
  const python = process.env.FLOE_PYTHON ?? VENV_PYTHON;
  if (!existsSync(python)) {
    throw new Error(
      `interop: no Python venv at ${python}. It is built by test/setup/global.ts ` +
        `(run the tests through vitest without FLOE_SKIP_VENV=1).`,
    );
  }
  return python;
}

/** Runs one readers.py command (options as JSON on stdin) and parses its JSON output. */
export function runReader<T>(command: string, options: Record<string, unknown>): Promise<T> {
  return new Promise<T>((resolvePromise, reject) => {
    const child = spawn(pythonPath(), [READERS_SCRIPT, command], {
      stdio: ['pipe', 'pipe', 'pipe'],
      env: { ...process.env, PYTHONUNBUFFERED: '1', PYTHONIOENCODING: 'utf-8' },
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (d: Buffer) => out.push(d));
    child.stderr.on('data', (d: Buffer) => err.push(d));
    child.on('error', reject);
    child.on('close', (code) => {
      const stderr = Buffer.concat(err).toString('utf8');
      if (code !== 0) {
        reject(new Error(`readers.py ${command} exited ${code}:\n${lastLines(stderr, 30)}`));
        return;
      }
      try {
        resolvePromise(JSON.parse(Buffer.concat(out).toString('utf8')) as T);
      } catch (e) {
        reject(new Error(`readers.py ${command} printed invalid JSON (${String(e)}); stderr:\n${stderr}`));
      }
    });
    child.stdin.end(JSON.stringify(options, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
  });
}

function lastLines(text: string, n: number): string {
  return text.trimEnd().split('\n').slice(-n).join('\n');
}

export interface PyIcebergScanOptions {
  /** PyIceberg row filter string, e.g. "id > 5 and name = 'x'". */
  filter?: string;
  columns?: readonly string[];
  snapshotId?: bigint;
}

/** `StaticTable.from_metadata(location).scan(...).to_arrow()`; location = metadata JSON or table dir. */
export function readWithPyIceberg(location: string, opts: PyIcebergScanOptions = {}): Promise<ReaderResult> {
  return runReader('pyiceberg-scan', {
    table: location,
    filter: opts.filter,
    columns: opts.columns,
    snapshot_id: opts.snapshotId,
  });
}

export interface DuckDBScanOptions {
  columns?: readonly string[];
  /** A raw SQL predicate appended as WHERE. */
  where?: string;
}

/** `SELECT … FROM iceberg_scan(location)`; location = metadata JSON or a table dir with version-hint.text. */
export function readWithDuckDB(location: string, opts: DuckDBScanOptions = {}): Promise<ReaderResult> {
  return runReader('duckdb-scan', { table: location, columns: opts.columns, where: opts.where });
}

/**
 * Both readers in one Python process: PyIceberg on `location`, DuckDB on `duckdbLocation`
 * (default the same). Use a table dir for DuckDB to exercise version-hint.text.
 */
export function readWithBoth(
  location: string,
  duckdbLocation: string = location,
): Promise<{ pyiceberg: ReaderResult; duckdb: ReaderResult }> {
  return runReader('scan-both', { table: location, duckdb_table: duckdbLocation });
}

/** The data file paths (sorted, as recorded in the manifests) PyIceberg's plan_files keeps for a filter. */
export async function planFilesWithPyIceberg(location: string, filter?: string): Promise<string[]> {
  const result = await runReader<{ files: string[] }>('plan-files', { table: location, filter });
  return result.files;
}

export interface PlanCheck {
  /** plan_files without a filter. */
  readonly all: string[];
  /** plan_files with the filter. */
  readonly kept: string[];
  /** Every data file's rows, read with pyarrow straight from the Parquet file (canonical form). */
  readonly rowsByFile: Record<string, CanonicalRow[]>;
}

/** plan_files with and without `filter`, plus each file's actual rows, in one Python process. */
export function planCheckWithPyIceberg(location: string, filter: string): Promise<PlanCheck> {
  return runReader('plan-check', { table: location, filter });
}

/**
 * Asserts PyIceberg's plan_files keeps exactly the data files that hold at least one row matching
 * `predicate` (evaluated on floe values), and that the filter prunes at least one file: partition
 * values and column bounds must exclude every other file. Returns the check for more assertions.
 */
export async function expectPlanKeepsExactly(
  location: string,
  schema: Schema,
  filter: string,
  predicate: (row: Record<string, Value>) => boolean,
): Promise<PlanCheck> {
  const check = await planCheckWithPyIceberg(location, filter);
  const matching = check.all.filter((path) =>
    (check.rowsByFile[path] ?? []).some((row) => predicate(fromCanonicalRow(schema, row))),
  );
  expect(check.kept, `plan_files(${filter})`).toEqual(matching);
  expect(check.kept.length, `plan_files(${filter}) prunes something`).toBeLessThan(check.all.length);
  return check;
}

export interface ParquetMeta {
  readonly numRows: number;
  readonly numRowGroups: number;
  readonly createdBy: string;
  /** Leaf columns; logicalType as pyarrow prints it, e.g. 'Timestamp(isAdjustedToUTC=true, timeUnit=microseconds, …)'. */
  readonly columns: {
    path: string;
    physicalType: string;
    logicalType: string;
    convertedType: string;
    maxDefinitionLevel: number;
  }[];
  /** Top-level column name -> PARQUET:field_id (null when missing). */
  readonly fieldIds: Record<string, number | null>;
  /** e.g. ['ZSTD'] */
  readonly codecs: string[];
  /** Column path -> encodings used, e.g. ['PLAIN', 'RLE', 'RLE_DICTIONARY']. */
  readonly encodings: Record<string, string[]>;
  readonly keyValueMetadata: Record<string, string>;
}

/** How pyarrow sees a Parquet data file (field ids, logical types, codecs, encodings). */
export function parquetMetaWithPyArrow(path: string): Promise<ParquetMeta> {
  return runReader('parquet-meta', { path });
}

/** The embedded schema and header metadata of an Avro container file, as fastavro reads them. */
export function avroSchemaWithFastavro(
  path: string,
  opts: { records?: boolean } = {},
): Promise<AvroFileInfo> {
  return runReader('avro-schema', { path: stripFileScheme(path), records: opts.records === true });
}

export interface PyIcebergWriteOptions {
  warehouse: string;
  identifier: string;
  schema: Schema;
  partition?: { source: string; transform: string; name: string }[];
  properties?: Record<string, string>;
  /** Each inner array is one append; rows hold floe values. */
  appends: Record<string, Value>[][];
}

/**
 * Writes a table with PyIceberg itself (SqlCatalog on sqlite): the harness's own control group.
 * Non-identity partition transforms would need the pyiceberg-core package, which is not installed.
 */
export function writeWithPyIceberg(
  opts: PyIcebergWriteOptions,
): Promise<{ metadataLocation: string; location: string }> {
  return runReader('pyiceberg-write', {
    warehouse: opts.warehouse,
    identifier: opts.identifier,
    schema: opts.schema.toJson(),
    partition: opts.partition ?? [],
    properties: opts.properties ?? {},
    appends: opts.appends.map((rows) => canonicalRows(opts.schema, rows)),
  });
}

export function stripFileScheme(path: string): string {
  return path.startsWith('file://') ? decodeURIComponent(path.slice('file://'.length)) : path;
}

// ---------------------------------------------------------------- canonical values

function canonicalFloat(x: number): Canonical {
  if (Number.isNaN(x)) return 'NaN';
  if (x === Infinity) return 'Infinity';
  if (x === -Infinity) return '-Infinity';
  if (Object.is(x, -0)) return '-0';
  return x;
}

function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('hex');
}

function bad(type: IcebergType, value: unknown): Error {
  const shown =
    typeof value === 'bigint' ? `${value}n` : value instanceof Uint8Array ? `bytes` : String(value);
  return new Error(`canonicalValue: ${shown} (${typeof value}) is not a floe value of type ${type.kind}`);
}

function integral(type: IcebergType, value: unknown): string {
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number' && Number.isSafeInteger(value)) return String(value);
  throw bad(type, value);
}

/** '123.45' with scale 2 -> '12345' (exact; rejects digits beyond the scale). */
function decimalTextToUnscaled(text: string, scale: number): string {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(text.trim());
  if (!m || (m[2] === '' && (m[3] ?? '') === '')) throw new Error(`canonicalValue: bad decimal "${text}"`);
  const frac = m[3] ?? '';
  if (frac.length > scale && /[^0]/.test(frac.slice(scale))) {
    throw new Error(`canonicalValue: decimal "${text}" has more than ${scale} fractional digits`);
  }
  const digits = BigInt((m[2] || '0') + frac.slice(0, scale).padEnd(scale, '0'));
  return (m[1] === '-' ? -digits : digits).toString();
}

/**
 * floe's in-memory value of an Iceberg type -> the canonical form the Python readers print.
 * `float` is rounded to 32 bits first: that is the value a float column stores.
 * Decimals are bigint unscaled values (a decimal string like '-1.50' is accepted too).
 */
export function canonicalValue(type: IcebergType, value: Value | undefined): Canonical {
  if (value === null || value === undefined) return null;
  switch (type.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw bad(type, value);
      return value;
    case 'int':
    case 'date':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'bigint') return Number(value);
      throw bad(type, value);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return integral(type, value);
    case 'float':
      if (typeof value !== 'number') throw bad(type, value);
      return canonicalFloat(Math.fround(value));
    case 'double':
      if (typeof value !== 'number') throw bad(type, value);
      return canonicalFloat(value);
    case 'decimal':
      if (typeof value === 'string') return decimalTextToUnscaled(value, type.scale);
      return integral(type, value);
    case 'string':
      if (typeof value !== 'string') throw bad(type, value);
      return value;
    case 'uuid':
      if (typeof value === 'string') return value.toLowerCase();
      if (value instanceof Uint8Array && value.length === 16) {
        const h = toHex(value);
        return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
      }
      throw bad(type, value);
    case 'fixed':
    case 'binary':
      if (!(value instanceof Uint8Array)) throw bad(type, value);
      return toHex(value);
    case 'struct': {
      if (
        typeof value !== 'object' ||
        Array.isArray(value) ||
        value instanceof Uint8Array ||
        value instanceof Map
      ) {
        throw bad(type, value);
      }
      const out: Record<string, Canonical> = {};
      for (const f of type.fields) out[f.name] = canonicalValue(f.type, value[f.name]);
      return out;
    }
    case 'list':
      if (!Array.isArray(value)) throw bad(type, value);
      return value.map((v) => canonicalValue(type.element, v));
    case 'map':
      if (!(value instanceof Map)) throw bad(type, value);
      return [...value.entries()].map(([k, v]) => [
        canonicalValue(type.key, k),
        canonicalValue(type.value, v),
      ]);
  }
}

/** Rows of floe values keyed by column name -> canonical rows over `columns` (default: all top-level). */
export function canonicalRows(
  schema: Schema,
  rows: readonly Record<string, Value | undefined>[],
  columns: readonly string[] = schema.fields.map((f) => f.name),
): CanonicalRow[] {
  const fields = columns.map((name) => {
    const field = schema.fields.find((f) => f.name === name);
    if (!field) throw new Error(`canonicalRows: no top-level column "${name}"`);
    return field;
  });
  return rows.map((row) => {
    const out: CanonicalRow = {};
    for (const f of fields) out[f.name] = canonicalValue(f.type, row[f.name]);
    return out;
  });
}

/** The inverse of canonicalValue: canonical JSON -> floe's in-memory value. */
export function fromCanonical(type: IcebergType, c: Canonical | undefined): Value {
  if (c === null || c === undefined) return null;
  const num = (x: Canonical): number =>
    x === 'NaN'
      ? Number.NaN
      : x === 'Infinity'
        ? Infinity
        : x === '-Infinity'
          ? -Infinity
          : x === '-0'
            ? -0
            : Number(x);
  switch (type.kind) {
    case 'boolean':
    case 'string':
    case 'uuid':
      return c as Value;
    case 'int':
    case 'date':
      return Number(c);
    case 'float':
    case 'double':
      return num(c);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'decimal':
      return BigInt(c as string);
    case 'fixed':
    case 'binary':
      return Uint8Array.from(Buffer.from(c as string, 'hex'));
    case 'struct': {
      const o = c as Record<string, Canonical>;
      const out: Record<string, Value> = {};
      for (const f of type.fields) out[f.name] = fromCanonical(f.type, o[f.name]);
      return out;
    }
    case 'list':
      return (c as Canonical[]).map((x) => fromCanonical(type.element, x));
    case 'map':
      return new Map(
        (c as [Canonical, Canonical][]).map(([k, v]) => [
          fromCanonical(type.key, k),
          fromCanonical(type.value, v),
        ]),
      );
  }
}

/** A canonical row -> floe values, for the top-level columns present in the row. */
export function fromCanonicalRow(schema: Schema, row: CanonicalRow): Record<string, Value> {
  const out: Record<string, Value> = {};
  for (const [name, c] of Object.entries(row)) {
    const field = schema.fields.find((f) => f.name === name);
    if (!field) throw new Error(`fromCanonicalRow: no top-level column "${name}"`);
    out[name] = fromCanonical(field.type, c);
  }
  return out;
}

/** A stable string per row (keys sorted) to order rows without depending on reader order. */
export function rowKey(row: Canonical): string {
  if (row === null || typeof row !== 'object') return JSON.stringify(row);
  if (Array.isArray(row)) return `[${row.map(rowKey).join(',')}]`;
  return `{${Object.keys(row)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${rowKey(row[k] ?? null)}`)
    .join(',')}}`;
}

function sortRows(rows: readonly CanonicalRow[]): CanonicalRow[] {
  return rows
    .map((r) => [rowKey(r), r] as const)
    .sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))
    .map(([, r]) => r);
}

/**
 * Asserts that a reader returned exactly the expected rows (a multiset: order-insensitive, but
 * duplicates count). Expected rows hold floe values; columns missing from a row are null.
 * Compares the columns the reader returned, which must be the schema's (or `columns`).
 */
export function expectSameRows(
  expectedRows: readonly Record<string, Value | undefined>[],
  actual: ReaderResult | readonly CanonicalRow[],
  schema: Schema,
  columns?: readonly string[],
): void {
  const names = columns ?? schema.fields.map((f) => f.name);
  const actualRows = 'rows' in actual ? actual.rows : actual;
  // A reader that silently drops or invents columns must fail too.
  if ('columns' in actual) expect([...actual.columns].sort(), 'columns').toEqual([...names].sort());
  const expected = sortRows(canonicalRows(schema, expectedRows, names));
  const got = sortRows(actualRows);
  expect(got.length, 'row count').toBe(expected.length);
  expect(got).toEqual(expected);
}

// ---------------------------------------------------------------- batches

/** Rows of floe values keyed by column name -> one ColumnBatch keyed by field id (missing -> null). */
export function rowsToBatch(schema: Schema, rows: readonly Record<string, Value | undefined>[]): ColumnBatch {
  const columns = new Map<number, Value[]>();
  for (const f of schema.fields)
    columns.set(
      f.id,
      rows.map((r) => r[f.name] ?? null),
    );
  return { rowCount: rows.length, columns };
}

/** The inverse of rowsToBatch, for comparing what was handed to floe. */
export function batchToRows(schema: Schema, batch: ColumnBatch): Record<string, Value>[] {
  const rows: Record<string, Value>[] = [];
  for (let i = 0; i < batch.rowCount; i++) {
    const row: Record<string, Value> = {};
    for (const f of schema.fields) row[f.name] = batch.columns.get(f.id)?.[i] ?? null;
    rows.push(row);
  }
  return rows;
}
