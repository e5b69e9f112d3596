/**
 * Schema inference from a sample of records. Each column gets the narrowest of
 * boolean < long < double, date, timestamptz, string that fits every non-null sampled value;
 * all columns are optional (a later row may leave any of them empty), field ids 1..n in header
 * (CSV) or first-seen (JSON) order.
 *
 * Deliberate choices: integers with a leading zero ("01234", zip codes, ids) stay strings so the
 * zero is not lost; integers beyond the long range become strings (a double would round them);
 * only true/false count as booleans (0/1 would make every flag-like integer column boolean);
 * JSON objects and arrays become strings holding their JSON text.
 */
import { FloeError } from '../errors.js';
import { Schema } from '../iceberg/spec/schema.js';
import { t, type NestedField, type PrimitiveType } from '../iceberg/spec/types.js';
import { JsonNumber, parseJsonExact } from './json-exact.js';
import type { SourceRecord } from './record.js';
import { parseDate, parseTimestamp } from './temporal.js';

export const DEFAULT_INFER_SAMPLE = 1000;

// Bit flags: which candidate types every value seen so far fits.
const BOOL = 1;
const LONG = 2;
const DOUBLE = 4;
const DATE = 8;
const TIMESTAMP = 16;
const ALL = BOOL | LONG | DOUBLE | DATE | TIMESTAMP;

const INT_RE = /^[+-]?(?:0|[1-9]\d*)$/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function fitsText(text: string): number {
  const s = text.trim();
  let fits = 0;
  const lower = s.toLowerCase();
  if (lower === 'true' || lower === 'false') fits |= BOOL;
  if (/^[+-]?0\d/.test(s)) {
    // "01234": an identifier, not a number; a numeric type would drop the zero.
  } else if (INT_RE.test(s)) {
    const v = BigInt(s);
    if (v >= INT64_MIN && v <= INT64_MAX) fits |= LONG | DOUBLE;
  } else if (FLOAT_RE.test(s)) fits |= DOUBLE;
  // A date is also a timestamp (midnight), so a column mixing both becomes timestamptz.
  if (parseDate(s) !== undefined) fits |= DATE | TIMESTAMP;
  else if (/\d[T ]\d/.test(s) && parseTimestamp(s) !== undefined) fits |= TIMESTAMP;
  return fits;
}

function fitsJson(v: unknown): number {
  if (typeof v === 'boolean') return BOOL;
  if (typeof v === 'number') return Number.isInteger(v) && Number.isSafeInteger(v) ? LONG | DOUBLE : DOUBLE;
  if (v instanceof JsonNumber) return INT_RE.test(v.text) ? fitsText(v.text) : DOUBLE;
  if (typeof v === 'string') return fitsText(v) & (DATE | TIMESTAMP); // "12" in JSON is text, not a number
  return 0;
}

function typeOf(fits: number): PrimitiveType {
  if (fits & BOOL) return t.boolean;
  if (fits & LONG) return t.long;
  if (fits & DOUBLE) return t.double;
  if (fits & DATE) return t.date;
  if (fits & TIMESTAMP) return t.timestamptz;
  return t.string;
}

/**
 * Infers a schema from sampled records (all CSV with one header, or all JSON). Records that are
 * not JSON objects are ignored here; the mapper rejects them later with a reason.
 */
export function inferSchema(sample: readonly SourceRecord[]): Schema {
  const names: string[] = [];
  const fits = new Map<string, number>();
  const seen = new Map<string, boolean>(); // whether any non-null value was seen
  const note = (name: string, f: number | undefined): void => {
    if (!fits.has(name)) {
      names.push(name);
      fits.set(name, ALL);
      seen.set(name, false);
    }
    if (f !== undefined) {
      fits.set(name, (fits.get(name) as number) & f);
      seen.set(name, true);
    }
  };
  for (const rec of sample) {
    if (rec.kind === 'csv') {
      if (names.length === 0) {
        rec.header.forEach((h, i) => {
          if (h === '') throw new FloeError('config', `CSV header column ${i + 1} has no name`);
          if (fits.has(h)) throw new FloeError('config', `the CSV header has column "${h}" twice`);
          note(h, undefined);
        });
      }
      if (rec.cells.length !== rec.header.length) continue;
      rec.cells.forEach((cell, i) => {
        if (cell !== '') note(rec.header[i] as string, fitsText(cell));
      });
    } else {
      let value: unknown;
      try {
        value = parseJsonExact(rec.raw);
      } catch {
        continue;
      }
      if (typeof value !== 'object' || value === null || Array.isArray(value)) continue;
      for (const [k, v] of Object.entries(value)) note(k, v === null ? undefined : fitsJson(v));
    }
  }
  if (names.length === 0) throw new FloeError('input', 'cannot infer a schema: the sample has no columns');
  const fields: NestedField[] = names.map((name, i) => ({
    id: i + 1,
    name,
    required: false,
    type: seen.get(name) ? typeOf(fits.get(name) as number) : t.string,
  }));
  return new Schema(fields, 0);
}
