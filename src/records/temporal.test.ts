import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import {
  civilFromDays,
  daysFromCivil,
  formatDate,
  formatTime,
  formatTimestamp,
  parseDate,
  parseEpoch,
  parseTime,
  parseTimestamp,
} from './temporal.js';

// int64 microseconds cover about ±292,000 years; ISO text here is limited to 6-digit years.
const MAX_MICROS = 253402300799999999n; // 9999-12-31T23:59:59.999999
const MIN_MICROS = -62135596800000000n; // 0001-01-01T00:00:00

describe('temporal', () => {
  test('days <-> civil dates round-trip, before and after 1970', () => {
    fc.assert(
      fc.property(fc.integer({ min: -3_000_000, max: 3_000_000 }), (days) => {
        const { year, month, day } = civilFromDays(days);
        expect(daysFromCivil(year, month, day)).toBe(days);
        expect(parseDate(formatDate(days))).toBe(days);
      }),
    );
  });

  test('known dates', () => {
    expect(parseDate('1970-01-01')).toBe(0);
    expect(parseDate('1969-12-31')).toBe(-1);
    expect(parseDate('2000-02-29')).toBe(11016); // 2000-01-01 is day 10957
    expect(parseDate('1900-02-29')).toBeUndefined();
    expect(parseDate('2024-13-01')).toBeUndefined();
    expect(parseDate('-0001-01-01')).toBe(daysFromCivil(-1, 1, 1));
    expect(formatDate(-719528)).toBe('0000-01-01');
  });

  test('timestamp ISO text <-> micros round-trip, including before 1970', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: MIN_MICROS, max: MAX_MICROS }), (micros) => {
        const text = formatTimestamp(micros);
        expect(parseTimestamp(text)).toEqual({ micros, hasOffset: false });
        expect(parseTimestamp(formatTimestamp(micros, true))).toEqual({ micros, hasOffset: true });
      }),
    );
  });

  test('offsets convert to UTC; separators, precision and truncation', () => {
    expect(parseTimestamp('1970-01-01T00:00:00Z')?.micros).toBe(0n);
    expect(parseTimestamp('1970-01-01T01:00:00+01:00')?.micros).toBe(0n);
    expect(parseTimestamp('1969-12-31T19:00:00-0500')?.micros).toBe(0n);
    expect(parseTimestamp('1969-12-31T19:00:00-05')?.micros).toBe(0n);
    expect(parseTimestamp('1970-01-01 00:00:01.5')?.micros).toBe(1_500_000n);
    expect(parseTimestamp('1970-01-01T00:00:00.123456789')?.micros).toBe(123_456n); // nanos truncated
    expect(parseTimestamp('1969-12-31T23:59:59.999999')?.micros).toBe(-1n);
    expect(parseTimestamp('2024-03-01')?.micros).toBe(
      BigInt(parseDate('2024-03-01') as number) * 86_400_000_000n,
    );
    expect(parseTimestamp('2024-03-01T24:00:00')).toBeUndefined();
    expect(parseTimestamp('2024-03-01T10:00:00+25:00')).toBeUndefined();
    expect(parseTimestamp('yesterday')).toBeUndefined();
  });

  test('time of day', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 0n, max: 86_400_000_000n - 1n }), (micros) => {
        expect(parseTime(formatTime(micros))).toBe(micros);
      }),
    );
    expect(parseTime('12:30')).toBe(45_000_000_000n);
    expect(parseTime('23:60:00')).toBeUndefined();
  });

  test('epoch numbers: unit by magnitude', () => {
    expect(parseEpoch('1700000000')).toBe(1_700_000_000_000_000n); // seconds
    expect(parseEpoch('1700000000.25')).toBe(1_700_000_000_250_000n);
    expect(parseEpoch('1700000000123')).toBe(1_700_000_000_123_000n); // millis
    expect(parseEpoch('1700000000123456')).toBe(1_700_000_000_123_456n); // micros
    expect(parseEpoch('1700000000123456789')).toBe(1_700_000_000_123_456n); // nanos
    expect(parseEpoch('-86400')).toBe(-86_400_000_000n); // before 1970
    expect(parseEpoch('-1.5')).toBe(-1_500_000n);
    expect(parseEpoch('1700000000123.5')).toBeUndefined(); // fractions only on seconds
    expect(parseEpoch('12abc')).toBeUndefined();
  });
});
