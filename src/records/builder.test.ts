import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Schema } from '../iceberg/spec/schema.js';
import { t, type Value } from '../iceberg/spec/types.js';
import type { ColumnBatch } from '../iceberg/writer/batch.js';
import { builderFor, drainBuilder, type RejectedRow } from './batcher.js';
import { csvLine } from './csv.js';
import { decodeText } from './json.js';
import { LONG_DIGIT_RUN, mayLosePrecision } from './json-exact.js';
import { RecordMapper } from './mapper.js';
import { decodePayloads } from './payloads.js';
import { chunkReader } from './source.js';
import { readCsv } from './csv.js';
import { readNdjson } from './json.js';
import type { SourceRecord } from './record.js';
import { chunked, collect } from './test-helpers.js';

const schema = new Schema([
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'x', required: false, type: t.double },
  { id: 3, name: 'at', required: false, type: t.timestamp },
  { id: 4, name: 'name', required: false, type: t.string },
  { id: 5, name: 'n', required: true, type: t.int },
]);

/** Rows as the old per-record path (RecordMapper over SourceRecords) made them: the reference. */
function reference(records: readonly SourceRecord[]): {
  rows: Value[][];
  rejects: [number, readonly string[]][];
} {
  const mapper = new RecordMapper(schema);
  const rows: Value[][] = [];
  const rejects: [number, readonly string[]][] = [];
  for (const rec of records) {
    const row = new Array<Value>(schema.fields.length).fill(null);
    const reasons = mapper.map(rec, row);
    if (reasons) rejects.push([rec.line, reasons]);
    else rows.push(row);
  }
  return { rows, rejects };
}

/** Everything the chunk path produces for `text` cut into `size`-byte chunks, batches of `batchRows`. */
async function decode(
  format: 'csv' | 'ndjson',
  text: string,
  size: number,
  batchRows: number,
): Promise<{ batches: ColumnBatch[]; rejects: RejectedRow[] }> {
  const rejects: RejectedRow[] = [];
  const options = { schema, batchRows, onReject: (r: RejectedRow) => void rejects.push(r) };
  const builder = builderFor(options);
  const reader = chunkReader(format);
  const batches: ColumnBatch[] = [];
  for await (const piece of decodeText(chunked(text, size))) {
    reader.push(piece, false, builder);
    batches.push(...(await drainBuilder(builder, options)));
  }
  reader.push('', true, builder);
  builder.finish();
  batches.push(...(await drainBuilder(builder, options)));
  return { batches, rejects };
}

function rowsOf(batches: readonly ColumnBatch[]): Value[][] {
  const rows: Value[][] = [];
  for (const b of batches) {
    for (let r = 0; r < b.rowCount; r++)
      rows.push(schema.fields.map((f) => b.columns.get(f.id)![r] as Value));
  }
  return rows;
}

// Field text: valid values of each column's type, plus junk, empties and odd characters.
const cellText = fc.oneof(
  fc.constantFrom(
    '',
    '0',
    '-12',
    '9007199254740993',
    '1.5',
    'abc',
    'NaN',
    '2024-03-01T10:00:00',
    '2024-02-30T00:00:00',
  ),
  fc.constantFrom('1969-12-31 23:59:59.5Z', '2147483648', '1e3', 'x,y', 'q"q', 'line\nbreak', 'é😀', ' 7 '),
  fc.integer().map(String),
  fc.double({ noNaN: true }).map(String),
);
const jsonValue = fc.oneof(
  cellText,
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.constant(null),
  fc.boolean(),
  fc.constant({ nested: 1 }),
);

describe('BatchBuilder (chunk path) agrees with the per-record RecordMapper', () => {
  test('CSV: same rows, same rejects (line, reasons, raw text) for any chunking and batch size', async () => {
    const header = ['n', 'id', 'at', 'x', 'name'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(cellText, { minLength: 4, maxLength: 6 }), { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 5 }),
        fc.constantFrom('\n', '\r\n'),
        async (records, size, batchRows, eol) => {
          const lines = records.map((cells) => csvLine(cells)).filter((l) => l !== '');
          const text = [header.join(','), ...lines].join(eol) + eol;
          const expected = reference(await collect(readCsv(chunked(text, 1000))));
          const got = await decode('csv', text, size, batchRows);
          expect(rowsOf(got.batches)).toEqual(expected.rows);
          expect(got.batches.every((b) => b.rowCount <= batchRows)).toBe(true);
          expect(got.rejects.map((r) => [r.line, r.reasons])).toEqual(expected.rejects);
          // raw is the record's own text
          const byLine = new Map<number, string>();
          let line = 2;
          for (const l of lines) {
            byLine.set(line, l);
            line += l.split('\n').length;
          }
          for (const r of got.rejects) expect(r.raw).toBe(byLine.get(r.line));
        },
      ),
      { numRuns: 200 },
    );
  });

  test('NDJSON: same rows and rejects (unknown keys, nulls, bad JSON, non-objects, big numbers)', async () => {
    const key = fc.constantFrom('id', 'x', 'at', 'name', 'n', 'colour');
    const line = fc.oneof(
      { weight: 8, arbitrary: fc.dictionary(key, jsonValue).map((o) => JSON.stringify(o)) },
      {
        weight: 1,
        arbitrary: fc.constantFrom('{"id": 1', '[1]', '7', '  ', '{"id": 12345678901234567890, "n": 1}'),
      },
      {
        weight: 2,
        arbitrary: fc.constantFrom(
          '{"id": 9007199254740993, "n": 2}',
          '{"n": 3, "id": 1.0000000000000002}',
          '{"id": 1, "n": 1, "name": 12345678901234567890}',
          '{"id": 1, "n": 1, "name": 0.12345678901234567}',
          '{"id": 1, "n": 1, "at": 1709287200000000123}',
          '{"id": 1, "n": 1, "at": 1709287200.1234567891}',
          '{"id": 1, "n": 12345678901234567890}',
          '{"id": 1, "n": 1, "x": 0.12345678901234567890}',
        ),
      },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 12 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 5 }),
        async (lines, size, batchRows) => {
          const text = lines.join('\n');
          const expected = reference(await collect(readNdjson(chunked(text, 1000))));
          const got = await decode('ndjson', text, size, batchRows);
          expect(rowsOf(got.batches)).toEqual(expected.rows);
          expect(got.rejects.map((r) => [r.line, r.reasons])).toEqual(expected.rejects);
          for (const r of got.rejects) expect(r.raw).toBe(lines[r.line - 1]);
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('BatchBuilder JSON fast paths', () => {
  test('accepted rows: string and other columns in any key order equal the per-record path', async () => {
    // Valid required columns, so the rows are accepted and their values compared (the test
    // above rejects most of its random rows); values of every JSON type for the optional ones.
    const value = fc.oneof(fc.string(), cellText, jsonValue);
    const row = fc
      .record({
        id: fc.integer({ min: -1000, max: 1000 }),
        n: fc.integer({ min: -1000, max: 1000 }),
        name: value,
        x: value,
        at: value,
      })
      .chain((o) =>
        fc.shuffledSubarray(Object.keys(o), { minLength: 2 }).map((keys) => {
          const out: Record<string, unknown> = {};
          for (const k of ['id', 'n', ...keys]) out[k] = o[k as keyof typeof o];
          return JSON.stringify(out);
        }),
      );
    await fc.assert(
      fc.asyncProperty(fc.array(row, { minLength: 1, maxLength: 12 }), async (lines) => {
        const text = lines.join('\n');
        const expected = reference(await collect(readNdjson(chunked(text, 1000))));
        const got = await decode('ndjson', text, 64, 5);
        expect(rowsOf(got.batches)).toEqual(expected.rows);
        expect(got.rejects.map((r) => [r.line, r.reasons])).toEqual(expected.rejects);
      }),
      { numRuns: 300 },
    );
  });
});

describe('decodeText', () => {
  test('any chunking of any text decodes to the text (ASCII fast path and split UTF-8 sequences)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: fc.constantFrom('a', ',', '\n', 'é', '日', '😀', '\uFEFF') }),
        fc.integer({ min: 1, max: 9 }),
        async (s, size) => {
          const got = (await collect(decodeText(chunked(s, size)))).join('');
          expect(got).toBe(s.startsWith('\uFEFF') ? s.slice(1) : s);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('decodePayloads', () => {
  test('JSON payloads: one batch in order, rejects by index', () => {
    const { batch, rejects } = decodePayloads(
      [
        '{"id": 1, "n": 5, "at": "2024-03-01T10:00:00"}',
        Buffer.from('{"id": "x", "n": 1}'),
        'not json',
        '{"id": 9007199254740993, "n": 6, "name": "é"}',
      ],
      { schema, format: 'json' },
    );
    expect(batch.rowCount).toBe(2);
    expect(batch.columns.get(1)).toEqual([1n, 9007199254740993n]);
    expect(batch.columns.get(3)).toEqual([1709287200000000n, null]);
    expect(batch.columns.get(4)).toEqual([null, 'é']);
    expect(rejects.map((r) => [r.index, r.reasons[0]])).toEqual([
      [1, 'column "id": "x" is not a long'],
      [2, expect.stringMatching(/^invalid JSON/)],
    ]);
    expect(rejects[0]?.raw).toBe('{"id": "x", "n": 1}');
  });

  test('CSV payloads: fields in header order (default: schema order), one record per payload', () => {
    const { batch, rejects } = decodePayloads(['1,2.5,,"a,b",7\n', '2,,,,', '3,1,,,8\n4,1,,,9', '5,1,,"x'], {
      schema,
      format: 'csv',
    });
    expect(batch.rowCount).toBe(1);
    expect(batch.columns.get(4)).toEqual(['a,b']);
    expect(rejects.map((r) => [r.index, r.reasons])).toEqual([
      [1, ['column "n" is required but missing']],
      [2, ['expected one CSV record, got 2']],
      [3, [expect.stringMatching(/malformed CSV: a quote opened/)]],
    ]);
    const custom = decodePayloads(['7;1'], { schema, format: 'csv', header: ['n', 'id'], delimiter: ';' });
    expect(custom.batch.columns.get(5)).toEqual([7]);
    expect(custom.batch.columns.get(2)).toEqual([null]);
    expect(decodePayloads([], { schema, format: 'json' }).batch.rowCount).toBe(0);
  });
});

describe('mayLosePrecision', () => {
  test('the hand-written scan matches the regex it replaced', () => {
    const piece = fc.oneof(fc.constantFrom('a', ' ', '-', 'e', '.'), fc.stringMatching(/^[0-9.]{1,20}$/));
    fc.assert(
      fc.property(
        fc.array(piece, { maxLength: 8 }).map((p) => p.join('')),
        (s) => {
          expect(mayLosePrecision(s)).toBe(LONG_DIGIT_RUN.test(s));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
