/**
 * Interop proof for issue 2: tables written by floe (Table + FileCatalog) read back by independent
 * engines. PyIceberg (StaticTable … scan().to_arrow()) and DuckDB (iceberg_scan over the
 * Hadoop-layout table directory, i.e. through version-hint.text) must return exactly the rows
 * written, values compared; PyIceberg's plan_files must prune exactly the files that partition
 * values and column bounds exclude; fastavro must see the field ids in manifests and manifest lists.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCatalog } from '../../src/catalog/file/index.js';
import type { Catalog } from '../../src/iceberg/catalog.js';
import { parsePartitionSpec } from '../../src/iceberg/spec/partition.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { t, type IcebergType, type NestedField, type Value } from '../../src/iceberg/spec/types.js';
import { Table } from '../../src/iceberg/table/index.js';
import { allTypesSchema, days, edgeRows, micros, PRIMITIVES } from './fixtures.js';
import {
  avroSchemaWithFastavro,
  expectPlanKeepsExactly,
  expectSameRows,
  parquetMetaWithPyArrow,
  readWithBoth,
  readWithDuckDB,
  readWithPyIceberg,
  rowsToBatch,
  stripFileScheme,
  type AvroSchema,
} from './readers.js';

type Row = Record<string, Value>;

let warehouse: string;
let catalog: Catalog;
let tableCounter = 0;

beforeAll(async () => {
  warehouse = mkdtempSync(join(tmpdir(), 'floe-interop-'));
  catalog = new FileCatalog({ warehouse });
  await catalog.createNamespace(['interop']);
});
afterAll(() => {
  rmSync(warehouse, { recursive: true, force: true });
});

/** Creates a floe table and appends each group of rows as one commit. */
async function writeTable(
  schema: Schema,
  appends: readonly (readonly Row[])[],
  options: { partition?: string; properties?: Record<string, string>; name?: string } = {},
): Promise<Table> {
  const table = await Table.create(catalog, {
    identifier: { namespace: ['interop'], name: options.name ?? `t${++tableCounter}` },
    schema,
    ...(options.partition ? { partitionSpec: parsePartitionSpec(options.partition, schema) } : {}),
    ...(options.properties ? { properties: options.properties } : {}),
  });
  for (const rows of appends) await table.append([rowsToBatch(schema, rows)]);
  return table;
}

function tableDir(table: Table): string {
  return stripFileScheme(table.location);
}

/** Both independent readers return exactly `rows`. DuckDB goes through the table dir + version-hint. */
async function expectReadersReturn(table: Table, rows: readonly Row[], schema: Schema): Promise<void> {
  const { pyiceberg, duckdb } = await readWithBoth(table.metadataLocation, tableDir(table));
  expectSameRows(rows, pyiceberg, schema);
  expectSameRows(rows, duckdb, schema);
}

// ---------------------------------------------------------------- values

describe('PyIceberg and DuckDB return exactly the rows floe wrote', () => {
  it('every primitive type, int64 and timestamp extremes (before 1970, far future), NaN/±Infinity/-0, unicode', async () => {
    const schema = allTypesSchema();
    const rows = edgeRows();
    const table = await writeTable(schema, [rows]);
    const duck = await readWithDuckDB(tableDir(table));
    expectSameRows(rows, duck, schema);
    // DuckDB derives these from the Iceberg schema; a wrong type here means wrong metadata.
    expect(duck.duckdbTypes).toMatchObject({
      c_boolean: 'BOOLEAN',
      c_int: 'INTEGER',
      c_long: 'BIGINT',
      c_float: 'FLOAT',
      c_double: 'DOUBLE',
      c_dec9_2: 'DECIMAL(9,2)',
      c_dec38_10: 'DECIMAL(38,10)',
      c_date: 'DATE',
      c_time: 'TIME',
      c_timestamp: 'TIMESTAMP',
      c_timestamptz: 'TIMESTAMP WITH TIME ZONE',
      c_string: 'VARCHAR',
      c_uuid: 'UUID',
      c_fixed16: 'BLOB',
      c_binary: 'BLOB',
    });
    const py = await readWithPyIceberg(table.metadataLocation);
    expectSameRows(rows, py, schema);
    // Also the direct metadata-file form of iceberg_scan.
    expectSameRows(rows, await readWithDuckDB(stripFileScheme(table.metadataLocation)), schema);
  });

  it('null patterns: an all-null column and alternating nulls, for every type', async () => {
    const fields: NestedField[] = [{ id: 1, name: 'id', required: true, type: t.long }];
    let id = 2;
    for (const [name, type] of PRIMITIVES) {
      fields.push({ id: id++, name: `${name}_alt`, required: false, type });
      fields.push({ id: id++, name: `${name}_null`, required: false, type });
    }
    const schema = new Schema(fields);
    const rows: Row[] = [];
    for (let i = 0; i < 64; i++) {
      const row: Row = { id: BigInt(i) };
      for (const [name, type] of PRIMITIVES) {
        row[`${name}_alt`] = i % 2 === 0 ? null : sampleValue(type, i);
        row[`${name}_null`] = null;
      }
      rows.push(row);
    }
    const table = await writeTable(schema, [rows.slice(0, 40), rows.slice(40)]);
    await expectReadersReturn(table, rows, schema);
  });

  it('int64 and timestamp extremes across several files', async () => {
    const schema = new Schema([
      { id: 1, name: 'id', required: true, type: t.long },
      { id: 2, name: 'l', required: true, type: t.long },
      { id: 3, name: 'ts', required: false, type: t.timestamp },
      { id: 4, name: 'tstz', required: false, type: t.timestamptz },
    ]);
    const longs = [
      -(2n ** 63n),
      -(2n ** 63n) + 1n,
      -(2n ** 53n) - 1n,
      -(2n ** 53n),
      -1n,
      0n,
      1n,
      2n ** 53n,
      2n ** 53n + 1n,
      2n ** 63n - 2n,
      2n ** 63n - 1n,
    ];
    const instants = [
      micros('0001-01-01T00:00:00Z'),
      micros('1677-09-21T00:12:43.145Z', -225n), // just below the int64-nanosecond range
      micros('1900-02-28T23:59:59.999Z', 999n),
      micros('1969-12-31T23:59:59.999Z', 999n), // -1
      0n,
      1n,
      micros('2038-01-19T03:14:08Z'), // past 32-bit seconds
      micros('2262-04-11T23:47:16.854Z', 776n), // just past the int64-nanosecond range
      micros('9999-12-31T23:59:59.999Z', 999n),
    ];
    const rows: Row[] = longs.map((l, i) => ({
      id: BigInt(i),
      l,
      ts: instants[i % instants.length]!,
      tstz: instants[(i + 3) % instants.length]!,
    }));
    const table = await writeTable(schema, [rows.slice(0, 5), rows.slice(5)]);
    await expectReadersReturn(table, rows, schema);
  });

  it('unicode strings: emoji, CJK, combining marks, RTL, NUL, lone-astral, long', async () => {
    const schema = new Schema([
      { id: 1, name: 'id', required: true, type: t.long },
      { id: 2, name: 's', required: false, type: t.string },
    ]);
    const strings = [
      '😀',
      '👨‍👩‍👧‍👦 family',
      '🇯🇵🇺🇸',
      '中文字符',
      '日本語のテキスト',
      '한국어',
      'e\u0301 vs é', // combining acute vs precomposed
      'Å\u030a\u0323',
      'مرحبا بالعالم',
      'a\u0000b',
      '\u{10FFFF}\u{1F600}',
      // Identity partition values become one path segment, URL-escaped (x3 for non-ASCII): stay
      // under the 255-byte file name limit of local file systems.
      'ß'.repeat(20),
      '𝔘𝔫𝔦𝔠𝔬𝔡𝔢'.repeat(2),
      '',
      ' ',
    ];
    const rows: Row[] = strings.map((s, i) => ({ id: BigInt(i), s }));
    // Identity-partitioned too: unicode partition values travel through paths and manifests.
    const table = await writeTable(schema, [rows], { partition: 's' });
    await expectReadersReturn(table, rows, schema);
    await expectPlanKeepsExactly(
      table.metadataLocation,
      schema,
      "s = '日本語のテキスト'",
      (r) => r.s === '日本語のテキスト',
    );
  });
});

// ---------------------------------------------------------------- partitions and pruning

const partSchema = new Schema([
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'c_int', required: false, type: t.int },
  { id: 3, name: 'c_string', required: false, type: t.string },
  { id: 4, name: 'c_date', required: false, type: t.date },
  { id: 5, name: 'c_timestamp', required: false, type: t.timestamp },
  { id: 6, name: 'c_timestamptz', required: false, type: t.timestamptz },
  { id: 7, name: 'c_tstz_hour', required: false, type: t.timestamptz },
]);

const STRINGS = [
  'QUEENS',
  'BROOKLYN',
  '日本語テキスト',
  '日本人',
  '😀😁😂🤣x',
  '😀😁😂y',
  '😀😁😃z',
  'e\u0301te',
  'abcdef',
  'abcxyz',
  '',
  'MANHATTAN',
];
const HOUR = 3_600_000_000n;
const DAY = 24n * HOUR;

function partRows(): Row[] {
  const rows: Row[] = [];
  for (let i = 0; i < 48; i++) {
    const nullish = i % 11 === 10; // null partition values too
    rows.push({
      id: BigInt(i),
      c_int: i * 3 - 70,
      c_string: nullish ? null : STRINGS[i % STRINGS.length]!,
      c_date: nullish ? null : days('1968-06-15') + i * 397,
      c_timestamp: nullish ? null : micros('1969-09-01T00:00:00Z') + BigInt(i) * (11n * DAY + HOUR) + 7n,
      c_timestamptz: micros('2024-02-27T05:00:00Z') + BigInt(i) * 7n * HOUR,
      c_tstz_hour: micros('1969-12-31T20:00:00Z') + BigInt(i) * 17n * 60_000_000n - 1n,
    });
  }
  return rows;
}

const us = (v: Value | undefined): bigint => v as bigint;

const TRANSFORM_CASES: {
  partition: string;
  filter: string;
  predicate: (r: Row) => boolean;
}[] = [
  { partition: 'c_string', filter: "c_string = 'BROOKLYN'", predicate: (r) => r.c_string === 'BROOKLYN' },
  { partition: 'bucket(8, id)', filter: 'id = 17', predicate: (r) => r.id === 17n },
  {
    partition: 'bucket(4, c_string)',
    filter: "c_string = '日本人'",
    predicate: (r) => r.c_string === '日本人',
  },
  { partition: 'truncate(10, c_int)', filter: 'c_int >= 13', predicate: (r) => (r.c_int as number) >= 13 },
  {
    // Code points, not UTF-16 units: '😀😁😂🤣x' and '😀😁😂y' share the partition '😀😁😂'.
    partition: 'truncate(3, c_string)',
    filter: "c_string = '😀😁😃z'",
    predicate: (r) => r.c_string === '😀😁😃z',
  },
  {
    partition: 'year(c_date)',
    filter: "c_date >= '2010-01-01'",
    predicate: (r) => r.c_date !== null && (r.c_date as number) >= days('2010-01-01'),
  },
  {
    // Months before 1970 are negative: floor, not truncation toward zero.
    partition: 'month(c_timestamp)',
    filter: "c_timestamp < '1970-01-01T00:00:00'",
    predicate: (r) => r.c_timestamp !== null && us(r.c_timestamp) < 0n,
  },
  {
    partition: 'day(c_timestamptz)',
    filter: "c_timestamptz >= '2024-03-05T00:00:00+00:00'",
    predicate: (r) => us(r.c_timestamptz) >= micros('2024-03-05T00:00:00Z'),
  },
  {
    partition: 'hour(c_tstz_hour)',
    filter: "c_tstz_hour < '1969-12-31T23:00:00+00:00'",
    predicate: (r) => us(r.c_tstz_hour) < micros('1969-12-31T23:00:00Z'),
  },
];

describe('partition transforms', () => {
  it.each(TRANSFORM_CASES)(
    '$partition: both readers exact, plan_files prunes exactly',
    async ({ partition, filter, predicate }) => {
      const rows = partRows();
      const table = await writeTable(partSchema, [rows], { partition });
      expect(table.spec.fields).toHaveLength(1);
      const files = await table.planFiles();
      expect(files.length, 'one file per partition value').toBeGreaterThan(1);
      await expectReadersReturn(table, rows, partSchema);
      await expectPlanKeepsExactly(table.metadataLocation, partSchema, filter, predicate);
    },
  );

  it('void(c_string): one partition, pruning by column bounds across 3 appends', async () => {
    const rows = partRows();
    const table = await writeTable(partSchema, [rows.slice(0, 16), rows.slice(16, 32), rows.slice(32)], {
      partition: 'void(c_string)',
    });
    expect(table.spec.fields[0]?.transform).toBe('void');
    await expectReadersReturn(table, rows, partSchema);
    const check = await expectPlanKeepsExactly(
      table.metadataLocation,
      partSchema,
      'id < 16',
      (r) => us(r.id) < 16n,
    );
    expect(check.kept).toHaveLength(1);
  });

  it('several transforms in one spec', async () => {
    const rows = partRows();
    const table = await writeTable(partSchema, [rows.slice(0, 24), rows.slice(24)], {
      partition: 'bucket(4, id), day(c_timestamptz), truncate(2, c_string)',
    });
    await expectReadersReturn(table, rows, partSchema);
    await expectPlanKeepsExactly(
      table.metadataLocation,
      partSchema,
      "c_timestamptz < '2024-03-01T00:00:00+00:00' and id = 3",
      (r) => us(r.c_timestamptz) < micros('2024-03-01T00:00:00Z') && r.id === 3n,
    );
  });
});

describe('column bounds prune files (unpartitioned, 3 appends)', () => {
  const schema = new Schema([
    { id: 1, name: 'id', required: true, type: t.long },
    { id: 2, name: 'name', required: false, type: t.string },
    { id: 3, name: 'score', required: false, type: t.double },
    { id: 4, name: 'amount', required: false, type: t.decimal(12, 3) },
    { id: 5, name: 'at', required: false, type: t.timestamptz },
    { id: 6, name: 'n', required: false, type: t.long },
  ]);
  const pad = 'x'.repeat(30); // longer than the default truncate(16) bounds
  const a: Row[] = [
    {
      id: 1n,
      name: `apple${pad}1`,
      score: 1.5,
      amount: -5000n,
      at: micros('1955-01-01T00:00:00Z'),
      n: -(2n ** 63n),
    },
    {
      id: 2n,
      name: `apple${pad}2`,
      score: Number.NaN,
      amount: -1n,
      at: micros('1959-12-31T23:59:59Z'),
      n: -2000n,
    },
    { id: 3n, name: `apricot${pad}`, score: 2.5, amount: null, at: null, n: null },
  ];
  const b: Row[] = [
    { id: 4n, name: `banana${pad}`, score: 10, amount: 1000n, at: micros('2000-01-01T00:00:00Z'), n: 0n },
    { id: 5n, name: `blueberry${pad}`, score: 20, amount: 2000n, at: micros('2000-06-01T00:00:00Z'), n: 5n },
  ];
  const c: Row[] = [
    {
      id: 6n,
      name: `cherry${pad}`,
      score: Number.NaN,
      amount: 999999999999n,
      at: micros('2100-01-01T00:00:00Z'),
      n: 2n ** 63n - 1n,
    },
    {
      id: 7n,
      name: '\u{10FFFF}'.repeat(20),
      score: Number.NaN,
      amount: 3000n,
      at: micros('2100-01-02T00:00:00Z'),
      n: 100n,
    },
  ];
  let table: Table;
  beforeAll(async () => {
    table = await writeTable(schema, [a, b, c]);
  });

  it('both readers exact', async () => {
    await expectReadersReturn(table, [...a, ...b, ...c], schema);
  });

  it.each([
    { filter: `name = 'banana${pad}'`, predicate: (r: Row) => r.name === `banana${pad}` },
    // A truncated upper bound must still bound: 'apricot'+30x lies above its own 16-char prefix, so
    // a bound that was cut without being incremented would wrongly prune the first file.
    {
      filter: `name >= 'apricot${'x'.repeat(12)}' and name < 'b'`,
      predicate: (r: Row) =>
        r.name !== null && (r.name as string) >= `apricot${'x'.repeat(12)}` && (r.name as string) < 'b',
    },
    { filter: `name < 'b'`, predicate: (r: Row) => r.name !== null && (r.name as string) < 'b' },
    // NaN is excluded from bounds and counted in nan_value_counts: the all-NaN file is pruned.
    { filter: 'score > 5', predicate: (r: Row) => (r.score as number) > 5 },
    // PyIceberg only converts a decimal literal given as a string with the column's exact scale.
    { filter: "amount >= '1.500'", predicate: (r: Row) => r.amount !== null && us(r.amount) >= 1500n },
    {
      filter: "at < '1960-01-01T00:00:00+00:00'",
      predicate: (r: Row) => r.at !== null && us(r.at) < micros('1960-01-01T00:00:00Z'),
    },
    { filter: 'n > 9223372036854775806', predicate: (r: Row) => r.n !== null && us(r.n) > 2n ** 63n - 2n },
    {
      filter: 'n < -9223372036854775807',
      predicate: (r: Row) => r.n !== null && us(r.n) < -(2n ** 63n) + 1n,
    },
  ])('plan_files($filter) keeps exactly the files with matches', async ({ filter, predicate }) => {
    await expectPlanKeepsExactly(table.metadataLocation, schema, filter, predicate);
  });
});

// ---------------------------------------------------------------- snapshots and manifests

describe('several appends with manifest merging', () => {
  const schema = new Schema([
    { id: 1, name: 'id', required: true, type: t.long },
    { id: 2, name: 'event_time', required: false, type: t.timestamptz },
    { id: 3, name: 'borough', required: false, type: t.string },
  ]);
  const BOROUGHS = ['QUEENS', 'BROOKLYN', 'MANHATTAN', 'BRONX', 'STATEN ISLAND'];
  const appends: Row[][] = [0, 1, 2, 3].map((k) =>
    Array.from({ length: 25 }, (_, i) => ({
      id: BigInt(k * 100 + i),
      event_time: micros('2024-03-01T00:00:00Z') + BigInt(k) * DAY + BigInt(i) * HOUR,
      borough: BOROUGHS[(i + k) % BOROUGHS.length]!,
    })),
  );
  let table: Table;
  beforeAll(async () => {
    table = await writeTable(schema, appends, {
      partition: 'day(event_time)',
      properties: { 'commit.manifest.min-count-to-merge': '2' },
    });
  });

  it('readers return the rows of all 4 appends', async () => {
    expect(table.metadata.snapshots).toHaveLength(4);
    await expectReadersReturn(table, appends.flat(), schema);
  });

  it('the current manifest list holds merged manifests that fastavro reads', async () => {
    const snapshot = table.currentSnapshot();
    expect(snapshot).toBeDefined();
    const list = await avroSchemaWithFastavro(snapshot!.manifestList, { records: true });
    const manifests = list.records as Record<string, unknown>[];
    expect(manifests.length, 'merged: fewer manifests than appends').toBeLessThan(4);
    const files = manifests.reduce(
      (n, m) => n + Number(m.added_files_count) + Number(m.existing_files_count),
      0,
    );
    expect(files).toBe((await table.planFiles()).length);
    expect(
      manifests.some((m) => Number(m.existing_files_count) > 0),
      'a merged manifest carries EXISTING entries',
    ).toBe(true);
    const rows = manifests.reduce(
      (n, m) => n + Number(m.added_rows_count) + Number(m.existing_rows_count),
      0,
    );
    expect(rows).toBe(100);
  });

  it('plan_files prunes by day partition across merged manifests', async () => {
    await expectPlanKeepsExactly(
      table.metadataLocation,
      schema,
      "event_time >= '2024-03-04T00:00:00+00:00'",
      (r) => us(r.event_time) >= micros('2024-03-04T00:00:00Z'),
    );
  });

  it('fastavro sees the field ids in the manifest-list schema and its metadata keys', async () => {
    const snapshot = table.currentSnapshot()!;
    const list = await avroSchemaWithFastavro(snapshot.manifestList);
    expect(list.codec).toBe('deflate');
    expect(list.metadata).toMatchObject({
      'format-version': '2',
      'snapshot-id': snapshot.snapshotId.toString(),
      'sequence-number': snapshot.sequenceNumber.toString(),
      'parent-snapshot-id': snapshot.parentSnapshotId!.toString(),
    });
    for (const schemaJson of [list.writerSchema, list.rawSchema]) {
      expect(collectIds(schemaJson)).toMatchObject({
        manifest_path: 500,
        manifest_length: 501,
        partition_spec_id: 502,
        content: 517,
        sequence_number: 515,
        min_sequence_number: 516,
        added_snapshot_id: 503,
        added_files_count: 504,
        existing_files_count: 505,
        deleted_files_count: 506,
        added_rows_count: 512,
        existing_rows_count: 513,
        deleted_rows_count: 514,
        partitions: 507,
        'partitions.element': 508,
        'partitions.contains_null': 509,
        'partitions.contains_nan': 518,
        'partitions.lower_bound': 510,
        'partitions.upper_bound': 511,
      });
    }
  });

  it('fastavro sees the field ids in the manifest schema and its metadata keys', async () => {
    const list = await avroSchemaWithFastavro(table.currentSnapshot()!.manifestList, { records: true });
    const manifestPath = (list.records as { manifest_path: string }[])[0]!.manifest_path;
    const manifest = await avroSchemaWithFastavro(manifestPath, { records: true });
    expect(manifest.codec).toBe('deflate');
    expect(manifest.metadata).toMatchObject({
      'format-version': '2',
      content: 'data',
      'partition-spec-id': '0',
    });
    expect(JSON.parse(manifest.metadata['schema']!)).toMatchObject({
      type: 'struct',
      fields: schema.toJson().fields,
    });
    expect(JSON.parse(manifest.metadata['partition-spec']!)).toEqual([
      { name: 'event_time_day', transform: 'day', 'source-id': 2, 'field-id': 1000 },
    ]);
    expect(manifest.metadata['schema-id']).toBe('0');
    for (const schemaJson of [manifest.writerSchema, manifest.rawSchema]) {
      const ids = collectIds(schemaJson);
      expect(ids).toMatchObject({
        status: 0,
        snapshot_id: 1,
        sequence_number: 3,
        file_sequence_number: 4,
        data_file: 2,
        'data_file.content': 134,
        'data_file.file_path': 100,
        'data_file.file_format': 101,
        'data_file.partition': 102,
        'data_file.partition.event_time_day': 1000,
        'data_file.record_count': 103,
        'data_file.file_size_in_bytes': 104,
        'data_file.column_sizes': 108,
        'data_file.column_sizes.key': 117,
        'data_file.column_sizes.value': 118,
        'data_file.value_counts': 109,
        'data_file.value_counts.key': 119,
        'data_file.value_counts.value': 120,
        'data_file.null_value_counts': 110,
        'data_file.null_value_counts.key': 121,
        'data_file.null_value_counts.value': 122,
        'data_file.lower_bounds': 125,
        'data_file.lower_bounds.key': 126,
        'data_file.lower_bounds.value': 127,
        'data_file.upper_bounds': 128,
        'data_file.upper_bounds.key': 129,
        'data_file.upper_bounds.value': 130,
      });
      // Optional fields need not be written, but when they are, they carry the spec's ids.
      const optional: Record<string, number> = {
        'data_file.nan_value_counts': 137,
        'data_file.nan_value_counts.key': 138,
        'data_file.nan_value_counts.value': 139,
        'data_file.key_metadata': 131,
        'data_file.split_offsets': 132,
        'data_file.split_offsets.element': 133,
        'data_file.sort_order_id': 140,
        'data_file.equality_ids': 135,
        'data_file.equality_ids.element': 136,
      };
      for (const [path, id] of Object.entries(optional)) {
        if (path in ids) expect(ids[path], path).toBe(id);
      }
    }
    // The data file entries name real files with the partition the readers prune on.
    const entries = manifest.records as {
      status: number;
      data_file: { file_path: string; record_count: number };
    }[];
    expect(entries.length).toBeGreaterThan(0);
    for (const e of entries) expect([0, 1, 2]).toContain(e.status);
  });
});

describe('Parquet data files as pyarrow sees them', () => {
  it('field ids, INT64 TIMESTAMP(MICROS, adjustedToUTC), decimals, ZSTD, dictionary strings', async () => {
    const schema = allTypesSchema();
    const rows = [
      ...edgeRows(),
      ...Array.from({ length: 200 }, (_, i) => ({ id: BigInt(100 + i), c_string: `borough-${i % 5}` })),
    ];
    const table = await writeTable(schema, [rows]);
    const [file] = await table.planFiles();
    const meta = await parquetMetaWithPyArrow(file!.dataFile.filePath);
    expect(meta.numRows).toBe(rows.length);
    expect(meta.fieldIds).toEqual(Object.fromEntries(schema.fields.map((f) => [f.name, f.id])));
    const col = (name: string) => meta.columns.find((c) => c.path === name)!;
    expect(col('c_timestamptz').physicalType).toBe('INT64');
    expect(col('c_timestamptz').logicalType).toMatch(
      /^Timestamp\(isAdjustedToUTC=true, timeUnit=microseconds/,
    );
    expect(col('c_timestamp').logicalType).toMatch(
      /^Timestamp\(isAdjustedToUTC=false, timeUnit=microseconds/,
    );
    expect(col('c_time').logicalType).toMatch(/^Time\(isAdjustedToUTC=false, timeUnit=microseconds/);
    expect(col('c_date').logicalType).toBe('Date');
    expect(col('c_dec9_2').logicalType).toBe('Decimal(precision=9, scale=2)');
    expect(col('c_dec38_10').logicalType).toBe('Decimal(precision=38, scale=10)');
    expect(col('c_dec38_10').physicalType).toBe('FIXED_LEN_BYTE_ARRAY');
    expect(col('c_string').logicalType).toBe('String');
    expect(col('c_uuid').physicalType).toBe('FIXED_LEN_BYTE_ARRAY');
    expect(col('c_fixed16').physicalType).toBe('FIXED_LEN_BYTE_ARRAY');
    expect(col('id').maxDefinitionLevel, 'required column').toBe(0);
    expect(meta.codecs).toEqual(['ZSTD']);
    expect(meta.encodings['c_string']).toEqual(expect.arrayContaining([expect.stringMatching(/DICTIONARY/)]));
  });
});

// ---------------------------------------------------------------- helpers

/** A deterministic non-null value of a primitive type for row i. */
function sampleValue(type: IcebergType, i: number): Value {
  const b = BigInt(i);
  switch (type.kind) {
    case 'boolean':
      return i % 3 === 0;
    case 'int':
      return i * 1_000_003 - 2_000_000_000;
    case 'long':
      return b * 1_000_000_000_007n - 9_000_000_000_000_000_000n;
    case 'float':
      return i * 1.25 - 7.5;
    case 'double':
      return i / 7 - 3;
    case 'decimal':
      return (b - 30n) * 12345n;
    case 'date':
      return i * 400 - 10_000;
    case 'time':
      return b * 1_234_567_891n;
    case 'timestamp':
    case 'timestamptz':
      return (b - 32n) * 987_654_321_987n;
    case 'string':
      return `v${i}-${'é😀'.repeat(i % 4)}`;
    case 'uuid':
      return `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
    case 'fixed':
      return Uint8Array.from({ length: type.length }, (_, k) => (i * 31 + k) & 0xff);
    case 'binary':
      return Uint8Array.from({ length: i % 5 }, (_, k) => (i + k) & 0xff);
    default:
      throw new Error(`no sample for ${type.kind}`);
  }
}

/**
 * Field ids of an Avro schema keyed by dotted field path; list elements as `<path>.element`
 * (element-id) and Iceberg's array-encoded maps as `<path>.key` / `<path>.value`.
 */
function collectIds(schema: AvroSchema): Record<string, number> {
  const out: Record<string, number> = {};
  const visitType = (type: AvroSchema, path: string): void => {
    if (Array.isArray(type)) {
      for (const branch of type) visitType(branch, path);
      return;
    }
    if (type === null || typeof type !== 'object') return;
    if (type.type === 'record') {
      for (const field of type.fields as AvroSchema[]) {
        const p = path ? `${path}.${field.name}` : field.name;
        if (field['field-id'] !== undefined) out[p] = Number(field['field-id']);
        visitType(field.type, p);
      }
    } else if (type.type === 'array') {
      if (type['element-id'] !== undefined) out[`${path}.element`] = Number(type['element-id']);
      // Map-as-array records hold key/value fields with their own ids: keep them under the map's path.
      visitType(type.items, path);
    } else if (type.type === 'map') {
      if (type['key-id'] !== undefined) out[`${path}.key`] = Number(type['key-id']);
      if (type['value-id'] !== undefined) out[`${path}.value`] = Number(type['value-id']);
      visitType(type.values, `${path}.value`);
    }
  };
  visitType(schema, '');
  return out;
}
