import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { t, type IcebergType } from '../iceberg/spec/types.js';
import { ConversionError, converterFor } from './convert.js';
import { fastTimestampMicros, textConverter, valueConverter } from './fast-convert.js';

/** The converter's result, or the reason it gives. */
function outcome(f: (x: never) => unknown, input: unknown): unknown {
  try {
    const v = f(input as never);
    return typeof v === 'number' && Object.is(v, -0) ? '-0' : v;
  } catch (err) {
    if (err instanceof ConversionError) return `error: ${err.message}`;
    throw err;
  }
}

const pad = (n: number, w: number): string => String(n).padStart(w, '0');

/** Timestamp-like text: mostly well-formed, with out-of-range parts and odd separators mixed in. */
const timestampText = fc
  .record({
    year: fc.oneof(fc.integer({ min: 1600, max: 2400 }), fc.integer({ min: 0, max: 9999 })),
    month: fc.integer({ min: 0, max: 13 }),
    day: fc.integer({ min: 0, max: 32 }),
    sep: fc.constantFrom('T', 't', ' ', '_', ''),
    h: fc.integer({ min: 0, max: 25 }),
    m: fc.integer({ min: 0, max: 61 }),
    s: fc.option(fc.integer({ min: 0, max: 61 })),
    frac: fc.option(fc.stringMatching(/^[0-9]{0,11}$/)),
    fracSep: fc.constantFrom('.', ','),
    zone: fc.constantFrom(
      '',
      'Z',
      'z',
      '+05:30',
      '-0800',
      '+01',
      '+19:00',
      '-05:60',
      '+05:',
      ' Z',
      '+5',
      'X',
    ),
    dateOnly: fc.boolean(),
  })
  .map((r) => {
    const date = `${pad(r.year, 4)}-${pad(r.month, 2)}-${pad(r.day, 2)}`;
    if (r.dateOnly) return date;
    let text = `${date}${r.sep}${pad(r.h, 2)}:${pad(r.m, 2)}`;
    if (r.s !== null) {
      text += `:${pad(r.s, 2)}`;
      if (r.frac !== null) text += r.fracSep + r.frac;
    }
    return text + r.zone;
  });

const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double().map(String),
  fc.bigInt({ min: -(2n ** 70n), max: 2n ** 70n }).map(String),
  fc.stringMatching(/^[+-]?[0-9]{0,17}(\.[0-9]{0,4})?([eE][+-]?[0-9]{1,3})?$/),
  // Coordinates and prices: the digits-over-10^k fast path (up to 15 digits) and just past it.
  fc.stringMatching(/^-?[0-9]{1,9}\.[0-9]{1,10}$/),
  fc.constantFrom(
    '0x10',
    '0b1',
    '0o7',
    '0X1F',
    '-0',
    '+0',
    '1e',
    '.',
    '1.',
    '.5',
    ' 1',
    '1 ',
    'Infinity',
    '-inf',
    'NaN',
    '1_0',
    '00012',
  ),
);

function agrees(type: IcebergType, text: string): void {
  expect(outcome(textConverter(type), text)).toEqual(outcome(converterFor(type), text));
}

describe('fast converters agree with convert.ts', () => {
  test('timestamps sharing a date prefix, in any order (the last-date cache)', () => {
    // Same day with other times and zones, and the same prefix text made invalid after it.
    const sameDay = (text: string) =>
      fc.constantFrom(
        text,
        text.slice(0, 10),
        `${text.slice(0, 10)}T23:59:59.999999-05:00`,
        `${text.slice(0, 10)}x00:00`,
        `${text.slice(0, 9)}`,
        `${text.slice(0, 10)}T24:00:00`,
      );
    fc.assert(
      fc.property(
        timestampText.chain((text) => fc.array(sameDay(text), { minLength: 2, maxLength: 6 })),
        (texts) => {
          for (const text of texts) agrees(t.timestamp, text);
        },
      ),
      { numRuns: 2000 },
    );
  });

  test('timestamps and dates from text', () => {
    fc.assert(
      fc.property(timestampText, (text) => {
        agrees(t.timestamp, text);
        agrees(t.timestamptz, text);
        agrees(t.date, text);
        expect(outcome(valueConverter(t.timestamptz), text)).toEqual(
          outcome(converterFor(t.timestamptz), text),
        );
      }),
      { numRuns: 3000 },
    );
  });

  test('numbers from text: long, int, double, float', () => {
    fc.assert(
      fc.property(numberText, (text) => {
        for (const type of [t.long, t.int, t.double, t.float]) agrees(type, text);
      }),
      { numRuns: 3000 },
    );
  });

  test('JSON values: numbers, strings, booleans', () => {
    const value = fc.oneof(
      fc.double(),
      fc.integer(),
      fc.maxSafeInteger(),
      fc.string(),
      fc.boolean(),
      numberText,
    );
    fc.assert(
      fc.property(value, (v) => {
        for (const type of [t.long, t.int, t.double, t.string, t.timestamp, t.date]) {
          expect(outcome(valueConverter(type), v)).toEqual(outcome(converterFor(type), v));
        }
      }),
      { numRuns: 2000 },
    );
  });

  test('the fast timestamp path takes the common shapes itself', () => {
    expect(fastTimestampMicros('2024-03-01T10:00:00')).toBe(1709287200000000n);
    expect(fastTimestampMicros('2024-03-01 10:00:00.123456')).toBe(1709287200123456n);
    expect(fastTimestampMicros('2024-03-01T10:00:00.123Z')).toBe(1709287200123000n);
    expect(fastTimestampMicros('2024-03-01T10:00:00+01:00')).toBe(1709283600000000n);
    expect(fastTimestampMicros('1969-12-31T23:59:59.999999Z')).toBe(-1n);
    expect(fastTimestampMicros('2024-02-30T10:00:00')).toBeUndefined();
    expect(fastTimestampMicros('+12024-03-01T10:00:00')).toBeUndefined(); // general parser's job
  });
});
