/**
 * Value conversion from decoded input (CSV text, JSON values) to floe's in-memory Iceberg
 * representation (see src/iceberg/spec/types.ts). A converter returns the value or throws a
 * `ConversionError` whose message is the reason shown for the rejected row, e.g.
 * `"abc" is not a double`; the caller prefixes the column name.
 *
 * Accepted inputs per type (text = a CSV field or a JSON string):
 *   boolean      true/false, 1/0, yes/no (any case); JSON booleans and 0/1 numbers
 *   int, long    integer text or JSON integers, range-checked; never through a double beyond 2^53
 *   float/double number text (also NaN, Infinity, -Infinity, inf); JSON numbers
 *   decimal(P,S) exact: digits -> unscaled bigint; extra fraction digits must be zeros
 *   date         YYYY-MM-DD
 *   time         HH:MM[:SS[.ffffff]]
 *   timestamp    ISO-8601 with or without offset; with an offset the instant is converted to UTC
 *                (for `timestamp` the stored wall-clock is then the UTC wall-clock). Epoch numbers:
 *                unit by magnitude, see temporal.ts. Fractions below a microsecond are truncated.
 *   timestamptz  as timestamp; text without an offset is taken as UTC
 *   string       text; JSON numbers/booleans as their text, objects/arrays as JSON text
 *   uuid         8-4-4-4-12 hex (or 32 hex digits), stored canonical lower-case
 *   binary/fixed base64 (standard or URL-safe, padding optional); fixed checks the length
 *   struct/list/map  JSON objects/arrays (CSV: the field holds JSON text)
 */
import type { IcebergType, PrimitiveType, Value } from '../iceberg/spec/types.js';
import { parseDecimal } from './decimal.js';
import { JsonNumber, parseJsonExact } from './json-exact.js';
import { parseDate, parseEpoch, parseTime, parseTimestamp } from './temporal.js';

/** A value that does not convert; the message is the human reason. Cheap: no stack capture. */
export class ConversionError {
  constructor(readonly message: string) {}
}

export type Converter = (input: unknown) => Value;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const INT_RE = /^[+-]?\d+$/;
const FLOAT_RE = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const UUID_RE = /^([0-9a-f]{8})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{4})-?([0-9a-f]{12})$/i;
const BASE64_RE = /^(?:[A-Za-z0-9+/_-]{4})*(?:[A-Za-z0-9+/_-]{2}(?:==)?|[A-Za-z0-9+/_-]{3}=?)?$/;

/** How a bad value is quoted in a reason: JSON-quoted, cut to keep reasons one short line. */
export function showValue(input: unknown): string {
  let s: string;
  if (input instanceof JsonNumber) s = input.text;
  else if (typeof input === 'string') s = JSON.stringify(input);
  else if (typeof input === 'bigint') s = input.toString();
  else s = JSON.stringify(input) ?? String(input);
  return s.length > 60 ? s.slice(0, 57) + '...' : s;
}

function bad(input: unknown, what: string): ConversionError {
  return new ConversionError(`${showValue(input)} ${what}`);
}

/** Text of a JSON number or a string; undefined for other inputs. */
function numericText(input: unknown): string | undefined {
  if (typeof input === 'string') return input.trim();
  if (input instanceof JsonNumber) return input.text;
  return undefined;
}

function toBoolean(input: unknown): boolean {
  if (typeof input === 'boolean') return input;
  if (input === 1 || input === 0) return input === 1;
  if (typeof input === 'string') {
    switch (input.trim().toLowerCase()) {
      case 'true':
      case '1':
      case 'yes':
        return true;
      case 'false':
      case '0':
      case 'no':
        return false;
    }
  }
  throw bad(input, 'is not a boolean');
}

function toBigInt(input: unknown, what: string): bigint {
  if (typeof input === 'number') {
    if (Number.isSafeInteger(input)) return BigInt(input);
    if (Number.isInteger(input))
      throw bad(input, `is not exactly representable (write it without an exponent)`);
    throw bad(input, `is not ${what}`);
  }
  const text = numericText(input);
  if (text === undefined || !INT_RE.test(text)) throw bad(input, `is not ${what}`);
  return BigInt(text);
}

function toLong(input: unknown): bigint {
  const v = toBigInt(input, 'a long');
  if (v < INT64_MIN || v > INT64_MAX) throw bad(input, 'is out of range for a long');
  return v;
}

function toInt(input: unknown): number {
  if (typeof input === 'number') {
    if (!Number.isInteger(input)) throw bad(input, 'is not an int');
    if (input < -2147483648 || input > 2147483647) throw bad(input, 'is out of range for an int');
    return input;
  }
  const v = toBigInt(input, 'an int');
  if (v < -2147483648n || v > 2147483647n) throw bad(input, 'is out of range for an int');
  return Number(v);
}

function toDouble(input: unknown, what: string): number {
  if (typeof input === 'number') return input;
  const text = numericText(input);
  if (text === undefined) throw bad(input, `is not a ${what}`);
  if (FLOAT_RE.test(text)) return Number(text);
  switch (text.toLowerCase()) {
    case 'nan':
      return NaN;
    case 'inf':
    case '+inf':
    case 'infinity':
    case '+infinity':
      return Infinity;
    case '-inf':
    case '-infinity':
      return -Infinity;
  }
  throw bad(input, `is not a ${what}`);
}

function decimalConverter(precision: number, scale: number): Converter {
  return (input) => {
    let text: string | undefined;
    if (typeof input === 'number') {
      if (!Number.isFinite(input)) throw bad(input, 'is not a decimal number');
      text = String(input); // exact: JSON numbers with > 15 digits arrive as JsonNumber
    } else text = numericText(input);
    if (text === undefined) throw bad(input, 'is not a decimal number');
    const r = parseDecimal(text, precision, scale);
    if (!r.ok) throw bad(input, r.problem);
    return r.unscaled;
  };
}

function toDate(input: unknown): number {
  if (typeof input === 'string') {
    const d = parseDate(input.trim());
    if (d !== undefined) return d;
  }
  throw bad(input, 'is not a date (YYYY-MM-DD)');
}

function toTime(input: unknown): bigint {
  if (typeof input === 'string') {
    const t = parseTime(input.trim());
    if (t !== undefined) return t;
  }
  throw bad(input, 'is not a time (HH:MM:SS[.ffffff])');
}

function toTimestamp(input: unknown): bigint {
  let text: string | undefined;
  if (typeof input === 'number') text = Number.isFinite(input) ? String(input) : undefined;
  else text = numericText(input);
  if (text !== undefined) {
    const ts = parseTimestamp(text);
    if (ts !== undefined) return ts.micros;
    const epoch = parseEpoch(text);
    if (epoch !== undefined) return epoch;
  }
  throw bad(input, 'is not a timestamp (ISO-8601 or epoch seconds/millis)');
}

function toText(input: unknown): string {
  if (typeof input === 'string') return input;
  if (typeof input === 'number' || typeof input === 'boolean') return String(input);
  if (input instanceof JsonNumber) return input.text;
  if (typeof input === 'object' && input !== null)
    return JSON.stringify(input, (_k, v: unknown) => (v instanceof JsonNumber ? Number(v.text) : v));
  throw bad(input, 'is not a string');
}

function toUuid(input: unknown): string {
  if (typeof input === 'string') {
    const m = UUID_RE.exec(input.trim());
    if (m) return `${m[1]}-${m[2]}-${m[3]}-${m[4]}-${m[5]}`.toLowerCase();
  }
  throw bad(input, 'is not a UUID');
}

function toBinary(input: unknown, length?: number): Uint8Array {
  if (input instanceof Uint8Array) return input;
  if (typeof input === 'string') {
    const text = input.trim();
    if (BASE64_RE.test(text)) {
      const buf = Buffer.from(text, text.includes('-') || text.includes('_') ? 'base64url' : 'base64');
      const bytes = new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength);
      if (length !== undefined && bytes.length !== length) {
        throw bad(input, `is ${bytes.length} bytes, expected fixed[${length}]`);
      }
      return bytes;
    }
  }
  throw bad(input, 'is not base64');
}

export function primitiveConverter(type: PrimitiveType): Converter {
  switch (type.kind) {
    case 'boolean':
      return toBoolean;
    case 'int':
      return toInt;
    case 'long':
      return toLong;
    case 'float':
      return (input) => Math.fround(toDouble(input, 'float'));
    case 'double':
      return (input) => toDouble(input, 'double');
    case 'decimal':
      return decimalConverter(type.precision, type.scale);
    case 'date':
      return toDate;
    case 'time':
      return toTime;
    case 'timestamp':
    case 'timestamptz':
      return toTimestamp;
    case 'string':
      return toText;
    case 'uuid':
      return toUuid;
    case 'binary':
      return (input) => toBinary(input);
    case 'fixed':
      return (input) => toBinary(input, type.length);
  }
}

/**
 * A converter for any Iceberg type. Nested types take JSON objects/arrays; given text (a CSV
 * field), the text is parsed as JSON first. Nested nulls in required positions are rejected.
 */
export function converterFor(type: IcebergType): Converter {
  if (type.kind !== 'struct' && type.kind !== 'list' && type.kind !== 'map') return primitiveConverter(type);
  const nested = nestedConverter(type);
  return (input) => {
    if (typeof input === 'string') {
      let parsed: unknown;
      try {
        parsed = parseJsonExact(input);
      } catch {
        throw bad(input, 'is not JSON');
      }
      return nested(parsed);
    }
    return nested(input);
  };
}

function nestedConverter(type: IcebergType): Converter {
  switch (type.kind) {
    case 'struct': {
      const fields = type.fields.map((f) => ({ f, convert: converterFor(f.type) }));
      const names = new Set(type.fields.map((f) => f.name));
      return (input) => {
        if (
          typeof input !== 'object' ||
          input === null ||
          Array.isArray(input) ||
          input instanceof JsonNumber
        ) {
          throw bad(input, 'is not an object');
        }
        const o = input as Record<string, unknown>;
        for (const k of Object.keys(o)) if (!names.has(k)) throw new ConversionError(`unknown field "${k}"`);
        const out: { [name: string]: Value } = {};
        for (const { f, convert } of fields) {
          const v = o[f.name];
          if (v === undefined || v === null) {
            if (f.required) throw new ConversionError(`field "${f.name}" is required`);
            out[f.name] = null;
          } else out[f.name] = convert(v);
        }
        return out;
      };
    }
    case 'list': {
      const convert = converterFor(type.element);
      return (input) => {
        if (!Array.isArray(input)) throw bad(input, 'is not an array');
        return input.map((v: unknown) => {
          if (v === null) {
            if (type.elementRequired) throw new ConversionError('list element is required');
            return null;
          }
          return convert(v);
        });
      };
    }
    case 'map': {
      const convertKey = converterFor(type.key);
      const convertValue = converterFor(type.value);
      return (input) => {
        if (
          typeof input !== 'object' ||
          input === null ||
          Array.isArray(input) ||
          input instanceof JsonNumber
        ) {
          throw bad(input, 'is not an object');
        }
        const out = new Map<Value, Value>();
        for (const [k, v] of Object.entries(input as Record<string, unknown>)) {
          if (v === null && type.valueRequired) throw new ConversionError(`map value for "${k}" is required`);
          out.set(convertKey(k), v === null ? null : convertValue(v));
        }
        return out;
      };
    }
    default:
      return primitiveConverter(type);
  }
}
