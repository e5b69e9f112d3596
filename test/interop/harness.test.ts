/**
 * Proves the interop harness before trusting it with floe's tables: PyIceberg writes a table
 * (the control group), and the harness's readers must return exactly the values that went in.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { t, type Value } from '../../src/iceberg/spec/types.js';
import { allTypesSchema, edgeRows } from './fixtures.js';
import {
  avroSchemaWithFastavro,
  canonicalValue,
  expectSameRows,
  planFilesWithPyIceberg,
  readWithDuckDB,
  readWithPyIceberg,
  stripFileScheme,
  writeWithPyIceberg,
} from './readers.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'floe-harness-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('canonicalValue', () => {
  it('gives each type its exact canonical form', () => {
    expect(canonicalValue(t.long, -9223372036854775808n)).toBe('-9223372036854775808');
    expect(canonicalValue(t.float, 0.1)).toBe(Math.fround(0.1));
    expect(canonicalValue(t.double, -0)).toBe('-0');
    expect(canonicalValue(t.double, Number.NaN)).toBe('NaN');
    expect(canonicalValue(t.float, -Infinity)).toBe('-Infinity');
    expect(canonicalValue(t.decimal(9, 2), -150n)).toBe('-150');
    expect(canonicalValue(t.decimal(9, 2), '-1.50')).toBe('-150');
    expect(canonicalValue(t.decimal(38, 10), '0.0000000001')).toBe('1');
    expect(() => canonicalValue(t.decimal(9, 2), '1.234')).toThrow(/fractional digits/);
    expect(canonicalValue(t.date, -1)).toBe(-1);
    expect(canonicalValue(t.timestamptz, -1n)).toBe('-1');
    expect(canonicalValue(t.uuid, 'F79C3E09-677C-4BBD-A479-3F349CB785E7')).toBe(
      'f79c3e09-677c-4bbd-a479-3f349cb785e7',
    );
    expect(canonicalValue(t.binary, Uint8Array.of(0, 255))).toBe('00ff');
    expect(canonicalValue(t.string, null)).toBeNull();
    expect(() => canonicalValue(t.long, 1.5)).toThrow(/not a floe value/);
    const map = {
      kind: 'map',
      keyId: 2,
      key: t.string,
      valueId: 3,
      valueRequired: false,
      value: t.long,
    } as const;
    expect(
      canonicalValue(
        map,
        new Map<Value, Value>([
          ['a', 1n],
          ['b', null],
        ]),
      ),
    ).toEqual([
      ['a', '1'],
      ['b', null],
    ]);
  });

  it('expectSameRows ignores order but not values, duplicates or columns', () => {
    const schema = new Schema([{ id: 1, name: 'x', required: false, type: t.long }]);
    const rows = [{ x: 1n }, { x: 2n }, { x: 2n }];
    expectSameRows(rows, [{ x: '2' }, { x: '1' }, { x: '2' }], schema);
    expect(() => expectSameRows(rows, [{ x: '2' }, { x: '1' }, { x: '1' }], schema)).toThrow();
    expect(() => expectSameRows(rows, [{ x: '2' }, { x: '1' }], schema)).toThrow();
    expect(() =>
      expectSameRows(
        rows,
        { columns: ['x', 'y'], arrowTypes: {}, rows: [{ x: '1' }, { x: '2' }, { x: '2' }] },
        schema,
      ),
    ).toThrow();
  });
});

describe('readers over a table PyIceberg wrote', () => {
  const schema = allTypesSchema();
  const rows = edgeRows();
  let metadataLocation: string;
  let tableDir: string;

  beforeAll(async () => {
    const written = await writeWithPyIceberg({
      warehouse: join(dir, 'all'),
      identifier: 'ns.all_types',
      schema,
      partition: [{ source: 'c_boolean', transform: 'identity', name: 'c_boolean' }],
      appends: [rows.slice(0, 2), rows.slice(2)],
    });
    metadataLocation = written.metadataLocation;
    tableDir = stripFileScheme(written.location);
  });

  it('PyIceberg scan returns every value exactly', async () => {
    const result = await readWithPyIceberg(metadataLocation);
    expectSameRows(rows, result, schema);
    expect(result.arrowTypes.c_timestamptz).toBe('timestamp[us, tz=UTC]');
    expect(result.arrowTypes.c_dec38_10).toBe('decimal128(38, 10)');
  });

  it('DuckDB iceberg_scan (offline extensions) returns every value exactly, with Iceberg-faithful types', async () => {
    const result = await readWithDuckDB(metadataLocation);
    expectSameRows(rows, result, schema);
    expect(result.duckdbTypes).toMatchObject({
      c_float: 'FLOAT',
      c_dec9_2: 'DECIMAL(9,2)',
      c_time: 'TIME',
      c_timestamp: 'TIMESTAMP',
      c_timestamptz: 'TIMESTAMP WITH TIME ZONE',
      c_uuid: 'UUID',
    });
  });

  it('a mismatching value fails the comparison', async () => {
    const result = await readWithPyIceberg(metadataLocation);
    const tampered = rows.map((r) => (r.id === 2n ? { ...r, c_long: 9223372036854775806n } : r));
    expect(() => expectSameRows(tampered, result, schema)).toThrow();
  });

  it('column selection and filters reach both readers', async () => {
    const py = await readWithPyIceberg(metadataLocation, { columns: ['id', 'c_string'], filter: 'id >= 3' });
    expectSameRows(
      rows.filter((r) => (r.id as bigint) >= 3n),
      py,
      schema,
      ['id', 'c_string'],
    );
    const duck = await readWithDuckDB(metadataLocation, { columns: ['id', 'c_long'], where: 'id <= 2' });
    expectSameRows(rows.slice(0, 2), duck, schema, ['id', 'c_long']);
  });

  it('plan_files keeps only the files whose partition matches', async () => {
    const all = await planFilesWithPyIceberg(metadataLocation);
    expect(all).toHaveLength(4); // append 1: true, false; append 2: null, true
    const onlyTrue = await planFilesWithPyIceberg(metadataLocation, 'c_boolean = true');
    expect(onlyTrue).toHaveLength(2);
    expect(onlyTrue.every((p) => p.includes('/c_boolean=true/'))).toBe(true);
    expect(await planFilesWithPyIceberg(metadataLocation, 'id > 100')).toEqual([]);
  });

  it('fastavro reads the field ids of manifest lists and manifests', async () => {
    const metaDir = join(tableDir, 'metadata');
    const files = readdirSync(metaDir);
    const manifestList = files.find((f) => f.startsWith('snap-'));
    const manifest = files.find((f) => f.endsWith('.avro') && !f.startsWith('snap-'));
    expect(manifestList && manifest).toBeTruthy();

    const list = await avroSchemaWithFastavro(join(metaDir, manifestList!), { records: true });
    const byName = Object.fromEntries(
      (list.writerSchema.fields as { name: string; 'field-id': number }[]).map((f) => [
        f.name,
        f['field-id'],
      ]),
    );
    expect(byName).toMatchObject({ manifest_path: 500, manifest_length: 501, added_snapshot_id: 503 });
    expect(list.recordCount).toBeGreaterThan(0);

    const entries = await avroSchemaWithFastavro(join(metaDir, manifest!));
    expect(Object.keys(entries.metadata)).toEqual(
      expect.arrayContaining(['schema', 'partition-spec', 'partition-spec-id', 'format-version', 'content']),
    );
    const dataFile = (entries.rawSchema.fields as { name: string; type: { fields: unknown[] } }[]).find(
      (f) => f.name === 'data_file',
    );
    expect(dataFile).toBeDefined();
  });

  it('DuckDB reads a Hadoop-layout table directory through version-hint.text', async () => {
    // PyIceberg's SqlCatalog names files 0000N-<uuid>.metadata.json and writes no hint; give it one.
    const { copyFileSync, writeFileSync, mkdirSync } = await import('node:fs');
    const hadoop = join(dir, 'hadoop', 't');
    mkdirSync(join(hadoop, 'metadata'), { recursive: true });
    copyFileSync(stripFileScheme(metadataLocation), join(hadoop, 'metadata', 'v3.metadata.json'));
    writeFileSync(join(hadoop, 'metadata', 'version-hint.text'), '3');
    expectSameRows(rows, await readWithDuckDB(hadoop), schema);
    expectSameRows(rows, await readWithPyIceberg(hadoop), schema);
  });
});
