/**
 * `floe query`: SQL over Iceberg tables through DuckDB views. The CLI runs as a separate process
 * (dist/cli/main.js; `npm test` builds first); expected values come from floe's own reader
 * (Table.readRows) or from values written through the Table API, never from DuckDB itself.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { FileCatalog } from '../../src/catalog/index.js';
import type { TableIdentifier } from '../../src/iceberg/catalog.js';
import { MemoryFileIO } from '../../src/iceberg/io/memory.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import type { NestedField, Value } from '../../src/iceberg/spec/types.js';
import { Table } from '../../src/iceberg/table/index.js';
import { lexicalRefs, runQuery } from '../../src/query/index.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let dir: string;
let warehouse: string;

function floe(args: string[]): Run {
  const env: Record<string, string | undefined> = {
    ...process.env,
    FLOE_WAREHOUSE: warehouse,
    FLOE_DEBUG: '',
  };
  delete env.FLOE_CATALOG;
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env,
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function query(sql: string, format = 'json', extra: string[] = []): Run {
  return floe(['query', sql, '--format', format, ...extra]);
}

function jsonRows(r: Run): Record<string, unknown>[] {
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return r.stdout
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

function expectOneLine(r: Run, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stdout).toBe('');
  expect(r.stderr.trim()).toMatch(pattern);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
}

function field(id: number, name: string, type: NestedField['type'], required = false): NestedField {
  return { id, name, required, type };
}

async function createWith(
  catalog: FileCatalog,
  identifier: TableIdentifier,
  schema: Schema,
  columns: Record<number, Value[]> | undefined,
): Promise<Table> {
  const table = await Table.create(catalog, { identifier, schema });
  if (columns) {
    const rowCount = (Object.values(columns)[0] ?? []).length;
    await table.append([
      { rowCount, columns: new Map(Object.entries(columns).map(([k, v]) => [Number(k), v])) },
    ]);
  }
  return table;
}

const BIG = 2n ** 53n + 1n; // not representable as a double
const MAX_LONG = 2n ** 63n - 1n;
const TS = 1_709_251_379_123_456n; // 2024-03-01T00:02:59.123456Z
const DEC = 12_345_678_901_234_567_890_123_456_789n; // DECIMAL(38,9): 12345678901234567890.123456789

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floe-query-'));
  warehouse = join(dir, 'warehouse');
  const load = floe([
    'load',
    join(ROOT, 'examples', 'nyc311-sample.csv'),
    '--table',
    'demo.nyc311',
    '--schema',
    join(ROOT, 'examples', 'nyc311.schema.json'),
    '--partition',
    'day(created_date)',
    '--max-bad-rows',
    'unlimited',
    '--rejected',
    join(dir, 'rejected.ndjson'),
  ]);
  expect(load.stderr).not.toMatch(/floe: .*error/i);
  expect(load.code).toBe(0);

  const catalog = new FileCatalog({ warehouse });
  await createWith(
    catalog,
    { namespace: ['demo'], name: 'boroughs' },
    new Schema([field(1, 'name', { kind: 'string' }, true), field(2, 'code', { kind: 'int' })]),
    { 1: ['BRONX', 'BROOKLYN', 'MANHATTAN', 'QUEENS', 'STATEN ISLAND'], 2: [2, 3, 1, 4, 5] },
  );
  await createWith(
    catalog,
    { namespace: ['demo'], name: 'empty' },
    new Schema([field(1, 'id', { kind: 'long' }, true), field(2, 'at', { kind: 'timestamptz' })]),
    undefined,
  );
  await catalog.createNamespace(['types']);
  await createWith(
    catalog,
    { namespace: ['types'], name: 'all' },
    new Schema([
      field(1, 'l', { kind: 'long' }),
      field(2, 'tz', { kind: 'timestamptz' }),
      field(3, 'd', { kind: 'decimal', precision: 38, scale: 9 }),
      field(4, 'day', { kind: 'date' }),
      field(5, 'ok', { kind: 'boolean' }),
      field(6, 's', { kind: 'string' }),
      field(7, 'ts', { kind: 'timestamp' }),
    ]),
    {
      1: [BIG, MAX_LONG, null],
      2: [TS, 0n, null],
      3: [DEC, -1n, null],
      4: [19_783, 0, null],
      5: [true, false, null],
      6: ['a,"b"', 'x', null],
      7: [TS, 0n, null],
    },
  );
  await catalog.createNamespace(['lake']);
  await catalog.createNamespace(['lake', 'raw']);
  await createWith(
    catalog,
    { namespace: ['lake', 'raw'], name: 'events' },
    new Schema([field(1, 'id', { kind: 'long' }, true)]),
    { 1: [1n, 2n, 3n] },
  );
}, 300_000);

describe('floe query', () => {
  test('group-by counts equal the counts of floe’s own reader', async () => {
    const table = await Table.load(new FileCatalog({ warehouse }), { namespace: ['demo'], name: 'nyc311' });
    const expected = new Map<string | null, number>();
    for (const row of await table.readRows()) {
      const b = row.borough as string | null;
      expected.set(b, (expected.get(b) ?? 0) + 1);
    }
    expect(expected.size).toBeGreaterThan(3);
    const rows = jsonRows(query('SELECT borough, count(*) AS n FROM demo.nyc311 GROUP BY 1 ORDER BY 1'));
    const got = new Map(rows.map((r) => [r.borough as string | null, r.n as number]));
    expect(got).toEqual(expected);
    // The column headers are the table's own names, also through a quoted reference.
    const quoted = jsonRows(query('SELECT count(*) AS n, sum(unique_key) AS s FROM "demo"."nyc311"'));
    expect(quoted[0]?.n).toBe([...expected.values()].reduce((a, b) => a + b, 0));
  });

  test('joins two tables', async () => {
    const table = await Table.load(new FileCatalog({ warehouse }), { namespace: ['demo'], name: 'nyc311' });
    const bronx = (await table.readRows()).filter((r) => r.borough === 'BRONX').length;
    const rows = jsonRows(
      query(
        'SELECT b.code, count(*) AS n FROM demo.nyc311 r JOIN demo.boroughs b ON r.borough = b.name ' +
          'WHERE b.code = 2 GROUP BY 1',
      ),
    );
    expect(rows).toEqual([{ code: 2, n: bronx }]);
  });

  test('an empty table is an empty view with its columns and types', async () => {
    expect(jsonRows(query('SELECT count(*) AS n FROM demo.empty'))).toEqual([{ n: 0 }]);
    const csv = query('SELECT * FROM demo.empty', 'csv');
    expect(csv.code).toBe(0);
    expect(csv.stdout).toBe('id,at\r\n');
    const r = await runQuery({ catalog: new FileCatalog({ warehouse }), sql: 'SELECT * FROM demo.empty' });
    expect(r.rows).toEqual([]);
    expect(r.columns).toEqual(['id', 'at']);
    expect(r.types.map(String)).toEqual(['BIGINT', 'TIMESTAMP WITH TIME ZONE']);
  });

  test('types round-trip: long beyond 2^53, timestamptz, decimal(38,9), date, timestamp', () => {
    const r = query(
      'SELECT l, tz, d, day, ok, s, ts, typeof(tz) AS tzt, typeof(d) AS dt FROM types."all" ORDER BY l NULLS LAST',
    );
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    // Exact digits in the JSON text (JSON.parse would round them).
    expect(lines[0]).toContain(`"l":${BIG}`);
    expect(lines[0]).toContain('"d":12345678901234567890.123456789');
    expect(lines[1]).toContain(`"l":${MAX_LONG}`);
    expect(lines[1]).toContain('"d":-0.000000001');
    const rows = jsonRows(r);
    expect(rows[0]).toMatchObject({
      tz: '2024-03-01 00:02:59.123456+00',
      ts: '2024-03-01 00:02:59.123456',
      day: '2024-03-01',
      ok: true,
      s: 'a,"b"',
      tzt: 'TIMESTAMP WITH TIME ZONE',
      dt: 'DECIMAL(38,9)',
    });
    expect(rows[1]).toMatchObject({ tz: '1970-01-01 00:00:00+00', day: '1970-01-01', ok: false });
    expect(rows[2]).toEqual({
      l: null,
      tz: null,
      d: null,
      day: null,
      ok: null,
      s: null,
      ts: null,
      tzt: 'TIMESTAMP WITH TIME ZONE',
      dt: 'DECIMAL(38,9)',
    });
    // CSV and the text table keep the digits too, and quote what needs quoting.
    const csv = query('SELECT l, d, s FROM types."all" ORDER BY l NULLS LAST', 'csv');
    expect(csv.stdout).toBe(
      `l,d,s\r\n${BIG},12345678901234567890.123456789,"a,""b"""\r\n${MAX_LONG},-0.000000001,x\r\n,,\r\n`,
    );
    const table = query('SELECT l, s FROM types."all" ORDER BY l NULLS LAST', 'table');
    expect(table.stdout.split('\n')).toEqual([
      'l                   | s',
      '--------------------+------',
      `   ${BIG} | a,"b"`,
      `${MAX_LONG} | x`,
      `${'NULL'.padStart(19)} | NULL`,
      '(3 rows)',
      '',
    ]);
  });

  test('two-level namespaces resolve as database.schema.table', () => {
    expect(jsonRows(query('SELECT sum(id) AS s FROM lake.raw.events'))).toEqual([{ s: 6 }]);
  });

  test('--max-rows cuts the output and says so', () => {
    const r = query('SELECT unique_key FROM demo.nyc311 ORDER BY 1', 'json', ['--max-rows', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split('\n')).toHaveLength(2);
    expect(r.stderr).toMatch(/--max-rows 2/);
  });

  test('error cases: one line and the right exit code', () => {
    expectOneLine(query('SELECT * FROM demo.nope'), 1, /^floe: query: unknown table demo\.nope/);
    expectOneLine(
      query('SELEC borough FROM demo.nyc311'),
      2,
      /^floe: query: Parser Error: syntax error at or near "SELEC"$/,
    );
    expectOneLine(query('SELECT nope FROM demo.nyc311'), 1, /^floe: query: Binder Error: .*"nope"/);
    expectOneLine(floe(['query']), 2, /missing "<SQL>"/);
    expectOneLine(floe(['query', '  ']), 2, /SQL is empty/);
    expectOneLine(
      floe(['query', 'SELECT 1', '--format', 'xml']),
      2,
      /--format must be one of table, json, csv/,
    );
  });
});

describe('runQuery (in-process)', () => {
  test('files on object storage are copied through the FileIO; columns bind by field id after a rename', async () => {
    const io = new MemoryFileIO();
    const catalog = new FileCatalog({ warehouse: 's3://bucket/wh', io });
    await catalog.createNamespace(['ns']);
    const schema = new Schema([field(1, 'a', { kind: 'long' }), field(2, 'b', { kind: 'string' })]);
    const table = await createWith(catalog, { namespace: ['ns'], name: 't' }, schema, {
      1: [1n, 2n],
      2: ['x', 'y'],
    });
    const before = await runQuery({ catalog, sql: 'SELECT a, b FROM ns.t ORDER BY a' });
    expect(before.columns).toEqual(['a', 'b']);
    expect(before.jsonRows).toEqual([
      ['1', 'x'],
      ['2', 'y'],
    ]);
    expect(before.tables).toEqual(['ns.t']);

    // Rename b -> renamed and add c: old files still say "b" and lack field 3.
    const renamed = new Schema(
      [
        field(1, 'a', { kind: 'long' }),
        field(2, 'renamed', { kind: 'string' }),
        field(3, 'c', { kind: 'int' }),
      ],
      1,
    );
    await catalog.commitTable({
      identifier: table.identifier,
      requirements: [{ type: 'assert-current-schema-id', currentSchemaId: 0 }],
      updates: [
        { action: 'add-schema', schema: renamed, lastColumnId: 3 },
        { action: 'set-current-schema', schemaId: -1 },
      ],
    });
    const after = await runQuery({ catalog, sql: 'SELECT * FROM ns.t ORDER BY a' });
    expect(after.columns).toEqual(['a', 'renamed', 'c']);
    expect(after.jsonRows).toEqual([
      ['1', 'x', null],
      ['2', 'y', null],
    ]);
  });

  test('statements DuckDB cannot serialize fall back to a lexical scan', async () => {
    expect(lexicalRefs(`DESCRIBE "my ns".t1; SELECT 'a.b' -- c.d\n FROM x.y /* e.f */`)).toEqual([
      { namespace: ['my ns'], name: 't1' },
      { namespace: ['x'], name: 'y' },
    ]);
    const io = new MemoryFileIO();
    const catalog = new FileCatalog({ warehouse: 's3://bucket/wh', io });
    await catalog.createNamespace(['ns']);
    await createWith(
      catalog,
      { namespace: ['ns'], name: 't' },
      new Schema([field(1, 'a', { kind: 'long' })]),
      {
        1: [5n],
      },
    );
    const r = await runQuery({ catalog, sql: 'DESCRIBE ns.t' });
    expect(r.rows.map((row) => [String(row[0]), String(row[1])])).toEqual([['a', 'BIGINT']]);
  });
});
