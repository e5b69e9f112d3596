import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { t, type PrimitiveType, type Value } from '../iceberg/spec/types.js';
import { ConversionError, converterFor, primitiveConverter } from './convert.js';
import { JsonNumber } from './json-exact.js';

function convert(type: PrimitiveType, input: unknown): Value {
  return primitiveConverter(type)(input);
}

function reason(type: PrimitiveType, input: unknown): string {
  try {
    convert(type, input);
  } catch (err) {
    expect(err).toBeInstanceOf(ConversionError);
    return (err as ConversionError).message;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be rejected`);
}

describe('value conversion', () => {
  test('long text round-trips exactly across the whole int64 range (beyond 2^53)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        expect(convert(t.long, v.toString())).toBe(v);
        expect(convert(t.long, new JsonNumber(v.toString()))).toBe(v);
      }),
    );
    expect(reason(t.long, '9223372036854775808')).toBe('"9223372036854775808" is out of range for a long');
    expect(reason(t.long, '1.5')).toBe('"1.5" is not a long');
    expect(reason(t.long, 1e20)).toContain('is not exactly representable');
    expect(convert(t.long, 42)).toBe(42n);
  });

  test('numbers given as strings (CSV) and as JSON numbers', () => {
    expect(convert(t.int, '-2147483648')).toBe(-2147483648);
    expect(reason(t.int, '2147483648')).toBe('"2147483648" is out of range for an int');
    expect(convert(t.double, '40.7128')).toBe(40.7128);
    expect(convert(t.double, ' 1e3 ')).toBe(1000);
    expect(convert(t.double, 'NaN')).toBeNaN();
    expect(convert(t.double, '-Infinity')).toBe(-Infinity);
    expect(convert(t.float, '0.1')).toBe(Math.fround(0.1));
    expect(reason(t.double, 'abc')).toBe('"abc" is not a double');
    expect(reason(t.double, '1,5')).toBe('"1,5" is not a double');
    expect(reason(t.double, true)).toBe('true is not a double');
  });

  test('decimals exactly, from text and JSON', () => {
    const d = t.decimal(38, 10);
    expect(convert(d, '12345678901234567890.0123456789')).toBe(123456789012345678900123456789n);
    expect(convert(d, new JsonNumber('12345678901234567890.0123456789'))).toBe(
      123456789012345678900123456789n,
    );
    expect(convert(t.decimal(5, 2), 1.1)).toBe(110n);
    expect(reason(t.decimal(5, 2), '1.234')).toBe('"1.234" has more than 2 digits after the decimal point');
    expect(reason(t.decimal(5, 2), '12345')).toBe('"12345" does not fit decimal(5,2)');
  });

  test('booleans', () => {
    for (const s of ['true', 'TRUE', '1', 'yes', 'Yes']) expect(convert(t.boolean, s)).toBe(true);
    for (const s of ['false', '0', 'no', 'NO']) expect(convert(t.boolean, s)).toBe(false);
    expect(convert(t.boolean, false)).toBe(false);
    expect(reason(t.boolean, 'maybe')).toBe('"maybe" is not a boolean');
  });

  test('dates, times and timestamps (offsets to UTC, epoch by magnitude)', () => {
    expect(convert(t.date, '1969-12-31')).toBe(-1);
    expect(reason(t.date, '2024-02-30')).toBe('"2024-02-30" is not a date (YYYY-MM-DD)');
    expect(convert(t.time, '00:00:01.000001')).toBe(1_000_001n);
    expect(convert(t.timestamptz, '2024-03-01T10:00:00+02:00')).toBe(
      convert(t.timestamptz, '2024-03-01T08:00:00Z'),
    );
    expect(convert(t.timestamp, '2024-03-01T10:00:00')).toBe(convert(t.timestamptz, '2024-03-01T10:00:00Z')); // wall-clock
    expect(convert(t.timestamptz, 1_700_000_000)).toBe(1_700_000_000_000_000n);
    expect(convert(t.timestamptz, '1700000000000')).toBe(1_700_000_000_000_000n);
    expect(reason(t.timestamptz, 'yesterday')).toBe(
      '"yesterday" is not a timestamp (ISO-8601 or epoch seconds/millis)',
    );
  });

  test('uuid, binary, fixed, string', () => {
    expect(convert(t.uuid, 'F79C3E09-677C-4D7A-8B2C-0E4C5A2D9F1A')).toBe(
      'f79c3e09-677c-4d7a-8b2c-0e4c5a2d9f1a',
    );
    expect(convert(t.uuid, 'f79c3e09677c4d7a8b2c0e4c5a2d9f1a')).toBe('f79c3e09-677c-4d7a-8b2c-0e4c5a2d9f1a');
    expect(reason(t.uuid, 'not-a-uuid')).toBe('"not-a-uuid" is not a UUID');
    expect(convert(t.binary, 'AAEC/w==')).toEqual(new Uint8Array([0, 1, 2, 255]));
    expect(convert(t.binary, 'AAEC_w')).toEqual(new Uint8Array([0, 1, 2, 255])); // URL-safe, unpadded
    expect(reason(t.binary, 'not base64!')).toBe('"not base64!" is not base64');
    expect(reason(t.fixed(2), 'AAEC')).toBe('"AAEC" is 3 bytes, expected fixed[2]');
    expect(convert(t.string, 'é😀')).toBe('é😀');
    expect(convert(t.string, 12)).toBe('12');
    expect(convert(t.string, new JsonNumber('12345678901234567890'))).toBe('12345678901234567890');
    expect(convert(t.string, { a: [1] })).toBe('{"a":[1]}');
  });

  test('binary base64 round-trip', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(convert(t.binary, Buffer.from(bytes).toString('base64'))).toEqual(bytes);
      }),
    );
  });

  test('nested types from JSON values and from JSON text', () => {
    const type = {
      kind: 'struct' as const,
      fields: [
        { id: 10, name: 'n', required: true, type: t.long },
        {
          id: 11,
          name: 'tags',
          required: false,
          type: { kind: 'list' as const, elementId: 12, elementRequired: false, element: t.string },
        },
      ],
    };
    const conv = converterFor(type);
    expect(conv({ n: 1, tags: ['a', null] })).toEqual({ n: 1n, tags: ['a', null] });
    expect(conv('{"n": 9007199254740993}')).toEqual({ n: 9007199254740993n, tags: null });
    expect(() => conv({ tags: [] })).toThrow(ConversionError);
    expect(() => conv({ n: 1, extra: 2 })).toThrow(ConversionError);
  });

  test('long values in reasons are cut short', () => {
    expect(reason(t.double, 'x'.repeat(200)).length).toBeLessThan(90);
  });
});
