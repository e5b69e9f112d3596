import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bigintFromBytes,
  bigintToMinBytes,
  compareBytes,
  compareStrings,
  compareValues,
  decodeValue,
  encodeValue,
  truncateLowerBound,
  truncateUpperBound,
} from './conversions.js';
import { t, type PrimitiveType, type Value } from './types.js';

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');
const codePoints = (s: string): number => Array.from(s).length;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

const int64 = fc.oneof(
  fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
  fc.constantFrom(INT64_MIN, INT64_MAX, 0n, -1n),
);
const uuid = fc.uuid().map((u) => u.toLowerCase());
/** Strings that stress code point handling: supplementary planes, the surrogate gap, the max code point. */
const unicodeString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc
    .array(fc.constantFrom(0x41, 0x7f, 0xe9, 0xd7ff, 0xe000, 0xfffd, 0xffff, 0x10000, 0x1f600, 0x10ffff), {
      maxLength: 12,
    })
    .map((cps) => String.fromCodePoint(...cps)),
);

const arbitraries: [PrimitiveType, fc.Arbitrary<Value>][] = [
  [t.boolean, fc.boolean()],
  [t.int, fc.integer()],
  [t.long, int64],
  [t.float, fc.float({ noNaN: true })],
  [t.double, fc.double({ noNaN: true })],
  [t.date, fc.integer({ min: -1_000_000, max: 3_000_000 })],
  [t.time, fc.bigInt({ min: 0n, max: 86_400_000_000n - 1n })],
  [t.timestamp, int64],
  [t.timestamptz, int64],
  [t.string, unicodeString],
  [t.uuid, uuid],
  [t.fixed(7), fc.uint8Array({ minLength: 7, maxLength: 7 })],
  [t.binary, fc.uint8Array({ maxLength: 40 })],
  [t.decimal(38, 4), fc.bigInt({ min: -(10n ** 38n) + 1n, max: 10n ** 38n - 1n })],
  [t.decimal(9, 2), fc.bigInt({ min: -999_999_999n, max: 999_999_999n })],
];

describe('encodeValue / decodeValue', () => {
  it('encodes the spec examples byte for byte', () => {
    expect(hex(encodeValue(t.int, 34))).toBe('22000000');
    expect(hex(encodeValue(t.long, 34n))).toBe('2200000000000000');
    expect(hex(encodeValue(t.long, -1n))).toBe('ffffffffffffffff');
    expect(hex(encodeValue(t.date, 17486))).toBe('4e440000'); // 2017-11-16
    expect(hex(encodeValue(t.timestamp, -1n))).toBe('ffffffffffffffff');
    expect(hex(encodeValue(t.boolean, true))).toBe('01');
    expect(hex(encodeValue(t.boolean, false))).toBe('00');
    expect(hex(encodeValue(t.float, 1))).toBe('0000803f');
    expect(hex(encodeValue(t.double, 1))).toBe('000000000000f03f');
    expect(hex(encodeValue(t.string, 'iceberg'))).toBe('69636562657267');
    expect(hex(encodeValue(t.string, 'é😀'))).toBe('c3a9f09f9880');
    expect(hex(encodeValue(t.uuid, 'f79c3e09-677c-4bbd-a479-3f349cb785e7'))).toBe(
      'f79c3e09677c4bbda4793f349cb785e7',
    );
    expect(hex(encodeValue(t.decimal(9, 2), 1420n))).toBe('058c'); // 14.20
  });

  it("writes decimals in the minimum number of two's-complement bytes", () => {
    const cases: [bigint, string][] = [
      [0n, '00'],
      [1n, '01'],
      [-1n, 'ff'],
      [127n, '7f'],
      [128n, '0080'],
      [-128n, '80'],
      [-129n, 'ff7f'],
      [255n, '00ff'],
      [32767n, '7fff'],
      [32768n, '008000'],
      [-(10n ** 38n) + 1n, 'b4c4b357a5793b85f675ddc000000001'],
    ];
    for (const [v, h] of cases) {
      expect(hex(bigintToMinBytes(v))).toBe(h);
      expect(bigintFromBytes(bigintToMinBytes(v))).toBe(v);
    }
  });

  it('decodes a non-zero boolean byte as true', () => {
    expect(decodeValue(t.boolean, Uint8Array.of(7))).toBe(true);
  });

  it('rejects bytes of the wrong width with invalid-metadata', () => {
    expect(() => decodeValue(t.int, Uint8Array.of(1, 2))).toThrow(/4 bytes/);
    expect(() => decodeValue(t.long, Uint8Array.of(1))).toThrow(
      expect.objectContaining({ kind: 'invalid-metadata' }),
    );
    expect(() => decodeValue(t.string, Uint8Array.of(0xff))).toThrow(/UTF-8/);
  });

  it('rejects values of the wrong JS type', () => {
    expect(() => encodeValue(t.long, 'x')).toThrow(expect.objectContaining({ kind: 'internal' }));
    expect(() => encodeValue(t.int, 2 ** 31)).toThrow();
    expect(() => encodeValue(t.long, 2n ** 63n)).toThrow();
  });

  it('keeps -0.0 and infinities of floating point types', () => {
    expect(Object.is(decodeValue(t.double, encodeValue(t.double, -0)), -0)).toBe(true);
    expect(decodeValue(t.float, encodeValue(t.float, -Infinity))).toBe(-Infinity);
    expect(Number.isNaN(decodeValue(t.double, encodeValue(t.double, NaN)))).toBe(true);
  });

  for (const [type, arb] of arbitraries) {
    it(`round-trips every ${type.kind} value (property)`, () => {
      fc.assert(
        fc.property(arb, (v) => {
          const back = decodeValue(type, encodeValue(type, v));
          expect(back).toStrictEqual(v);
        }),
        { numRuns: 300 },
      );
    });
  }
});

describe('compareValues', () => {
  it('orders -0.0 below 0.0 and NaN above everything, as Java does', () => {
    expect(compareValues(t.double, -0, 0)).toBe(-1);
    expect(compareValues(t.double, 0, -0)).toBe(1);
    expect(compareValues(t.double, NaN, Infinity)).toBe(1);
    expect(compareValues(t.float, NaN, NaN)).toBe(0);
    expect(compareValues(t.float, -Infinity, -3.5)).toBe(-1);
  });

  it('orders strings by code point, not UTF-16 unit', () => {
    // U+FFFD is a larger UTF-16 unit than the surrogates of U+1F600, but the smaller code point.
    expect('\uFFFD' > '😀').toBe(true);
    expect(compareValues(t.string, '\uFFFD', '😀')).toBe(-1);
    expect(compareValues(t.string, 'ab', 'abc')).toBe(-1);
    expect(compareValues(t.string, 'b', 'abc')).toBe(1);
  });

  it('orders binary unsigned and uuids by their bytes', () => {
    expect(compareValues(t.binary, Uint8Array.of(0x7f), Uint8Array.of(0x80))).toBe(-1);
    expect(compareValues(t.binary, Uint8Array.of(1, 2), Uint8Array.of(1, 2, 0))).toBe(-1);
    expect(
      compareValues(t.uuid, 'f79c3e09-677c-4bbd-a479-3f349cb785e7', '079c3e09-677c-4bbd-a479-3f349cb785e7'),
    ).toBe(1);
  });

  it('agrees with the unsigned order of the UTF-8 bytes (property)', () => {
    fc.assert(
      fc.property(unicodeString, unicodeString, (a, b) => {
        const enc = new TextEncoder();
        expect(Math.sign(compareStrings(a, b))).toBe(Math.sign(compareBytes(enc.encode(a), enc.encode(b))));
      }),
      { numRuns: 1000 },
    );
  });

  it('agrees with the order of the decoded numbers for long and decimal (property)', () => {
    fc.assert(
      fc.property(int64, int64, (a, b) => {
        expect(compareValues(t.long, a, b)).toBe(a < b ? -1 : a > b ? 1 : 0);
        expect(compareValues(t.decimal(20, 3), a, b)).toBe(a < b ? -1 : a > b ? 1 : 0);
      }),
    );
  });
});

describe('bound truncation', () => {
  it('truncates strings to code points and increments the last one', () => {
    expect(truncateLowerBound(t.string, 'iceberg', 3)).toBe('ice');
    expect(truncateUpperBound(t.string, 'iceberg', 3)).toBe('icf');
    expect(truncateUpperBound(t.string, 'ice', 3)).toBe('ice');
    // Never splits a surrogate pair: 2 code points = 4 UTF-16 units here.
    expect(truncateLowerBound(t.string, '😀😀😀', 2)).toBe('😀😀');
    expect(truncateUpperBound(t.string, '😀😀😀', 2)).toBe('😀😁');
    // U+D7FF + 1 skips the surrogate block.
    expect(truncateUpperBound(t.string, 'a\uD7FFzz', 2)).toBe('a\uE000');
    // The max code point cannot be incremented: drop it and increment the one before.
    expect(truncateUpperBound(t.string, 'a\u{10FFFF}zz', 2)).toBe('b');
    expect(truncateUpperBound(t.string, '\u{10FFFF}\u{10FFFF}zz', 2)).toBeNull();
  });

  it('truncates binary to bytes and increments the last byte below 0xFF', () => {
    const b = Uint8Array.of(1, 2, 0xff, 4);
    expect(truncateLowerBound(t.binary, b, 3)).toStrictEqual(Uint8Array.of(1, 2, 0xff));
    expect(truncateUpperBound(t.binary, b, 3)).toStrictEqual(Uint8Array.of(1, 3));
    expect(truncateUpperBound(t.binary, Uint8Array.of(0xff, 0xff, 0), 2)).toBeNull();
    expect(truncateUpperBound(t.binary, Uint8Array.of(9, 9), 2)).toStrictEqual(Uint8Array.of(9, 9));
  });

  it('leaves other types, fixed included, unchanged', () => {
    expect(truncateLowerBound(t.long, 123456789n, 2)).toBe(123456789n);
    expect(truncateUpperBound(t.int, 5, 1)).toBe(5);
    const fixed = Uint8Array.of(1, 2, 3, 4);
    expect(truncateLowerBound(t.fixed(4), fixed, 2)).toBe(fixed);
    expect(truncateUpperBound(t.fixed(4), fixed, 2)).toBe(fixed);
  });

  it('truncated string bounds bound the value and fit the width (property)', () => {
    fc.assert(
      fc.property(unicodeString, fc.integer({ min: 1, max: 20 }), (v, w) => {
        const lo = truncateLowerBound(t.string, v, w) as string;
        const hi = truncateUpperBound(t.string, v, w) as string | null;
        expect(codePoints(lo)).toBeLessThanOrEqual(w);
        expect(compareValues(t.string, lo, v)).toBeLessThanOrEqual(0);
        if (hi !== null) {
          expect(codePoints(hi)).toBeLessThanOrEqual(w);
          expect(compareValues(t.string, v, hi)).toBeLessThanOrEqual(0);
          // Valid UTF-8 round trip: no lone surrogates produced.
          expect(decodeValue(t.string, encodeValue(t.string, hi))).toBe(hi);
        } else {
          expect(
            Array.from(v)
              .slice(0, w)
              .every((c) => c.codePointAt(0) === 0x10ffff),
          ).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('truncated binary bounds bound the value and fit the width (property)', () => {
    const bytes = fc.uint8Array({ maxLength: 30 }).chain((b) =>
      fc.constantFrom(
        b,
        b.map((x) => (x > 128 ? 0xff : x)),
      ),
    );
    fc.assert(
      fc.property(bytes, fc.integer({ min: 1, max: 20 }), (v, w) => {
        const lo = truncateLowerBound(t.binary, v, w) as Uint8Array;
        const hi = truncateUpperBound(t.binary, v, w) as Uint8Array | null;
        expect(lo.length).toBeLessThanOrEqual(w);
        expect(compareBytes(lo, v)).toBeLessThanOrEqual(0);
        if (hi !== null) {
          expect(hi.length).toBeLessThanOrEqual(w);
          expect(compareBytes(v, hi)).toBeLessThanOrEqual(0);
        } else {
          expect(v.subarray(0, w).every((x) => x === 0xff)).toBe(true);
        }
      }),
      { numRuns: 2000 },
    );
  });
});
