import { describe, expect, test } from 'vitest';
import { FloeError } from '../errors.js';
import { Schema } from '../iceberg/spec/schema.js';
import { t } from '../iceberg/spec/types.js';
import { newBatchStats, toBatches, type RejectedRow } from './batcher.js';
import { readCsv } from './csv.js';
import { readNdjson } from './json.js';
import { checkCsvHeader } from './mapper.js';
import { chunked, collect } from './test-helpers.js';

const schema = new Schema([
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'latitude', required: false, type: t.double },
  { id: 3, name: 'at', required: false, type: t.timestamptz },
]);

describe('toBatches', () => {
  test('CSV: columns keyed by field id, batches of batchRows, empty field = null, rejected rows with reasons', async () => {
    const csv =
      'id,latitude,at\n1,40.5,2024-03-01T00:00:00Z\n2,,\n3,abc,\nx,1,nope\n,1,\n4,1\n5,1.5,1700000000\n';
    const rejected: RejectedRow[] = [];
    const stats = newBatchStats();
    const batches = await collect(
      toBatches(readCsv(chunked(csv)), {
        schema,
        batchRows: 2,
        stats,
        onReject: (r) => void rejected.push(r),
      }),
    );
    expect(batches.map((b) => b.rowCount)).toEqual([2, 1]);
    expect(batches[0]?.columns.get(1)).toEqual([1n, 2n]);
    expect(batches[0]?.columns.get(2)).toEqual([40.5, null]);
    expect(batches[0]?.columns.get(3)).toEqual([1709251200000000n, null]);
    expect(batches[1]?.columns.get(3)).toEqual([1700000000000000n]);
    expect(rejected).toEqual([
      { line: 4, reasons: ['column "latitude": "abc" is not a double'], raw: '3,abc,' },
      {
        line: 5,
        reasons: [
          'column "id": "x" is not a long',
          'column "at": "nope" is not a timestamp (ISO-8601 or epoch seconds/millis)',
        ],
        raw: 'x,1,nope',
      },
      { line: 6, reasons: ['column "id" is required but missing'], raw: ',1,' },
      { line: 7, reasons: ["expected 3 fields (the header's), got 2"], raw: '4,1' },
    ]);
    expect(stats).toEqual({ recordsRead: 7, rowsAccepted: 3, rowsRejected: 4 });
  });

  test('NDJSON: unknown columns, invalid JSON, non-objects and big longs', async () => {
    const text = [
      '{"id": 9007199254740993, "latitude": "40.1"}',
      '{"id": 2, "colour": "red"}',
      '{"id": 3',
      '[1, 2]',
      '{"id": 4, "latitude": null, "at": "1969-12-31T23:59:59Z"}',
    ].join('\n');
    const rejected: RejectedRow[] = [];
    const batches = await collect(
      toBatches(readNdjson(chunked(text)), { schema, onReject: (r) => void rejected.push(r) }),
    );
    expect(batches).toHaveLength(1);
    expect(batches[0]?.columns.get(1)).toEqual([9007199254740993n, 4n]);
    expect(batches[0]?.columns.get(2)).toEqual([40.1, null]);
    expect(batches[0]?.columns.get(3)).toEqual([null, -1000000n]);
    expect(rejected.map((r) => [r.line, r.reasons])).toEqual([
      [2, ['unknown column "colour"']],
      [3, [expect.stringMatching(/^invalid JSON/)]],
      [4, ['expected a JSON object, got an array']],
    ]);
    expect(rejected[0]?.raw).toBe('{"id": 2, "colour": "red"}');
  });

  test('a throwing onReject stops the stream (max-bad-rows)', async () => {
    const csv = 'id\n1\nx\n2\n';
    const it = toBatches(readCsv(chunked(csv)), {
      schema: new Schema([{ id: 1, name: 'id', required: false, type: t.long }]),
      onReject: () => {
        throw new FloeError('input', 'too many');
      },
    });
    await expect(collect(it)).rejects.toThrow('too many');
  });

  test('a CSV header that does not match the schema is a config error', async () => {
    expect(() => checkCsvHeader(['id', 'colour'], schema, 'f.csv')).toThrow(
      'f.csv: unknown column "colour" in the CSV header (the table has id, latitude, at)',
    );
    expect(() => checkCsvHeader(['latitude'], schema, 'f.csv')).toThrow(
      'f.csv: required column "id" missing from the CSV header',
    );
    expect(() => checkCsvHeader(['id', 'id'], schema, 'f.csv')).toThrow('the header has column "id" twice');
    const err = await collect(toBatches(readCsv(chunked('id,colour\n1,red\n')), { schema })).catch(
      (e: unknown) => e,
    );
    expect((err as FloeError).kind).toBe('config');
  });

  test('a missing optional CSV column is null', async () => {
    const batches = await collect(toBatches(readCsv(chunked('id\n7\n')), { schema }));
    expect(batches[0]?.columns.get(2)).toEqual([null]);
  });
});
