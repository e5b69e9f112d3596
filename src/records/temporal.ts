/**
 * Dates, times and timestamps as text <-> floe's in-memory form (days since 1970-01-01 as a
 * number, microseconds as bigint). Integer calendar arithmetic (proleptic Gregorian, any year)
 * instead of `Date`, because `Date` has millisecond precision, a ±275,760-year range and
 * time-zone surprises; values before 1970 must round-trip exactly.
 */

import { civilFromDays, daysFromCivil, MICROS_PER_DAY, MICROS_PER_SECOND } from '../iceberg/spec/datetime.js';

// The calendar arithmetic is the spec layer's (transforms need the same), re-exported for callers of records.
export { civilFromDays, daysFromCivil, MICROS_PER_DAY, MICROS_PER_SECOND };

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

// Year: 4 digits, or a sign and 4-6 digits (ISO-8601 expanded years) so years before 0 work.
const DATE_RE = /^([+-]\d{4,6}|\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?$/;
const TIMESTAMP_RE =
  /^([+-]\d{4,6}|\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*([Zz]|[+-]\d{2}(?::?\d{2})?)?$/;

function checkDate(year: number, month: number, day: number): boolean {
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

/** 'YYYY-MM-DD' -> days since epoch, or undefined when not a valid date. */
export function parseDate(text: string): number | undefined {
  const m = DATE_RE.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (!checkDate(year, month, day)) return undefined;
  return daysFromCivil(year, month, day);
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0');
}

function formatYear(year: number): string {
  if (year >= 0 && year <= 9999) return pad(year, 4);
  return (year < 0 ? '-' : '+') + pad(Math.abs(year), 6);
}

export function formatDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${formatYear(year)}-${pad(month, 2)}-${pad(day, 2)}`;
}

/** Fraction digits (1-9) -> microseconds; digits below a microsecond are truncated. */
function fractionMicros(frac: string | undefined): bigint {
  if (frac === undefined) return 0n;
  return BigInt((frac + '000000').slice(0, 6));
}

/** 'HH:MM[:SS[.ffffff]]' -> microseconds from midnight. */
export function parseTime(text: string): bigint | undefined {
  const m = TIME_RE.exec(text);
  if (!m) return undefined;
  const h = Number(m[1]);
  const min = Number(m[2]);
  const s = m[3] === undefined ? 0 : Number(m[3]);
  if (h > 23 || min > 59 || s > 59) return undefined;
  return BigInt(h * 3600 + min * 60 + s) * MICROS_PER_SECOND + fractionMicros(m[4]);
}

export function formatTime(micros: bigint): string {
  const secs = Number(micros / MICROS_PER_SECOND);
  const frac = Number(micros % MICROS_PER_SECOND);
  const base = `${pad(Math.floor(secs / 3600), 2)}:${pad(Math.floor(secs / 60) % 60, 2)}:${pad(secs % 60, 2)}`;
  return frac === 0 ? base : `${base}.${pad(frac, 6)}`;
}

export interface ParsedTimestamp {
  /** Microseconds from 1970-01-01T00:00:00 of the text's wall-clock, minus its offset if any. */
  readonly micros: bigint;
  readonly hasOffset: boolean;
}

/**
 * ISO-8601 date-time (`T` or space separator, optional seconds and fraction, optional `Z` or
 * `±HH[:MM]` offset; a bare date means midnight). With an offset the result is the UTC instant.
 */
export function parseTimestamp(text: string): ParsedTimestamp | undefined {
  const m = TIMESTAMP_RE.exec(text);
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (!checkDate(year, month, day)) return undefined;
  const h = m[4] === undefined ? 0 : Number(m[4]);
  const min = m[5] === undefined ? 0 : Number(m[5]);
  const s = m[6] === undefined ? 0 : Number(m[6]);
  if (h > 23 || min > 59 || s > 59) return undefined;
  let offsetSeconds = 0;
  const zone = m[8];
  if (zone !== undefined && zone !== 'Z' && zone !== 'z') {
    const digits = zone.slice(1).replace(':', '');
    const oh = Number(digits.slice(0, 2));
    const om = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
    if (oh > 18 || om > 59) return undefined;
    offsetSeconds = (zone[0] === '-' ? -1 : 1) * (oh * 3600 + om * 60);
  }
  const micros =
    BigInt(daysFromCivil(year, month, day)) * MICROS_PER_DAY +
    BigInt(h * 3600 + min * 60 + s - offsetSeconds) * MICROS_PER_SECOND +
    fractionMicros(m[7]);
  if (micros < INT64_MIN || micros > INT64_MAX) return undefined;
  return { micros, hasOffset: zone !== undefined };
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

/** Microseconds since epoch -> 'YYYY-MM-DDTHH:MM:SS[.ffffff]' (+ 'Z' when `utc`). */
export function formatTimestamp(micros: bigint, utc = false): string {
  const days = floorDiv(micros, MICROS_PER_DAY);
  const inDay = micros - days * MICROS_PER_DAY;
  return `${formatDate(Number(days))}T${formatTime(inDay)}${utc ? 'Z' : ''}`;
}

// Epoch numbers: the unit is guessed from the magnitude. |n| < 1e11 is seconds (1e11 s is the
// year 5138), < 1e14 milliseconds, < 1e17 microseconds, anything larger nanoseconds. The cost:
// millisecond values within ~3 years of 1970 (|n| < 1e11 ms, i.e. before 1973-03-03) read as
// seconds. Loads that carry such values should use ISO-8601 text.
const SECONDS_LIMIT = 100_000_000_000n;
const MILLIS_LIMIT = 100_000_000_000_000n;
const MICROS_LIMIT = 100_000_000_000_000_000n;

const EPOCH_RE = /^([+-]?)(\d+)(?:\.(\d{1,9}))?$/;

/** Epoch seconds/millis/micros/nanos given as text (integer, or seconds with a fraction). */
export function parseEpoch(text: string): bigint | undefined {
  const m = EPOCH_RE.exec(text);
  if (!m) return undefined;
  const sign = m[1] === '-' ? -1n : 1n;
  const whole = BigInt(m[2] as string);
  if (whole < SECONDS_LIMIT) return sign * (whole * MICROS_PER_SECOND + fractionMicros(m[3]));
  if (m[3] !== undefined) return undefined; // a fraction only makes sense on seconds
  let micros: bigint;
  if (whole < MILLIS_LIMIT) micros = whole * 1000n;
  else if (whole < MICROS_LIMIT) micros = whole;
  else micros = whole / 1000n;
  micros *= sign;
  return micros < INT64_MIN || micros > INT64_MAX ? undefined : micros;
}
