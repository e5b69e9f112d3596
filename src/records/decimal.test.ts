import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { formatDecimal, parseDecimal } from './decimal.js';

describe('decimal', () => {
  test('text <-> unscaled bigint round-trip at every precision and scale', () => {
    fc.assert(
      fc.property(
        fc
          .integer({ min: 1, max: 38 })
          .chain((p) => fc.tuple(fc.constant(p), fc.integer({ min: 0, max: p }))),
        fc.bigInt({ min: 0n, max: 10n ** 38n - 1n }),
        fc.boolean(),
        ([precision, scale], magnitude, negative) => {
          const unscaled = (negative ? -1n : 1n) * (magnitude % 10n ** BigInt(precision));
          const text = formatDecimal(unscaled, scale);
          expect(parseDecimal(text, precision, scale)).toEqual({ ok: true, unscaled });
        },
      ),
    );
  });

  test('exact, never through a double', () => {
    expect(parseDecimal('0.1', 10, 2)).toEqual({ ok: true, unscaled: 10n });
    expect(parseDecimal('12345678901234567890.123456789012345678', 38, 18)).toEqual({
      ok: true,
      unscaled: 12345678901234567890123456789012345678n,
    });
    expect(parseDecimal('-1.5e2', 5, 1)).toEqual({ ok: true, unscaled: -1500n });
    expect(parseDecimal('1.50', 3, 1)).toEqual({ ok: true, unscaled: 15n }); // trailing zeros are exact
    expect(parseDecimal('.5', 3, 1)).toEqual({ ok: true, unscaled: 5n });
    expect(parseDecimal('-0.00', 3, 1)).toEqual({ ok: true, unscaled: 0n });
  });

  test('rejects excess scale, excess precision and non-numbers', () => {
    expect(parseDecimal('1.234', 9, 2)).toEqual({
      ok: false,
      problem: 'has more than 2 digits after the decimal point',
    });
    expect(parseDecimal('1000', 5, 2)).toEqual({ ok: false, problem: 'does not fit decimal(5,2)' });
    expect(parseDecimal('1e40', 38, 0).ok).toBe(false);
    expect(parseDecimal('abc', 5, 2).ok).toBe(false);
    expect(parseDecimal('', 5, 2).ok).toBe(false);
    expect(parseDecimal('.', 5, 2).ok).toBe(false);
    expect(parseDecimal('1.2.3', 5, 2).ok).toBe(false);
  });

  test('format', () => {
    expect(formatDecimal(-1230n, 2)).toBe('-12.30');
    expect(formatDecimal(5n, 3)).toBe('0.005');
    expect(formatDecimal(42n, 0)).toBe('42');
  });
});
