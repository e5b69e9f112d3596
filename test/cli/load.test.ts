/**
 * Cross-process tests of the `floe` executable (dist/cli/main.js; `npm test` builds first).
 * Each bad input must give its one-line message and exit code, and leave nothing visible:
 * no new table, no new snapshot, no stray data files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, test } from 'vitest';
import { readWithBoth, type CanonicalRow } from '../interop/readers.js';

const ROOT = resolve(import.meta.dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'cli', 'main.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function floe(dir: string, args: string[], input?: string | Buffer, env: Record<string, string> = {}): Run {
  const r = spawnSync(process.execPath, [MAIN, ...args], {
    cwd: dir,
    input,
    encoding: 'utf8',
    env: { ...process.env, FLOE_WAREHOUSE: join(dir, 'warehouse'), FLOE_DEBUG: '', ...env },
    timeout: 60_000,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function workdir(files: Record<string, string | Buffer> = {}): string {
  const dir = mkdtempSync(join(tmpdir(), 'floe-cli-'));
  for (const [name, content] of Object.entries(files)) writeFileSync(join(dir, name), content);
  return dir;
}

function tables(dir: string): string[] {
  const r = floe(dir, ['tables', '--json']);
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as string[];
}

interface Inspected {
  snapshots: { snapshotId: string; summary: Record<string, string> }[];
  dataFiles: { path: string; recordCount: string }[];
}

function inspect(dir: string, table: string): Inspected {
  const r = floe(dir, ['inspect', table, '--json']);
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  return JSON.parse(r.stdout) as Inspected;
}

function parquetFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    if (!existsSync(d)) return;
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.parquet')) out.push(p);
    }
  };
  walk(join(dir, 'warehouse'));
  return out.sort();
}

/** One line on stderr, no stack trace. */
function expectOneLine(r: Run, code: number, pattern: RegExp): void {
  expect(r.code).toBe(code);
  expect(r.stderr.trim()).toMatch(pattern);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).not.toMatch(/^\s+at /m);
}

const SCHEMA = JSON.stringify({
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'unique_key', required: true, type: 'long' },
    { id: 2, name: 'created_date', required: true, type: 'timestamptz' },
    { id: 3, name: 'borough', required: false, type: 'string' },
    { id: 4, name: 'latitude', required: false, type: 'double' },
  ],
});
const GOOD =
  'unique_key,created_date,borough,latitude\n1,2024-03-01T10:00:00Z,QUEENS,40.7\n2,2024-03-02T11:00:00Z,BRONX,\n9007199254740993,2024-03-02T12:00:00-05:00,,40.8\n';
const MISMATCH =
  'unique_key,created_date,borough,latitude\n1,2024-03-01T10:00:00Z,QUEENS,40.7\n2,2024-03-02T11:00:00Z,BRONX,abc\n3,2024-03-02T12:00:00Z,,40.8\n';

function load(dir: string, file: string, ...extra: string[]): Run {
  return floe(dir, [
    'load',
    file,
    '--table',
    'ns.t',
    '--schema',
    'schema.json',
    '--partition',
    'day(created_date)',
    ...extra,
  ]);
}

beforeAll(() => {
  if (!existsSync(MAIN)) throw new Error(`${MAIN} is missing: run npm run build (npm test does)`);
});

describe('floe load', () => {
  test('loads a CSV with a schema and partition spec; tables and inspect show it', () => {
    const dir = workdir({ 'schema.json': SCHEMA, 'data.csv': GOOD });
    const r = load(dir, 'data.csv');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rows written +3\n/);
    expect(r.stdout).toMatch(/rows rejected +0\n/);
    expect(r.stdout).toMatch(/data files +2\n/); // two days
    expect(r.stdout).toMatch(/snapshot +\d+\n/);
    expect(tables(dir)).toEqual(['ns.t']);
    const info = inspect(dir, 'ns.t');
    expect(info.snapshots).toHaveLength(1);
    expect(info.snapshots[0]?.summary['added-records']).toBe('3');
    expect(info.dataFiles.map((f) => Number(f.recordCount)).sort()).toEqual([1, 2]);
    const text = floe(dir, ['inspect', 'ns.t']);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain('created_date_day = day(created_date)');
    expect(text.stdout).toContain('created_date_day=2024-03-02');
    expect(text.stdout).toMatch(/1\s+unique_key\s+long\s+required/);
  });

  test('--json summary; NDJSON from stdin (gzipped) into an existing table appends a snapshot', () => {
    const dir = workdir({ 'schema.json': SCHEMA, 'data.csv': GOOD });
    expect(load(dir, 'data.csv').code).toBe(0);
    const nd =
      '{"unique_key": 10, "created_date": 1709287200, "borough": "QUEENS"}\n{"unique_key": 11, "created_date": "2024-03-01T00:00:00Z"}\n';
    const r = floe(dir, ['load', '-', '--table', 'ns.t', '--json'], gzipSync(nd));
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { rowsWritten: number; format: string; created: boolean };
    expect(summary).toMatchObject({ rowsWritten: 2, format: 'ndjson', created: false });
    expect(inspect(dir, 'ns.t').snapshots).toHaveLength(2);
  });

  test('without --schema the schema is inferred and printed to stderr', () => {
    const dir = workdir({ 'data.csv': 'id,x,at\n1,1.5,2024-03-01T00:00:00Z\n2,2,2024-03-02T00:00:00Z\n' });
    const r = floe(dir, ['load', 'data.csv', '--table', 'ns.inferred']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('inferred from the first 2 records');
    expect(r.stderr).toMatch(/1\s+id\s+long\s+optional/);
    expect(r.stderr).toMatch(/2\s+x\s+double/);
    expect(r.stderr).toMatch(/3\s+at\s+timestamptz/);
  });

  test('type mismatch: exit 1 naming the line, nothing committed, the row in the rejected file', () => {
    const dir = workdir({ 'schema.json': SCHEMA, 'data.csv': MISMATCH });
    const r = load(dir, 'data.csv');
    expectOneLine(
      r,
      1,
      /^floe: line 3: column "latitude": "abc" is not a double \(rejected row 1, more than --max-bad-rows 0\); nothing was committed/,
    );
    expect(tables(dir)).toEqual([]);
    expect(parquetFiles(dir)).toEqual([]);
    const rejected = readFileSync(join(dir, 'data.csv.rejected.ndjson'), 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(rejected).toEqual([
      {
        line: 3,
        reasons: ['column "latitude": "abc" is not a double'],
        raw: '2,2024-03-02T11:00:00Z,BRONX,abc',
      },
    ]);
  });

  test('--max-bad-rows N allows N rejected rows and commits the rest', () => {
    const dir = workdir({ 'schema.json': SCHEMA, 'data.csv': MISMATCH });
    const r = load(dir, 'data.csv', '--max-bad-rows', '1', '--rejected', 'bad.ndjson');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/rows written +2\n/);
    expect(r.stdout).toMatch(/rows rejected +1 \(see .*bad\.ndjson\)/);
    expect(existsSync(join(dir, 'bad.ndjson'))).toBe(true);
  });

  test('--max-bad-rows exceeded mid-stream on an existing table: no new snapshot, no stray data files', () => {
    const dir = workdir({ 'schema.json': SCHEMA, 'data.csv': GOOD });
    expect(load(dir, 'data.csv').code).toBe(0);
    const before = parquetFiles(dir);
    // Many good rows first (written out in small batches), then too many bad ones.
    const rows = ['unique_key,created_date,borough,latitude'];
    for (let i = 0; i < 500; i++) rows.push(`${100 + i},2024-03-0${1 + (i % 9)}T00:00:00Z,QUEENS,40.${i}`);
    rows.push('x1,2024-03-01T00:00:00Z,,', 'x2,2024-03-01T00:00:00Z,,', 'x3,2024-03-01T00:00:00Z,,');
    writeFileSync(join(dir, 'more.csv'), rows.join('\n') + '\n');
    const r = floe(dir, ['load', 'more.csv', '--table', 'ns.t', '--max-bad-rows', '2', '--batch-rows', '10']);
    expectOneLine(
      r,
      1,
      /^floe: line 504: column "unique_key": "x3" is not a long \(rejected row 3, more than --max-bad-rows 2\)/,
    );
    const info = inspect(dir, 'ns.t');
    expect(info.snapshots).toHaveLength(1);
    expect(parquetFiles(dir)).toEqual(before);
  });

  test('malformed CSV (bad quoting): exit 1 naming the line, nothing visible', () => {
    const dir = workdir({ 'schema.json': SCHEMA, 'data.csv': GOOD + '3,"2024-03-01T00:00:00Z"x,QUEENS,1\n' });
    const r = load(dir, 'data.csv');
    expectOneLine(r, 1, /^floe: .*data\.csv: malformed CSV at line 5: Invalid Closing Quote/);
    expect(tables(dir)).toEqual([]);
    expect(parquetFiles(dir)).toEqual([]);
  });

  test('malformed CSV (wrong field count) is a rejected row', () => {
    const dir = workdir({ 'schema.json': SCHEMA, 'data.csv': GOOD + '4,2024-03-01T00:00:00Z\n' });
    const r = load(dir, 'data.csv');
    expectOneLine(r, 1, /^floe: line 5: expected 4 fields \(the header's\), got 2/);
    expect(tables(dir)).toEqual([]);
  });

  test('unknown column: a CSV header is a config error (exit 2), a JSON field a rejected row (exit 1)', () => {
    const dir = workdir({
      'schema.json': SCHEMA,
      'data.csv': 'unique_key,created_date,colour\n1,2024-03-01T00:00:00Z,red\n',
      'data.ndjson': '{"unique_key": 1, "created_date": "2024-03-01T00:00:00Z", "colour": "red"}\n',
    });
    const csv = load(dir, 'data.csv');
    expectOneLine(
      csv,
      2,
      /^floe: .*data\.csv: unknown column "colour" in the CSV header \(the table has unique_key, created_date, borough, latitude\)$/,
    );
    expect(tables(dir)).toEqual([]);
    const json = load(dir, 'data.ndjson');
    expectOneLine(json, 1, /^floe: line 1: unknown column "colour"/);
    expect(tables(dir)).toEqual([]);
  });

  test('empty file and header-only CSV: exit 1, no table created', () => {
    const dir = workdir({
      'schema.json': SCHEMA,
      'empty.csv': '',
      'header.csv': 'unique_key,created_date\n',
      'empty.json': '[]',
    });
    expectOneLine(
      load(dir, 'empty.csv'),
      1,
      /^floe: .*empty\.csv has no records to load \(empty file or header only\); nothing was written$/,
    );
    expectOneLine(load(dir, 'header.csv'), 1, /has no records to load/);
    expectOneLine(load(dir, 'empty.json'), 1, /empty\.json has no records to load/);
    expect(tables(dir)).toEqual([]);
  });

  test('missing input file: exit 1, one line', () => {
    const dir = workdir({ 'schema.json': SCHEMA });
    expectOneLine(load(dir, 'nope.csv'), 1, /^floe: input file not found: .*nope\.csv$/);
    expect(tables(dir)).toEqual([]);
  });

  test('bad flags and arguments: exit 2, one line', () => {
    const dir = workdir({ 'data.csv': GOOD });
    expectOneLine(
      floe(dir, ['load', 'data.csv', '--table', 'ns.t', '--bogus']),
      2,
      /^floe: load: unknown option --bogus \(see floe load --help\)$/,
    );
    expectOneLine(floe(dir, ['load', 'data.csv']), 2, /^floe: load: missing --table <ns\.name>/);
    expectOneLine(floe(dir, ['load', '--table', 'ns.t']), 2, /^floe: load: missing <file>/);
    expectOneLine(floe(dir, ['load', 'data.csv', '--table']), 2, /option --table needs a value/);
    expectOneLine(
      floe(dir, ['load', 'data.csv', '--table', 'nonamespace']),
      2,
      /bad table name "nonamespace"/,
    );
    expectOneLine(
      floe(dir, ['load', 'data.csv', '--table', 'ns.t', '--format', 'xml']),
      2,
      /--format must be one of csv, json, ndjson/,
    );
    expectOneLine(
      floe(dir, ['load', 'data.csv', '--table', 'ns.t', '--max-bad-rows', '-1']),
      2,
      /--max-bad-rows must be an integer >= 0/,
    );
    expectOneLine(
      floe(dir, ['load', 'data.csv', '--table', 'ns.t', '--partition', 'day(nope)']),
      2,
      /^floe: --partition: /,
    );
    expectOneLine(floe(dir, ['frobnicate']), 2, /^floe: unknown command "frobnicate"/);
    expect(tables(dir)).toEqual([]);
  });

  test('bad schema files: exit 2, one line, no table', () => {
    const dir = workdir({
      'data.csv': GOOD,
      'broken.json': '{"type": "struct", "fields": [',
      'badtype.json': JSON.stringify({
        type: 'struct',
        fields: [{ id: 1, name: 'a', required: false, type: 'varchar' }],
      }),
      'dupid.json': JSON.stringify({
        type: 'struct',
        fields: [
          { id: 1, name: 'a', required: false, type: 'long' },
          { id: 1, name: 'b', required: false, type: 'long' },
        ],
      }),
      'nofields.json': '{"type": "struct"}',
    });
    const run = (schema: string): Run =>
      floe(dir, ['load', 'data.csv', '--table', 'ns.t', '--schema', schema]);
    expectOneLine(run('broken.json'), 2, /^floe: schema file .*broken\.json is not valid JSON: /);
    expectOneLine(
      run('badtype.json'),
      2,
      /^floe: schema file .*badtype\.json: unknown Iceberg type "varchar"$/,
    );
    expectOneLine(run('dupid.json'), 2, /^floe: schema file .*dupid\.json: schema: duplicate field id 1$/);
    expectOneLine(run('nofields.json'), 2, /needs a "fields" array/);
    expectOneLine(run('missing.json'), 2, /^floe: schema file not found: .*missing\.json$/);
    expect(tables(dir)).toEqual([]);
  });

  test('errors in inspect: a missing table is one line, exit 1', () => {
    const dir = workdir();
    expectOneLine(floe(dir, ['inspect', 'ns.nope']), 1, /^floe: .*ns\.nope/);
  });

  test('help: per command, exit 0', () => {
    const dir = workdir();
    const r = floe(dir, ['load', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--max-bad-rows');
    expect(floe(dir, ['help', 'inspect']).stdout).toContain('Usage: floe inspect');
    expect(floe(dir, ['--help']).stdout).toContain('Commands:');
  });
});

describe('floe load --workers (decode and write in worker threads)', () => {
  /** 1,500 rows over 3 days; quoted line breaks and quotes; every 97th row has a bad latitude. */
  function bigCsv(): string {
    const lines = ['unique_key,created_date,borough,latitude'];
    for (let i = 1; i <= 1500; i++) {
      const day = 1 + (i % 3);
      const borough = i % 5 === 0 ? `"QUEENS\nline ""${i}"""` : i % 7 === 0 ? '' : 'BRONX';
      const lat = i % 97 === 0 ? 'north' : (40 + i / 10000).toFixed(4);
      lines.push(`${i},2024-03-0${day}T10:00:00Z,${borough},${lat}`);
    }
    return lines.join('\n') + '\n';
  }

  const rowsOf = (dir: string, table: string): string => {
    const r = floe(dir, ['query', `select * from ${table} order by unique_key`, '--format', 'csv']);
    expect(r.code).toBe(0);
    return r.stdout;
  };

  test('the same rows, rejected rows (in input order, with their lines) and snapshot as one thread', async () => {
    const dir = workdir({ 'schema.json': SCHEMA, 'data.csv': bigCsv() });
    const one = load(
      dir,
      'data.csv',
      '--workers',
      '1',
      '--max-bad-rows',
      'unlimited',
      '--rejected',
      'one.rej',
    );
    expect(one.code).toBe(0);
    const many = floe(
      dir,
      [
        'load',
        'data.csv',
        '--table',
        'ns.p',
        '--schema',
        'schema.json',
        '--partition',
        'day(created_date)',
        '--workers',
        '3',
        '--max-bad-rows',
        'unlimited',
        '--rejected',
        'many.rej',
        '--json',
      ],
      undefined,
      { FLOE_LOAD_PIECE_BYTES: '4000' },
    );
    expect(many.stderr).toBe('');
    expect(many.code).toBe(0);
    const summary = JSON.parse(many.stdout) as {
      rowsWritten: number;
      rowsRejected: number;
      dataFiles: number;
    };
    expect(summary.rowsRejected).toBe(15);
    expect(summary.rowsWritten).toBe(1500 - 15);
    // Three workers each wrote some of the three days: more files than one thread's three.
    expect(summary.dataFiles).toBeGreaterThan(3);
    const rejected = readFileSync(join(dir, 'many.rej'), 'utf8');
    expect(rejected).toBe(readFileSync(join(dir, 'one.rej'), 'utf8'));
    expect((JSON.parse(rejected.split('\n')[0] as string) as { line: number }).line).toBeGreaterThan(97);
    const expected = rowsOf(dir, 'ns.t');
    expect(expected.split('\n').length).toBeGreaterThan(1400);
    expect(rowsOf(dir, 'ns.p')).toBe(expected);
    expect(inspect(dir, 'ns.p').snapshots).toHaveLength(1);
    // Independent readers see the same rows in both tables.
    const [a, b] = await Promise.all(
      ['t', 'p'].map((name) => readWithBoth(join(dir, 'warehouse', 'ns', name))),
    );
    const keyed = (rows: readonly CanonicalRow[]) =>
      [...rows].sort((x, y) => Number(x['unique_key']) - Number(y['unique_key']));
    expect(b!.pyiceberg.rows).toHaveLength(1485);
    expect(keyed(b!.pyiceberg.rows)).toEqual(keyed(a!.pyiceberg.rows));
    expect(keyed(b!.duckdb.rows)).toEqual(keyed(a!.pyiceberg.rows));
  });

  test('gzip, a byte-order mark, CRLF and multi-byte text: pieces cut from the bytes load as one thread does', () => {
    // Non-ASCII boroughs (2-, 3- and 4-byte UTF-8) fall on every side of the 4,000-byte cuts, and
    // many lines start with U+FEFF, which is data there (only the file's first BOM is dropped): in
    // NDJSON such a line is a rejected row, so a piece that dropped it would change the counts.
    const crlf = bigCsv()
      .replaceAll('BRONX', 'BRÖNX €😀')
      .replace(/\n(\d+0,)/g, '\n\uFEFF$1')
      .replaceAll('\n', '\r\n');
    const ndjson = bigCsv()
      .split('\n')
      .slice(1, -1)
      .map(
        (line, i) =>
          (i % 3 === 2 ? '\uFEFF' : '') +
          JSON.stringify({ unique_key: i + 1, created_date: '2024-03-01T10:00:00Z', borough: `Ü${line}€😀` }),
      )
      .join('\r\n');
    const dir = workdir({
      'schema.json': SCHEMA,
      'data.csv.gz': gzipSync(Buffer.from('\uFEFF' + crlf)),
      'data.ndjson.gz': gzipSync(Buffer.from('\uFEFF' + ndjson + '\n')),
    });
    const env = { FLOE_LOAD_PIECE_BYTES: '4000' };
    for (const [n, file] of ['data.csv.gz', 'data.ndjson.gz'].entries()) {
      const args = (table: string, workers: string, rejected: string): string[] => [
        'load',
        file,
        '--table',
        table,
        '--schema',
        'schema.json',
        '--workers',
        workers,
        '--max-bad-rows',
        'unlimited',
        '--rejected',
        rejected,
        '--json',
      ];
      const one = floe(dir, args(`ns.one${n}`, '1', `one${n}.rej`));
      expect(one.code).toBe(0);
      const many = floe(dir, args(`ns.many${n}`, '3', `many${n}.rej`), undefined, env);
      expect(many.stderr).toBe('');
      expect(many.code).toBe(0);
      const counts = (r: Run) => {
        const { rowsWritten, rowsRejected } = JSON.parse(r.stdout) as Record<string, number>;
        return { rowsWritten, rowsRejected };
      };
      expect(counts(many)).toEqual(counts(one));
      expect(counts(many).rowsWritten).toBeGreaterThan(1000);
      expect(counts(many).rowsRejected).toBeGreaterThan(10);
      expect(readFileSync(join(dir, `many${n}.rej`), 'utf8')).toBe(
        readFileSync(join(dir, `one${n}.rej`), 'utf8'),
      );
      expect(rowsOf(dir, `ns.many${n}`)).toBe(rowsOf(dir, `ns.one${n}`));
      expect(rowsOf(dir, `ns.one${n}`)).toContain('€😀');
    }
  });

  test('load workers started ahead of time and never used do not keep the process alive', () => {
    const parallel = pathToFileURL(join(ROOT, 'dist', 'load', 'parallel.js')).href;
    const script = `const { LoadWorkers } = await import(${JSON.stringify(parallel)});
      const pool = LoadWorkers.start(2);
      await new Promise((r) => setTimeout(r, 300));
      process.stdout.write(String(pool.threads.length) + ' ' + String(pool.failure));`;
    const dir = workdir({ 'start.mjs': script });
    const r = spawnSync(process.execPath, [join(dir, 'start.mjs')], {
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('2 undefined');
  });

  test('a failure in any piece (bad-row limit, broken quoting) commits nothing and leaves no data files', () => {
    const csv = bigCsv();
    const dir = workdir({ 'schema.json': SCHEMA, 'data.csv': csv, 'broken.csv': csv + '9999,"2024-03-01' });
    const env = { FLOE_LOAD_PIECE_BYTES: '4000' };
    const limited = floe(
      dir,
      [
        'load',
        'data.csv',
        '--table',
        'ns.t',
        '--schema',
        'schema.json',
        '--workers',
        '3',
        '--max-bad-rows',
        '10',
      ],
      undefined,
      env,
    );
    expectOneLine(limited, 1, /^floe: line \d+: .*more than --max-bad-rows 10/);
    const broken = floe(
      dir,
      [
        'load',
        'broken.csv',
        '--table',
        'ns.t',
        '--schema',
        'schema.json',
        '--workers',
        '3',
        '--max-bad-rows',
        'unlimited',
      ],
      undefined,
      env,
    );
    // 1,500 records span 1,801 lines (every fifth has a quoted line break).
    expectOneLine(broken, 1, /at line 1802 is never closed/);
    expect(tables(dir)).toEqual([]);
    expect(parquetFiles(dir)).toEqual([]);
  });
});
