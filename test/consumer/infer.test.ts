/**
 * `floe consume` on a table that does not exist and has no schema file: the schema is inferred
 * from the stream's first records (kinesalite), the table created, and the records land; with
 * an empty stream, --drain has nothing to infer from and says so in one line.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readWithBoth } from '../interop/readers.js';
import { startKinesalite, type Emulator } from '../setup/kinesis.js';
import { emulatorPerFile } from '../support/emulator-per-file.js';
import { expectedRows, floe, logLines, ndjson, sortById } from './helpers.js';

let emu: Emulator;
let dir: string;

emulatorPerFile('floe-consume-infer-', startKinesalite, (e, d) => {
  emu = e;
  dir = d;
});

const consume = (stream: string, table: string) =>
  floe(
    ['consume', '--drain', '--stream', stream, '--table', table, '--warehouse', 'warehouse', '--no-http'],
    { cwd: dir, endpoint: emu.endpoint },
  );

describe('floe consume without a schema file', () => {
  it('an empty stream in drain mode: exit 2, one line, no table', async () => {
    await emu.createStream('empty', 1);
    const r = await consume('empty', 'db.empty');
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toMatch(
      /^floe: table db\.empty does not exist and stream empty has no records to infer its schema from/,
    );
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'warehouse', 'db', 'empty'))).toBe(false);
  });

  it('infers the schema from the first records, creates the table and lands every record', async () => {
    await emu.createStream('events', 2);
    writeFileSync(join(dir, 'events.ndjson'), ndjson(0, 300));
    const p = await floe(['produce', 'events.ndjson', '--stream', 'events', '-q'], {
      cwd: dir,
      endpoint: emu.endpoint,
    });
    expect(p.code).toBe(0);
    const r = await consume('events', 'db.inferred');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const inferred = logLines(r.stdout).find((l) => String(l.msg).startsWith('no schema file: inferred'));
    expect(inferred?.schema).toBeDefined();
    const tableDir = join(dir, 'warehouse', 'db', 'inferred');
    const hint = readFileSync(join(tableDir, 'metadata', 'version-hint.text'), 'utf8').trim();
    const metadata = JSON.parse(
      readFileSync(join(tableDir, 'metadata', `v${hint}.metadata.json`), 'utf8'),
    ) as {
      schemas: { fields: { name: string; type: string }[] }[];
    };
    expect(Object.fromEntries(metadata.schemas[0]!.fields.map((f) => [f.name, f.type]))).toEqual({
      id: 'long',
      name: 'string',
      ts: 'timestamptz',
      amount: 'double',
    });
    const { pyiceberg, duckdb } = await readWithBoth(tableDir);
    const expected = expectedRows(Array.from({ length: 300 }, (_, i) => i));
    expect(sortById(pyiceberg.rows)).toEqual(expected);
    expect(sortById(duckdb.rows)).toEqual(expected);
  });
});
