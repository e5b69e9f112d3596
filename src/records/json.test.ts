import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FloeError } from '../errors.js';
import { readJsonArray, readNdjson } from './json.js';
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
