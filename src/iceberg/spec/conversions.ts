/**
 * Single-value binary serialization (Iceberg spec, appendix D) used for column bounds and
 * partition summaries, value ordering, and bound truncation.
 * OWNER: spec helper. Stub signatures agreed by all modules; implementations pending.
 */
import type { PrimitiveType, Value } from './types.js';

export function encodeValue(_type: PrimitiveType, _value: Value): Uint8Array {
  throw new Error('not implemented');
}

export function decodeValue(_type: PrimitiveType, _bytes: Uint8Array): Value {
  throw new Error('not implemented');
}

/** Total order used for bounds: numbers numerically, strings by UTF-8 bytes (unsigned), binary unsigned lexicographic. */
export function compareValues(_type: PrimitiveType, _a: Value, _b: Value): number {
  throw new Error('not implemented');
}

/** A lower bound for `value` of at most `width` characters (strings) or bytes (binary). Other types unchanged. */
export function truncateLowerBound(_type: PrimitiveType, _value: Value, _width: number): Value {
  throw new Error('not implemented');
}

/**
 * An upper bound for `value` of at most `width` characters/bytes that is still >= value:
 * truncate then increment the last code point/byte that can be incremented. null when none exists.
 */
export function truncateUpperBound(_type: PrimitiveType, _value: Value, _width: number): Value | null {
  throw new Error('not implemented');
}
