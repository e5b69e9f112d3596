import { describe, expect, test } from 'vitest';
import { typeToString } from '../iceberg/spec/types.js';
import { readCsv } from './csv.js';
import { inferSchema } from './infer.js';
import { readNdjson } from './json.js';
import { chunked, collect } from './test-helpers.js';

function types(schema: ReturnType<typeof inferSchema>): Record<string, string> {
  return Object.fromEntries(schema.fields.map((f) => [f.name, typeToString(f.type)]));
}

describe('inferSchema', () => {
  test('CSV: long, double, boolean, date, timestamptz, string; all optional; ids 1..n in header order', async () => {
    const csv = [
      'n,x,flag,day,at,name,zip,empty,mixed,huge',
      '1,1.5,true,2024-03-01,2024-03-01T10:00:00Z,a,01234,,1,99999999999999999999',
      '-2,3,FALSE,1969-12-31,2024-03-01 10:00:00,b,10001,,x,1',
      ',,,,2024-03-02,,,,,',
    ].join('\n');
    const schema = inferSchema(await collect(readCsv(chunked(csv))));
    expect(types(schema)).toEqual({
      n: 'long',
      x: 'double',
      flag: 'boolean',
      day: 'date',
      at: 'timestamptz', // a bare date is also a timestamp
      name: 'string',
      zip: 'string', // leading zero kept
      empty: 'string',
      mixed: 'string',
      huge: 'string', // beyond int64
    });
    expect(schema.fields.map((f) => f.id)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(schema.fields.every((f) => !f.required)).toBe(true);
  });

  test('JSON: types from JSON values, columns in first-seen order, objects as strings', async () => {
    const text = [
      '{"a": 1, "b": 2.5, "c": true, "d": "2024-03-01T00:00:00+01:00"}',
      '{"a": 9007199254740993, "e": {"x": 1}, "b": 3, "f": "12"}',
      '{"a": null, "g": null}',
    ].join('\n');
    const schema = inferSchema(await collect(readNdjson(chunked(text))));
    expect(types(schema)).toEqual({
      a: 'long',
      b: 'double',
      c: 'boolean',
      d: 'timestamptz',
      e: 'string',
      f: 'string',
      g: 'string',
    });
  });
});
