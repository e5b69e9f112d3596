/**
 * Partition transforms (spec "Partition Transforms"): identity, bucket[N], truncate[W], year,
 * month, day, hour, void. OWNER: spec helper. Stub signatures agreed by all modules.
 */
import type { PrimitiveType, Value } from './types.js';

export interface Transform {
  readonly name: 'identity' | 'bucket' | 'truncate' | 'year' | 'month' | 'day' | 'hour' | 'void';
  readonly param?: number;
  /** The spec's string form, e.g. 'bucket[16]'. */
  toString(): string;
  canTransform(source: PrimitiveType): boolean;
  resultType(source: PrimitiveType): PrimitiveType;
  /** Applies the transform to a value of the source type (null stays null). */
  apply(source: PrimitiveType, value: Value): Value;
  /** Human string of a result value, as used in partition paths (e.g. '2024-03-01' for day). */
  toHumanString(source: PrimitiveType, result: Value): string;
  /** True when the transform preserves order, so bounds on the source bound the result. */
  readonly preservesOrder: boolean;
}

export function parseTransform(_text: string): Transform {
  throw new Error('not implemented');
}

/** 32-bit murmur3 hash of a value as the spec defines it for bucketing. */
export function bucketHash(_type: PrimitiveType, _value: Value): number {
  throw new Error('not implemented');
}
