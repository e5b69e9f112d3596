import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { FloeError } from '../errors.js';
import { checkInput, formatFromPath } from './input.js';
import { RejectedRowsWriter, rejectPolicy } from './rejected.js';
import { openRecords } from './source.js';
import { collect } from './test-helpers.js';
import { readFileSync } from 'node:fs';

const dir = mkdtempSync(join(tmpdir(), 'floe-records-'));

describe('openRecords', () => {
  test('format from the extension, .gz by content, .json holding NDJSON', async () => {
    expect(formatFromPath('a.CSV.gz')).toBe('csv');
    expect(formatFromPath('a.jsonl')).toBe('ndjson');
    expect(formatFromPath('a.txt')).toBeUndefined();
    const gz = join(dir, 'a.csv.gz');
    writeFileSync(gz, gzipSync('x\n1\n2\n'));
    const src = await openRecords(gz);
    expect(src.format).toBe('csv');
    expect((await collect(src.records)).map((r) => [r.line, r.raw])).toEqual([
      [2, '1'],
      [3, '2'],
    ]);
    const nd = join(dir, 'b.json');
    writeFileSync(nd, '{"a":1}\n{"a":2}\n');
    const src2 = await openRecords(nd);
    expect(src2.format).toBe('ndjson');
    expect(await collect(src2.records)).toHaveLength(2);
  });

  test('stdin (gzipped too) with the format sniffed from the first character', async () => {
    const arr = await openRecords('-', { stdin: Readable.from([Buffer.from('  [{"a":1},\n{"a":2}]')]) });
    expect(arr.format).toBe('json');
    expect(arr.name).toBe('stdin');
    expect((await collect(arr.records)).map((r) => r.line)).toEqual([1, 2]);
    const gz = await openRecords('-', { stdin: Readable.from([gzipSync('{"a":1}\n')]) });
    expect(gz.format).toBe('ndjson');
    expect(await collect(gz.records)).toHaveLength(1);
    const csv = await openRecords('-', { stdin: Readable.from([Buffer.from('a,b\n1,2\n')]) });
    expect(csv.format).toBe('csv');
  });

  test('empty input: no records', async () => {
    const empty = join(dir, 'empty.csv');
    writeFileSync(empty, '');
    expect(await collect((await openRecords(empty)).records)).toEqual([]);
  });

  test('corrupt gzip and missing files are input errors', async () => {
    const bad = join(dir, 'bad.csv.gz');
    writeFileSync(bad, Buffer.concat([gzipSync('a\n1\n').subarray(0, 12), Buffer.from('garbage')]));
    const err = await collect((await openRecords(bad)).records).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FloeError);
    expect((err as FloeError).kind).toBe('input');
    await expect(checkInput(join(dir, 'nope.csv'))).rejects.toThrow(/^input file not found: /);
    await expect(checkInput(dir)).rejects.toThrow(/is not a file/);
  });
});

describe('rejected rows', () => {
  test('NDJSON file created on the first rejected row; the policy fails past the limit naming the line', async () => {
    const path = join(dir, 'sub', 'rejected.ndjson');
    const writer = new RejectedRowsWriter(path);
    const onReject = rejectPolicy({ maxBadRows: 1, writer, limitName: '--max-bad-rows' });
    await onReject({ line: 3, reasons: ['column "a": "x" is not a long'], raw: 'x' });
    await expect(onReject({ line: 9, reasons: ['r1', 'r2'], raw: 'y,z' })).rejects.toThrow(
      'line 9: r1 (+1 more) (rejected row 2, more than --max-bad-rows 1)',
    );
    await writer.close();
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as unknown);
    expect(lines).toEqual([
      { line: 3, reasons: ['column "a": "x" is not a long'], raw: 'x' },
      { line: 9, reasons: ['r1', 'r2'], raw: 'y,z' },
    ]);
    const unused = new RejectedRowsWriter(join(dir, 'never.ndjson'));
    await unused.close();
    expect(() => readFileSync(join(dir, 'never.ndjson'))).toThrow();
  });
});
