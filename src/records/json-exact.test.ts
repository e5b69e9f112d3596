import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { JsonNumber, mayLosePrecision, parseJsonExact, parseJsonRecord } from './json-exact.js';

describe('exact JSON parsing', () => {
  test('agrees with JSON.parse on any JSON text (numbers with <= 15 digits)', () => {
    fc.assert(
      fc.property(fc.json(), (text) => {
        const expected = JSON.parse(text);
        const actual = parseJsonExact(text);
        const normalise = (v: unknown): unknown =>
          JSON.parse(JSON.stringify(v, (_k, x: unknown) => (x instanceof JsonNumber ? Number(x.text) : x)));
        expect(normalise(actual)).toEqual(normalise(expected));
      }),
    );
  });

  test('keeps the text of numbers a double would round', () => {
    const v = parseJsonExact(
      '{"id": 9007199254740993, "d": 0.30000000000000001, "small": 12, "list": [12345678901234567890]}',
    ) as Record<string, unknown>;
    expect(v.id).toEqual(new JsonNumber('9007199254740993'));
    expect(v.d).toEqual(new JsonNumber('0.30000000000000001'));
    expect(v.small).toBe(12);
    expect(v.list).toEqual([new JsonNumber('12345678901234567890')]);
  });

  test('long text round-trips beyond 2^53 through a JSON record', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (n) => {
        const v = parseJsonRecord(`{"n": ${n}}`, true) as { n: unknown };
        const back = v.n instanceof JsonNumber ? BigInt(v.n.text) : BigInt(v.n as number);
        expect(back).toBe(n);
      }),
    );
  });

  test('invalid JSON is a reason, not a crash', () => {
    expect(() => parseJsonExact('{"a": tru}')).toThrow(/invalid JSON/);
    expect(() => parseJsonExact('{"a": 1} x')).toThrow(/after the value/);
    expect(() => parseJsonRecord('{"a":', false)).toThrow(/invalid JSON/);
    expect(() => parseJsonExact('"abc')).toThrow(/unterminated string/);
  });

  test('__proto__ keys are data', () => {
    const v = parseJsonExact('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>).x).toBeUndefined();
  });

  test('the fast path is only skipped when a long digit run appears', () => {
    expect(mayLosePrecision('{"a": 123456789012345}')).toBe(false);
    expect(mayLosePrecision('{"a": 1234567890123456}')).toBe(true);
    expect(mayLosePrecision('{"a": 1234567.123456789}')).toBe(true);
  });
});
