/**
 * Comparing and showing in-memory values (floe's representation, src/iceberg/spec/types.ts) for
 * rule checks and their reasons.
 */
import type { IcebergType, Value } from '../../iceberg/spec/types.js';
import { formatDecimal } from '../decimal.js';
import { formatDate, formatTime, formatTimestamp } from '../temporal.js';

/**
 * Three-way comparison of two non-null values of comparable types: negative, 0 or positive, or
 * NaN when they are unordered (a NaN double, or values of unrelated kinds). `number` and `bigint`
 * compare exactly with each other (an int column against a long column). Strings compare by code
 * point, i.e. UTF-8 byte order, as Iceberg does — not by UTF-16 unit as JS `<` does.
 */
export function compareValues(a: Value, b: Value): number {
  if ((typeof a === 'number' || typeof a === 'bigint') && (typeof b === 'number' || typeof b === 'bigint')) {
    // Mixed number/bigint relational operators are exact in JS; NaN makes all of them false.
    if (a < b) return -1;
    if (a > b) return 1;
    return a == b ? 0 : NaN;
  }
  if (typeof a === 'string' && typeof b === 'string') return compareCodePoints(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return a === b ? 0 : a ? 1 : -1;
  if (a instanceof Uint8Array && b instanceof Uint8Array) {
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const d = (a[i] as number) - (b[i] as number);
      if (d !== 0) return d;
    }
    return a.length - b.length;
  }
  return NaN;
}

export function compareCodePoints(a: string, b: string): number {
  if (a === b) return 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    // Only when one side is a surrogate does UTF-16 order differ from code point order:
    // surrogates (0xD800–0xDFFF) encode code points above every BMP character.
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs !== ys) return xs ? 1 : -1;
    return x - y;
  }
  return a.length - b.length;
}

const MAX_SHOWN = 80;

/** A value as it appears in a reason: strings quoted (so stray white space shows), temporals as ISO text. */
export function showValue(value: Value, type: IcebergType): string {
  if (value === null) return 'null';
  switch (type.kind) {
    case 'string':
    case 'uuid':
      return typeof value === 'string' ? JSON.stringify(clip(value)) : String(value);
    case 'decimal':
      return typeof value === 'bigint' ? formatDecimal(value, type.scale) : String(value);
    case 'date':
      return typeof value === 'number' ? formatDate(value) : String(value);
    case 'time':
      return typeof value === 'bigint' ? formatTime(value) : String(value);
    case 'timestamp':
      return typeof value === 'bigint' ? formatTimestamp(value) : String(value);
    case 'timestamptz':
      return typeof value === 'bigint' ? formatTimestamp(value, true) : String(value);
    case 'binary':
    case 'fixed':
      return value instanceof Uint8Array ? `0x${clip(Buffer.from(value).toString('hex'))}` : String(value);
    default:
      if (typeof value === 'object')
        return clip(JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v)));
      return String(value);
  }
}

/** A bound or allowed value as it appears in a reason: like showValue, but strings unquoted. */
export function showLiteral(value: Value, type: IcebergType): string {
  return typeof value === 'string' ? value : showValue(value, type);
}

function clip(text: string): string {
  return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}…` : text;
}
