import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Schema } from '../iceberg/spec/schema.js';
import { t } from '../iceberg/spec/types.js';
import { BatchBuilder } from './builder.js';
import { PayloadDecoder, type DecodedPayloads } from './payloads.js';

const schema = new Schema([
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'x', required: false, type: t.double },
  { id: 3, name: 'name', required: false, type: t.string },
  { id: 4, name: 'amount', required: false, type: t.decimal(20, 2) },
]);

/** The per-payload decoding the joined runs replaced: one TextDecoder call and one record each. */
function reference(payloads: readonly (string | Uint8Array)[]): DecodedPayloads {
  const decoder = new TextDecoder('utf-8');
  const builder = new BatchBuilder(schema, { batchRows: Infinity });
  payloads.forEach((p, i) => builder.json(typeof p === 'string' ? p : decoder.decode(p), i));
  builder.finish();
  return {
    batch: builder.ready[0] ?? { rowCount: 0, columns: new Map() },
    rejects: builder.rejects.map((r) => ({ index: r.line, reasons: r.reasons, raw: r.raw })),
  };
}

const enc = new TextEncoder();

/** Payloads: valid records, records with non-ASCII text, raw line feeds, a BOM, broken UTF-8, strings. */
const payload = fc.oneof(
  fc
    .record({
      id: fc.oneof(fc.integer(), fc.constant('9007199254740993'), fc.constant('"x"')),
      x: fc.oneof(fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constant(null)),
      name: fc.oneof(fc.string(), fc.constant('é\u2028\uD83D\uDE00'), fc.constant(null)),
      amount: fc.oneof(fc.constant('12345678901234567.89'), fc.constant('1.5'), fc.constant('null')),
    })
    .map(
      (r) =>
        `{"id": ${r.id}, "x": ${JSON.stringify(r.x)}, "name": ${JSON.stringify(r.name)}, "amount": ${r.amount}}`,
    )
    .map((s) => enc.encode(s) as Uint8Array | string),
  fc.constantFrom<Uint8Array | string>(
    enc.encode('{"id": 1,\n"x": 2}'),
    enc.encode('{"id": 2, "name": "a\nb"}'),
    Uint8Array.from([0xef, 0xbb, 0xbf, ...enc.encode('{"id": 3}')]),
    Uint8Array.from([...enc.encode('{"id": 4, "name": "'), 0xe2, 0x82, ...enc.encode('"}')]),
    Uint8Array.from([...enc.encode('{"id": 5}'), 0xc3]),
    Uint8Array.from([0xff, ...enc.encode('{"id": 6}')]),
    enc.encode(''),
    enc.encode('  {"id": 7}  \r'),
    '{"id": 8, "name": "a string payload"}',
    'not json',
  ),
);

/** The decoder's result for `payloads` equals one decode per payload: rejects, rows, every column. */
function expectLikeReference(decoder: PayloadDecoder, payloads: readonly (string | Uint8Array)[]): void {
  const got = decoder.decode(payloads);
  const want = reference(payloads);
  expect(got.rejects).toEqual(want.rejects);
  expect(got.batch.rowCount).toBe(want.batch.rowCount);
  for (const f of schema.fields)
    expect(got.batch.columns.get(f.id) ?? []).toEqual(want.batch.columns.get(f.id) ?? []);
}

describe('PayloadDecoder', () => {
  test('joined NDJSON runs decode exactly as one decode per payload (rows, rejects, reasons, raw)', () => {
    const decoder = new PayloadDecoder({ schema, format: 'json' });
    fc.assert(
      fc.property(fc.array(payload, { maxLength: 30 }), (payloads) => {
        expectLikeReference(decoder, payloads);
      }),
      { numRuns: 500 },
    );
  });

  test('all-ASCII runs cut at byte offsets decode as one decode per payload (raw line feeds, CR, bad JSON)', () => {
    // Every payload ASCII, so every run takes the Latin-1 path that slices by offsets: payloads
    // holding line feeds, carriage returns, NULs or broken JSON must still come out one by one.
    const asciiText = fc.string({ unit: 'binary-ascii', maxLength: 40 });
    const ascii = fc.oneof(
      fc
        .record({ id: fc.integer(), name: asciiText })
        .map((r) => `{"id": ${r.id}, "name": ${JSON.stringify(r.name)}}`),
      // The name unescaped: a raw control character makes the JSON invalid (a reject with its raw text).
      fc.record({ id: fc.integer(), name: asciiText }).map((r) => `{"id": ${r.id}, "name": "${r.name}"}`),
      fc
        .record({ id: fc.integer(), pad: asciiText })
        .map((r) => `${r.pad.replace(/[^\s]/g, '')}{"id": ${r.id}}`),
      asciiText,
    );
    const decoder = new PayloadDecoder({ schema, format: 'json' });
    fc.assert(
      fc.property(fc.array(ascii, { maxLength: 30 }), (texts) => {
        const payloads = texts.map((x) => enc.encode(x));
        expectLikeReference(decoder, payloads);
      }),
      { numRuns: 500 },
    );
  });

  test('runs are cut at 64 KiB and a larger payload is decoded alone, with the same rows and indexes', () => {
    // Payloads of up to ~70 KB: runs end at the size bound, some payloads exceed it on their own.
    const big = fc.oneof(
      fc
        .record({ id: fc.integer(), size: fc.integer({ min: 0, max: 70_000 }), ascii: fc.boolean() })
        .map((r) => enc.encode(`{"id": ${r.id}, "name": "${(r.ascii ? 'a' : 'é').repeat(r.size >> 1)}"}`)),
      fc.constantFrom(enc.encode('{"id": "bad"}'), enc.encode('{"id": 1,\n"x": 2}'), enc.encode('{')),
    );
    const decoder = new PayloadDecoder({ schema, format: 'json' });
    fc.assert(
      fc.property(fc.array(big, { maxLength: 12 }), (payloads) => {
        expectLikeReference(decoder, payloads);
      }),
      { numRuns: 60 },
    );
  });

  test('a reused decoder starts each list afresh', () => {
    const decoder = new PayloadDecoder({ schema, format: 'json' });
    const a = decoder.decode([enc.encode('{"id": 1}'), enc.encode('{"id": "x"}'), enc.encode('{"id": 2}')]);
    const b = decoder.decode([enc.encode('{"id": 3}')]);
    expect(a.batch.columns.get(1)).toEqual([1n, 2n]);
    expect(a.rejects.map((r) => r.index)).toEqual([1]);
    expect(b.batch.columns.get(1)).toEqual([3n]);
    expect(b.rejects).toEqual([]);
  });
});
