/**
 * Single-value binary serialization (Iceberg spec, appendix D) used for column bounds and
 * partition summaries, value ordering, and bound truncation.
 *
 * Values use floe's in-memory representation (see types.ts): long/time/timestamp(tz)/decimal
 * are bigint, int/date/float/double are number, uuid is the canonical string, fixed/binary
 * are Uint8Array.
 */
import { FloeError } from '../../errors.js';
import type { PrimitiveType, Value } from './types.js';

const utf8Encoder = new TextEncoder();
// fatal: a bound that is not valid UTF-8 is corrupt metadata, not something to paper over.
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function wrongValue(type: PrimitiveType, value: Value): FloeError {
  const shown =
    typeof value === 'bigint' ? `${value}n` : value instanceof Uint8Array ? 'bytes' : JSON.stringify(value);
  return new FloeError(
    'internal',
    `cannot encode ${String(shown)} (${typeof value}) as Iceberg ${type.kind}`,
  );
}

function badBytes(type: PrimitiveType, bytes: Uint8Array, expected: string): FloeError {
  return new FloeError(
    'invalid-metadata',
    `single-value ${type.kind} must be ${expected}, got ${bytes.length} byte(s)`,
  );
}

function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

function toBigInt(type: PrimitiveType, value: Value): bigint {
  if (typeof value === 'bigint') return value;
  // Accept safe integral numbers too: callers building bounds from parsed JSON may hold numbers.
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  throw wrongValue(type, value);
}

function toInt32(type: PrimitiveType, value: Value): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= -0x80000000 && value <= 0x7fffffff)
    return value;
  if (typeof value === 'bigint' && value >= -0x80000000n && value <= 0x7fffffffn) return Number(value);
  throw wrongValue(type, value);
}

// ---- decimal / uuid helpers (also used by bucket hashing) ----

/** Minimum-length two's-complement big-endian bytes of a bigint (Java BigInteger.toByteArray). */
export function bigintToMinBytes(v: bigint): Uint8Array {
  // Bits of the magnitude (of -v-1 for negatives) plus one sign bit, rounded up to bytes.
  const magnitude = v >= 0n ? v : -v - 1n;
  const bitLen = magnitude === 0n ? 0 : magnitude.toString(2).length;
  const len = Math.ceil((bitLen + 1) / 8);
  const out = new Uint8Array(len);
  let x = BigInt.asUintN(len * 8, v);
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(x & 0xffn);
    x >>= 8n;
  }
  return out;
}

/** Inverse of bigintToMinBytes: big-endian two's complement of any length. */
export function bigintFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  return BigInt.asIntN(bytes.length * 8, x);
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function uuidToBytes(uuid: string): Uint8Array {
  if (!UUID_RE.test(uuid)) throw new FloeError('internal', `not a UUID: "${uuid}"`);
  const hex = uuid.replace(/-/g, '');
  const out = new Uint8Array(16);
  for (let i = 0; i < 16; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
  return out;
}

export function uuidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16)
    throw new FloeError('invalid-metadata', `a uuid needs 16 bytes, got ${bytes.length}`);
  let hex = '';
  for (const b of bytes) hex += b.toString(16).padStart(2, '0');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export function utf8Encode(s: string): Uint8Array {
  return utf8Encoder.encode(s);
}

// ---- encode / decode ----

export function encodeValue(type: PrimitiveType, value: Value): Uint8Array {
  switch (type.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw wrongValue(type, value);
      return Uint8Array.of(value ? 1 : 0);
    case 'int':
    case 'date': {
      const out = new Uint8Array(4);
      view(out).setInt32(0, toInt32(type, value), true);
      return out;
    }
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz': {
      const v = toBigInt(type, value);
      if (v !== BigInt.asIntN(64, v)) throw wrongValue(type, value);
      const out = new Uint8Array(8);
      view(out).setBigInt64(0, v, true);
      return out;
    }
    case 'float': {
      if (typeof value !== 'number') throw wrongValue(type, value);
      const out = new Uint8Array(4);
      view(out).setFloat32(0, value, true);
      return out;
    }
    case 'double': {
      if (typeof value !== 'number') throw wrongValue(type, value);
      const out = new Uint8Array(8);
      view(out).setFloat64(0, value, true);
      return out;
    }
    case 'string':
      if (typeof value !== 'string') throw wrongValue(type, value);
      return utf8Encoder.encode(value);
    case 'uuid':
      if (typeof value !== 'string') throw wrongValue(type, value);
      return uuidToBytes(value);
    case 'fixed':
    case 'binary':
      if (!(value instanceof Uint8Array)) throw wrongValue(type, value);
      // A copy: callers keep bounds around while batch buffers get reused.
      return value.slice();
    case 'decimal':
      return bigintToMinBytes(toBigInt(type, value));
  }
}

export function decodeValue(type: PrimitiveType, bytes: Uint8Array): Value {
  switch (type.kind) {
    case 'boolean':
      if (bytes.length !== 1) throw badBytes(type, bytes, '1 byte');
      return bytes[0] !== 0;
    case 'int':
    case 'date':
      if (bytes.length !== 4) throw badBytes(type, bytes, '4 bytes');
      return view(bytes).getInt32(0, true);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      if (bytes.length !== 8) throw badBytes(type, bytes, '8 bytes');
      return view(bytes).getBigInt64(0, true);
    case 'float':
      if (bytes.length !== 4) throw badBytes(type, bytes, '4 bytes');
      return view(bytes).getFloat32(0, true);
    case 'double':
      if (bytes.length !== 8) throw badBytes(type, bytes, '8 bytes');
      return view(bytes).getFloat64(0, true);
    case 'string':
      try {
        return utf8Decoder.decode(bytes);
      } catch (cause) {
        throw new FloeError('invalid-metadata', 'single-value string is not valid UTF-8', { cause });
      }
    case 'uuid':
      if (bytes.length !== 16) throw badBytes(type, bytes, '16 bytes');
      return uuidFromBytes(bytes);
    case 'fixed':
    case 'binary':
      return bytes.slice();
    case 'decimal':
      if (bytes.length === 0) throw badBytes(type, bytes, 'at least 1 byte');
      return bigintFromBytes(bytes);
  }
}

// ---- ordering ----

/** Java's Double.compare: -0.0 < 0.0 and NaN above everything (equal to itself). */
export function compareDoubles(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  const aNaN = Number.isNaN(a);
  const bNaN = Number.isNaN(b);
  if (aNaN || bNaN) return aNaN === bNaN ? 0 : aNaN ? 1 : -1;
  // Equal as numbers: only the sign of zero can differ.
  const aNeg = Object.is(a, -0);
  const bNeg = Object.is(b, -0);
  return aNeg === bNeg ? 0 : aNeg ? -1 : 1;
}

/** Unsigned lexicographic byte order; a prefix sorts first. */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

/**
 * Code point order, which equals the unsigned order of the UTF-8 bytes. JS `<` compares UTF-16
 * code units instead, which puts U+10000.. below U+E000..U+FFFF; this avoids encoding.
 */
export function compareStrings(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const ca = a.charCodeAt(i);
    const cb = b.charCodeAt(i);
    if (ca === cb) continue;
    // Both continue an identical high surrogate: the low surrogates order like the code points.
    if (i > 0 && isHigh(a.charCodeAt(i - 1)) && isLow(ca) && isLow(cb)) return ca < cb ? -1 : 1;
    const pa = a.codePointAt(i)!;
    const pb = b.codePointAt(i)!;
    // A lone surrogate counts as itself; a pair counts as its (larger) code point.
    return pa < pb ? -1 : pa > pb ? 1 : ca < cb ? -1 : 1;
  }
  return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
}

function isHigh(c: number): boolean {
  return c >= 0xd800 && c <= 0xdbff;
}
function isLow(c: number): boolean {
  return c >= 0xdc00 && c <= 0xdfff;
}

function cmp<T extends number | bigint>(a: T, b: T): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Total order used for bounds: numbers numerically, strings by UTF-8 bytes (unsigned), binary unsigned lexicographic. */
export function compareValues(type: PrimitiveType, a: Value, b: Value): number {
  switch (type.kind) {
    case 'boolean':
      return cmp(a ? 1 : 0, b ? 1 : 0);
    case 'int':
    case 'date':
      return cmp(a as number, b as number);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'decimal':
      return cmp(toBigInt(type, a), toBigInt(type, b));
    case 'float':
    case 'double':
      return compareDoubles(a as number, b as number);
    case 'string':
      return compareStrings(a as string, b as string);
    case 'uuid':
      // Canonical strings of equal shape: hex digits order like the bytes they spell.
      return compareStrings((a as string).toLowerCase(), (b as string).toLowerCase());
    case 'fixed':
    case 'binary':
      return compareBytes(a as Uint8Array, b as Uint8Array);
  }
}

// ---- truncation of bounds ----

/** The first `width` code points of `s` (never splits a surrogate pair). */
export function truncateCodePoints(s: string, width: number): string {
  // Fast path: fewer UTF-16 units than the width means fewer code points too.
  if (s.length <= width) return s;
  let units = 0;
  for (let cp = 0; cp < width && units < s.length; cp++) {
    units += isHigh(s.charCodeAt(units)) && isLow(s.charCodeAt(units + 1)) ? 2 : 1;
  }
  return s.slice(0, units);
}

/**
 * A lower bound for `value` of at most `width` characters (strings) or bytes (binary). Other types,
 * fixed(L) included, are unchanged: a shortened fixed value is not a value of its type, and
 * PyIceberg does not truncate fixed bounds either.
 */
export function truncateLowerBound(type: PrimitiveType, value: Value, width: number): Value {
  checkWidth(width);
  if (type.kind === 'string' && typeof value === 'string') return truncateCodePoints(value, width);
  if (type.kind === 'binary' && value instanceof Uint8Array) {
    return value.length <= width ? value : value.slice(0, width);
  }
  return value;
}

/**
 * An upper bound for `value` of at most `width` characters/bytes that is still >= value:
 * truncate then increment the last code point/byte that can be incremented. null when none exists.
 * A value already within the width is its own upper bound (as in Java's UnicodeUtil/BinaryUtil).
 */
export function truncateUpperBound(type: PrimitiveType, value: Value, width: number): Value | null {
  checkWidth(width);
  if (type.kind === 'string' && typeof value === 'string') return truncateStringMax(value, width);
  if (type.kind === 'binary' && value instanceof Uint8Array) {
    return truncateBinaryMax(value, width);
  }
  return value;
}

function checkWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1)
    throw new FloeError('internal', `bound truncation width must be >= 1, got ${width}`);
}

const MAX_CODE_POINT = 0x10ffff;

function truncateStringMax(s: string, width: number): string | null {
  const truncated = truncateCodePoints(s, width);
  if (truncated.length === s.length) return s;
  const cps = Array.from(truncated, (c) => c.codePointAt(0)!);
  for (let i = cps.length - 1; i >= 0; i--) {
    let next = cps[i]! + 1;
    // Surrogate code points are not characters: skip the whole block.
    if (next >= 0xd800 && next <= 0xdfff) next = 0xe000;
    if (next <= MAX_CODE_POINT) {
      cps[i] = next;
      return String.fromCodePoint(...cps.slice(0, i + 1));
    }
  }
  return null;
}

function truncateBinaryMax(b: Uint8Array, width: number): Uint8Array | null {
  if (b.length <= width) return b;
  for (let i = width - 1; i >= 0; i--) {
    if (b[i]! < 0xff) {
      const out = b.slice(0, i + 1);
      out[i] = out[i]! + 1;
      return out;
    }
  }
  return null;
}
