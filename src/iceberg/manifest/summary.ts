/**
 * Partition field summaries of a manifest (manifest-list field 507): per partition field,
 * whether any file has a null or NaN value, and lower/upper bounds of the other values in the
 * spec's single-value encoding. Engines skip whole manifests with them.
 */
import { compareValues, encodeValue } from '../spec/conversions.js';
import type { FieldSummary } from '../spec/model.js';
import { isPrimitive, type PrimitiveType, type StructType, type Value } from '../spec/types.js';

/** Summaries for `partition`'s fields over the given tuples (values in spec field order). */
export function partitionFieldSummaries(
  partition: StructType,
  tuples: Iterable<readonly Value[]>,
): FieldSummary[] {
  const acc = partition.fields.map(() => ({
    containsNull: false,
    containsNan: false,
    lower: undefined as Value | undefined,
    upper: undefined as Value | undefined,
  }));
  const types = partition.fields.map((f) => (isPrimitive(f.type) ? f.type : null));
  for (const tuple of tuples) {
    for (let i = 0; i < acc.length; i++) {
      const a = acc[i]!;
      const v = tuple[i] ?? null;
      if (v === null) {
        a.containsNull = true;
        continue;
      }
      if (typeof v === 'number' && Number.isNaN(v)) {
        a.containsNan = true;
        continue;
      }
      const type = types[i];
      if (!type) continue;
      if (a.lower === undefined || compareValues(type, v, a.lower) < 0) a.lower = v;
      if (a.upper === undefined || compareValues(type, v, a.upper) > 0) a.upper = v;
    }
  }
  return acc.map((a, i) => {
    const type = types[i] as PrimitiveType | null;
    // Java writes contains_nan for every field (false when not floating point): do the same.
    const s: {
      containsNull: boolean;
      containsNan: boolean;
      lowerBound?: Uint8Array;
      upperBound?: Uint8Array;
    } = {
      containsNull: a.containsNull,
      containsNan: a.containsNan,
    };
    if (type && a.lower !== undefined) s.lowerBound = encodeValue(type, a.lower);
    if (type && a.upper !== undefined) s.upperBound = encodeValue(type, a.upper);
    return s;
  });
}
