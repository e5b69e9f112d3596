/**
 * Converters for the load hot path. Each is a fast path for the common shape of a value (plain
 * digits, `Number`-parsable decimals, ISO timestamps like `2024-03-01T10:00:00.000`) parsed
 * with char codes and no regex, no allocation but the result; anything else goes to the general
 * converter of convert.ts, which decides and words the error. So the fast path may say "not
 * mine" but never disagree: convert.test.ts / fast-convert.test.ts check equality.
 *
 * `textConverter` takes CSV text (never empty: empty fields are null before conversion);
 * `valueConverter` takes a JSON value (never null).
 */
import type { IcebergType, Value } from '../iceberg/spec/types.js';
import { converterFor, type Converter } from './convert.js';
import { daysFromCivil } from './temporal.js';

export type TextConverter = (text: string) => Value;

const D0 = 48;
const MAX_SAFE = Number.MAX_SAFE_INTEGER;

function digit(s: string, i: number): number {
  const c = s.charCodeAt(i) - D0;
  return c >= 0 && c <= 9 ? c : -1e6; // so any sum of place values with a non-digit is negative
}

function two(s: string, i: number): number {
  return digit(s, i) * 10 + digit(s, i + 1);
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

const NO_DATE = -1e9;

// The last date prefix seen and its day number: timestamps of one input mostly share their day,
// and the lookup is cheaper than the calendar arithmetic.
let lastYmd = -1;
let lastDays = 0;

/** Days of a `YYYY-MM-DD` prefix (4-digit year), or NO_DATE when s does not start with a valid one. */
function datePrefix(s: string): number {
  // Char codes minus '0' read as unsigned: a non-digit is > 9 whichever side of '0' it lies.
  const y0 = s.charCodeAt(0) - D0;
  const y1 = s.charCodeAt(1) - D0;
  const y2 = s.charCodeAt(2) - D0;
  const y3 = s.charCodeAt(3) - D0;
  const m0 = s.charCodeAt(5) - D0;
  const m1 = s.charCodeAt(6) - D0;
  const d0 = s.charCodeAt(8) - D0;
  const d1 = s.charCodeAt(9) - D0;
  if (
    y0 >>> 0 > 9 ||
    y1 >>> 0 > 9 ||
    y2 >>> 0 > 9 ||
    y3 >>> 0 > 9 ||
    m0 >>> 0 > 9 ||
    m1 >>> 0 > 9 ||
    d0 >>> 0 > 9 ||
    d1 >>> 0 > 9 ||
    s.charCodeAt(4) !== 45 ||
    s.charCodeAt(7) !== 45
  )
    return NO_DATE;
  const year = y0 * 1000 + y1 * 100 + y2 * 10 + y3;
  const month = m0 * 10 + m1;
  const day = d0 * 10 + d1;
  const ymd = year * 10000 + month * 100 + day;
  if (ymd === lastYmd) return lastDays;
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return NO_DATE;
  lastYmd = ymd;
  lastDays = daysFromCivil(year, month, day);
  return lastDays;
}

/**
 * Microseconds of an ISO-8601 timestamp in the common shapes: `YYYY-MM-DD`, then `T`/`t`/space
 * and `HH:MM[:SS[.f{1,9}]]`, then optionally `Z`, `±HH`, `±HHMM` or `±HH:MM`. Undefined for
 * every other text (including out-of-range fields and instants beyond ±2^53 µs, ~285 years from
 * 1970), which the general parser then handles, so results match parseTimestamp exactly.
 */
export function fastTimestampMicros(s: string): bigint | undefined {
  const len = s.length;
  if (len < 10) return undefined;
  const days = datePrefix(s);
  if (days === NO_DATE) return undefined;
  let secs = days * 86400;
  let frac = 0;
  let i = 10;
  if (len > 10) {
    const sep = s.charCodeAt(10);
    if (len < 16 || (sep !== 84 && sep !== 116 && sep !== 32) || s.charCodeAt(13) !== 58) return undefined;
    const h0 = s.charCodeAt(11) - D0;
    const h1 = s.charCodeAt(12) - D0;
    const n0 = s.charCodeAt(14) - D0;
    const n1 = s.charCodeAt(15) - D0;
    if (h0 >>> 0 > 2 || h1 >>> 0 > 9 || n0 >>> 0 > 5 || n1 >>> 0 > 9) return undefined;
    const h = h0 * 10 + h1;
    if (h > 23) return undefined;
    secs += h * 3600 + (n0 * 10 + n1) * 60;
    i = 16;
    if (i < len && s.charCodeAt(i) === 58) {
      if (len < 19) return undefined;
      const s0 = s.charCodeAt(17) - D0;
      const s1 = s.charCodeAt(18) - D0;
      if (s0 >>> 0 > 5 || s1 >>> 0 > 9) return undefined;
      secs += s0 * 10 + s1;
      i = 19;
      const dot = s.charCodeAt(i);
      if (dot === 46 || dot === 44) {
        i++;
        let n = 0;
        let scale = 100000;
        const start = i;
        for (; i < len; i++) {
          const c = s.charCodeAt(i) - D0;
          if (c < 0 || c > 9) break;
          if (scale >= 1) {
            n += c * scale;
            scale /= 10;
          }
        }
        if (i === start || i - start > 9) return undefined;
        frac = n;
      }
    }
    if (i < len) {
      const z = s.charCodeAt(i);
      if (z === 90 || z === 122) {
        i++;
      } else if (z === 43 || z === 45) {
        const oh = two(s, i + 1);
        if (oh < 0 || oh > 18) return undefined;
        let om = 0;
        i += 3;
        if (i < len) {
          if (s.charCodeAt(i) === 58) i++;
          om = two(s, i);
          if (om < 0 || om > 59) return undefined;
          i += 2;
        }
        const off = oh * 3600 + om * 60;
        secs -= z === 43 ? off : -off;
      } else return undefined;
    }
    if (i !== len) return undefined;
  }
  const micros = secs * 1e6 + frac;
  return micros <= MAX_SAFE && micros >= -MAX_SAFE ? BigInt(micros) : undefined;
}

/** Value of 1-15 plain digits with an optional sign (exact as a double), or undefined. */
function smallInteger(s: string): number | undefined {
  const len = s.length;
  let i = 0;
  let neg = false;
  const c0 = s.charCodeAt(0);
  if (c0 === 45 || c0 === 43) {
    neg = c0 === 45;
    i = 1;
  }
  if (len - i < 1 || len - i > 15) return undefined;
  let n = 0;
  for (; i < len; i++) {
    const c = s.charCodeAt(i) - D0;
    if (c < 0 || c > 9) return undefined;
    n = n * 10 + c;
  }
  return neg ? 0 - n : n; // 0 - 0 is +0, as BigInt/Number give for "-0"
}

const POW10 = [1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15];

/**
 * `Number(s)` of the commonest decimal text, `-?\d+(\.\d+)?` with at most 15 digits, from its
 * digits: both `digits` and 10^scale are exact doubles, so the one rounding of the division gives
 * the correctly rounded value, as Number() does. Undefined for any other text.
 */
function shortDecimal(s: string): number | undefined {
  const len = s.length;
  let i = 0;
  let neg = false;
  if (s.charCodeAt(0) === 45) {
    neg = true;
    i = 1;
  }
  if (len - i > 16 || len - i < 1) return undefined;
  let n = 0;
  let scale = -1;
  for (; i < len; i++) {
    const c = s.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      n = n * 10 + (c - 48);
      if (scale >= 0) scale++;
    } else if (c === 46 && scale < 0 && i > (neg ? 1 : 0) && i < len - 1) scale = 0;
    else return undefined;
  }
  // 16 characters with a point hold at most 15 digits; 16 without one could hold 16.
  if (scale < 0 && len - (neg ? 1 : 0) > 15) return undefined;
  const v = scale <= 0 ? n : n / POW10[scale]!;
  return neg ? -v : v;
}

/** `Number(s)` when s is a plain decimal literal as convert.ts accepts it; undefined otherwise. */
function plainNumber(s: string): number | undefined {
  const fast = shortDecimal(s);
  if (fast !== undefined) return fast;
  const c0 = s.charCodeAt(0);
  // Starts with a digit, sign or dot (else: whitespace, 'Infinity', junk -> general path).
  if (!((c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 43 || c0 === 46)) return undefined;
  const n = Number(s);
  if (n !== n) return undefined;
  // Number() also takes 0x.., 0b.., 0o.. (unsigned only) and +/-Infinity; convert.ts does not
  // take the radix forms, and the Infinity forms are left to it.
  if (c0 === 48 && s.length > 1) {
    const c1 = s.charCodeAt(1) | 0x20;
    if (c1 === 120 || c1 === 98 || c1 === 111) return undefined;
  }
  if (n === Infinity || n === -Infinity) return undefined;
  // Trailing whitespace is trimmed by both; the general path handles it (and the wording).
  const last = s.charCodeAt(s.length - 1);
  if (!((last >= 48 && last <= 57) || last === 46)) return undefined;
  return n;
}

function fastDate(s: string): number | undefined {
  if (s.length !== 10) return undefined;
  const d = datePrefix(s);
  return d === NO_DATE ? undefined : d;
}

/** A converter for CSV text of this type: fast path first, convert.ts otherwise. */
export function textConverter(type: IcebergType): TextConverter {
  const general = converterFor(type);
  switch (type.kind) {
    case 'string':
      return (s) => s;
    case 'long':
      return (s) => {
        const n = smallInteger(s);
        return n === undefined ? general(s) : BigInt(n);
      };
    case 'int':
      return (s) => {
        const n = smallInteger(s);
        return n === undefined || n < -2147483648 || n > 2147483647 ? general(s) : n;
      };
    case 'double':
      return (s) => plainNumber(s) ?? general(s);
    case 'float':
      return (s) => {
        const n = plainNumber(s);
        return n === undefined ? general(s) : Math.fround(n);
      };
    case 'timestamp':
    case 'timestamptz':
      return (s) => fastTimestampMicros(s) ?? general(s);
    case 'date':
      return (s) => fastDate(s) ?? general(s);
    default:
      return general;
  }
}

/** A converter for JSON values of this type: typed fast paths, convert.ts otherwise. */
export function valueConverter(type: IcebergType): Converter {
  const general = converterFor(type);
  switch (type.kind) {
    case 'string':
      return (v) => (typeof v === 'string' ? v : general(v));
    case 'long':
      return (v) => (typeof v === 'number' && Number.isSafeInteger(v) ? BigInt(v) : general(v));
    case 'int':
      return (v) => (typeof v === 'number' && (v | 0) === v ? v : general(v));
    case 'double':
      return (v) => (typeof v === 'number' ? v : general(v));
    case 'timestamp':
    case 'timestamptz':
      return (v) => (typeof v === 'string' ? (fastTimestampMicros(v) ?? general(v)) : general(v));
    case 'date':
      return (v) => (typeof v === 'string' ? (fastDate(v) ?? general(v)) : general(v));
    default:
      return general;
  }
}
