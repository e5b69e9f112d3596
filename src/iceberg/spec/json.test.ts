import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseJson, stringifyJson, toInt64 } from './json.js';

describe('int64-safe JSON', () => {
  it('keeps integers beyond 2^53 exact as bigint', () => {
    const v = parseJson(
      '{"a": 9223372036854775807, "b": -9223372036854775808, "c": 9007199254740993, "d": 42, "e": 1.5}',
    ) as Record<string, unknown>;
    expect(v.a).toBe(9223372036854775807n);
    expect(v.b).toBe(-9223372036854775808n);
    expect(v.c).toBe(9007199254740993n);
    expect(v.d).toBe(42);
    expect(v.e).toBe(1.5);
    expect(JSON.parse('9007199254740993')).toBe(9007199254740992); // what V8 would have done
  });

  it('writes bigints as digits and omits undefined members', () => {
    expect(stringifyJson({ id: 2n ** 63n - 1n, n: 1, s: 'x"y', u: undefined, a: [1n, null], o: {} })).toBe(
      '{"id":9223372036854775807,"n":1,"s":"x\\"y","a":[1,null],"o":{}}',
    );
    expect(stringifyJson({ a: [1, { b: 2n }], e: [] }, { indent: 2 })).toBe(
      '{\n  "a": [\n    1,\n    {\n      "b": 2\n    }\n  ],\n  "e": []\n}',
    );
  });

  it('parses escapes, unicode, nesting, literals and a BOM', () => {
    expect(parseJson('\uFEFF [true, false, null, "a\\u00e9\\n\\"", "😀", {"k": [[]]}, -0.5e3]')).toEqual([
      true,
      false,
      null,
      'aé\n"',
      '😀',
      { k: [[]] },
      -500,
    ]);
  });

  it('keeps "__proto__" keys as plain data', () => {
    const v = parseJson('{"__proto__": {"x": 1}}') as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(stringifyJson(v)).toBe('{"__proto__":{"x":1}}');
  });

  it('rejects malformed JSON with invalid-metadata errors', () => {
    for (const bad of [
      '',
      '{',
      '{"a" 1}',
      '[1,]',
      '[1 2]',
      'tru',
      '"abc',
      '{"a":1}x',
      '01',
      '"\\x"',
      '"a\u0001"',
    ]) {
      expect(() => parseJson(bad), bad).toThrow(expect.objectContaining({ kind: 'invalid-metadata' }));
    }
  });

  it('toInt64 accepts numbers and bigints in range only', () => {
    expect(toInt64(5, 'x')).toBe(5n);
    expect(toInt64(2n ** 63n - 1n, 'x')).toBe(2n ** 63n - 1n);
    expect(() => toInt64(2n ** 63n, 'x')).toThrow(/int64/);
    expect(() => toInt64(1.5, 'x')).toThrow(/integer/);
  });

  it('round-trips any JSON value, exact for int64 (property)', () => {
    const int64 = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n });
    // Safe integers come back as numbers, unsafe ones as bigint: normalise for comparison.
    // An integral double beyond 2^53 is written as digits and so reads back as bigint (by design).
    const norm = (v: unknown): unknown =>
      typeof v === 'number' && Number.isInteger(v) && !Number.isSafeInteger(v) && Math.abs(v) < 1e21
        ? BigInt(JSON.stringify(v)) // the shortest digits, which are what gets written
        : typeof v === 'bigint' &&
            v >= BigInt(Number.MIN_SAFE_INTEGER) &&
            v <= BigInt(Number.MAX_SAFE_INTEGER)
          ? Number(v)
          : Array.isArray(v)
            ? v.map(norm)
            : v !== null && typeof v === 'object'
              ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, norm(x)]))
              : v;
    const value = fc.letrec((tie) => ({
      any: fc.oneof(
        { depthSize: 'small' },
        int64,
        fc.double({ noNaN: true, noDefaultInfinity: true }).map((d) => (Object.is(d, -0) ? 0 : d)),
        fc.string({ unit: 'binary' }),
        fc.boolean(),
        fc.constant(null),
        fc.array(tie('any'), { maxLength: 4 }),
        fc.dictionary(fc.string({ unit: 'binary' }), tie('any'), { maxKeys: 4 }),
      ),
    })).any;
    fc.assert(
      fc.property(value, fc.boolean(), (v, pretty) => {
        const text = stringifyJson(v, { indent: pretty ? 2 : 0 });
        expect(norm(parseJson(text))).toStrictEqual(norm(v));
      }),
      { numRuns: 300 },
    );
  });
});
