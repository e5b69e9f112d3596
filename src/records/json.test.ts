import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FloeError } from '../errors.js';
import { decodeText, readJsonArray, readNdjson } from './json.js';
import { chunked, collect } from './test-helpers.js';

describe('readNdjson', () => {
  test('one record per non-blank line with its line number; CRLF; last line without newline', async () => {
    const recs = await collect(readNdjson(chunked('{"a":1}\r\n\n  \n{"a":2}\n{"a": tru}\n{"a":3}', 4)));
    expect(recs.map((r) => [r.line, r.raw])).toEqual([
      [1, '{"a":1}'],
      [4, '{"a":2}'],
      [5, '{"a": tru}'], // invalid JSON is passed on: the mapper rejects it with a reason
      [6, '{"a":3}'],
    ]);
  });

  test('empty input has no records; multi-byte characters split across chunks survive', async () => {
    expect(await collect(readNdjson(chunked('')))).toEqual([]);
    const recs = await collect(readNdjson(chunked('{"s":"é😀ü"}\n', 1)));
    expect(recs[0]?.raw).toBe('{"s":"é😀ü"}');
  });

  test('a line longer than the limit is refused (bounded memory)', async () => {
    const err = await collect(
      readNdjson(chunked('{"a":"' + 'x'.repeat(100) + '"}'), { maxRecordBytes: 50, name: 'f' }),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(FloeError);
    expect((err as FloeError).message).toBe('f: the record at line 1 is larger than 50 bytes');
  });
});

describe('readJsonArray', () => {
  test('elements with the line they start on; strings with brackets and escapes; scalars', async () => {
    const text = '[\n  {"a": "x,]}\\"["},\n  {"b": [1, {"c": 2}]}\n  ,\n  3, "s"\n]\n';
    const recs = await collect(readJsonArray(chunked(text, 5)));
    expect(recs.map((r) => [r.line, r.raw])).toEqual([
      [2, '{"a": "x,]}\\"["}'],
      [3, '{"b": [1, {"c": 2}]}'],
      [5, '3'],
      [5, '"s"'],
    ]);
  });

  test('empty array, empty file', async () => {
    expect(await collect(readJsonArray(chunked('[ ]')))).toEqual([]);
    expect(await collect(readJsonArray(chunked('')))).toEqual([]);
  });

  test('an invalid element is passed on; structural damage is fatal', async () => {
    const recs = await collect(readJsonArray(chunked('[{"a": tru}, {"a": 1}]')));
    expect(recs.map((r) => r.raw)).toEqual(['{"a": tru}', '{"a": 1}']);
    for (const [text, message] of [
      ['{"a": 1}', 'expected ['],
      ['[{"a": 1}', 'not closed'],
      ['[{"a": 1},]', 'trailing comma'],
      ['[1,,2]', 'missing element'],
      ['[1] [2]', 'after the closing ]'],
    ] as const) {
      const err = await collect(readJsonArray(chunked(text), { name: 'f.json' })).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FloeError);
      expect((err as FloeError).message).toContain(message);
      expect((err as FloeError).message).toMatch(/^f\.json: malformed JSON array at line 1/);
    }
  });

  test('any JSON array, any chunking: elements parse back to the array', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.jsonValue(), { maxLength: 10 }),
        fc.integer({ min: 1, max: 16 }),
        async (values, size) => {
          const text = JSON.stringify(values, null, values.length % 2 === 0 ? 2 : undefined);
          const recs = await collect(readJsonArray(chunked(text, size)));
          expect(recs.map((r) => JSON.parse(r.raw) as unknown)).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe('decodeText', () => {
  /** Bytes in chunks of the given sizes (cycled), as a file stream yields them. */
  async function* inChunks(bytes: Buffer, sizes: readonly number[]): AsyncGenerator<Uint8Array> {
    for (let at = 0, i = 0; at < bytes.length; i++) {
      const n = sizes[i % sizes.length]!;
      yield bytes.subarray(at, at + n);
      at += n;
    }
  }

  test('any text, cut anywhere, decodes to itself without its BOM, in strings of about 32 Ki code units at most', async () => {
    // Long runs of one kind (ASCII or not) so chunks far over 32 KiB are met in both paths.
    const run = fc.tuple(
      fc.constantFrom('a', '{"k":1}\n', 'é', '😀', '\u4e2d', 'x\u00ff'),
      fc.integer({ min: 1, max: 30_000 }),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.boolean(),
        fc.array(run, { maxLength: 6 }),
        fc.array(fc.integer({ min: 1, max: 150_000 }), { minLength: 1, maxLength: 4 }),
        async (bom, runs, sizes) => {
          const text = runs.map(([s, n]) => s.repeat(n)).join('');
          const pieces = await collect(
            decodeText(inChunks(Buffer.from((bom ? '\ufeff' : '') + text), sizes)),
          );
          expect(pieces.join('')).toBe(text);
          // +1: a character whose first bytes ended the previous piece is completed in this one.
          for (const p of pieces) expect(p.length).toBeLessThanOrEqual(32 * 1024 + 1);
        },
      ),
      { numRuns: 60 },
    );
  });
});
