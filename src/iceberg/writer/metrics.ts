/**
 * Iceberg column metrics of a data file, with Java Iceberg's metrics modes:
 *   write.metadata.metrics.default                      default mode (truncate(16))
 *   write.metadata.metrics.column.<column name>         per-column override
 *   write.metadata.metrics.max-inferred-column-defaults only the first N columns (100) get the
 *                                                       default; the rest get 'none' unless set
 * Modes: none (nothing), counts (sizes and value/null/NaN counts), truncate(N) (counts plus
 * bounds, strings/binary truncated to N), full (counts plus untruncated bounds).
 */
import { FloeError } from '../../errors.js';
import { encodeValue, truncateLowerBound, truncateUpperBound } from '../spec/conversions.js';
import type { Schema } from '../spec/schema.js';
import type { PrimitiveType, Value } from '../spec/types.js';
import type { ColumnBuffer } from './column-buffer.js';

export type MetricsMode =
  | { readonly kind: 'none' }
  | { readonly kind: 'counts' }
  | { readonly kind: 'truncate'; readonly length: number }
  | { readonly kind: 'full' };

export const METRICS_DEFAULT_PROPERTY = 'write.metadata.metrics.default';
export const METRICS_COLUMN_PREFIX = 'write.metadata.metrics.column.';
export const METRICS_MAX_INFERRED_PROPERTY = 'write.metadata.metrics.max-inferred-column-defaults';
export const DEFAULT_METRICS_MODE: MetricsMode = { kind: 'truncate', length: 16 };
export const DEFAULT_MAX_INFERRED_COLUMNS = 100;

export function parseMetricsMode(text: string, where = 'metrics mode'): MetricsMode {
  const s = text.trim().toLowerCase();
  if (s === 'none' || s === 'counts' || s === 'full') return { kind: s };
  const m = /^truncate\(\s*(\d+)\s*\)$/.exec(s);
  if (m) {
    const length = Number(m[1]);
    if (length > 0) return { kind: 'truncate', length };
  }
  throw new FloeError(
    'config',
    `${where}: "${text}" is not one of none, counts, truncate(N) with N > 0, full`,
  );
}

export function metricsModeToString(mode: MetricsMode): string {
  return mode.kind === 'truncate' ? `truncate(${mode.length})` : mode.kind;
}

/** The metrics mode of every top-level column, by field id. */
export function resolveMetricsModes(
  schema: Schema,
  properties: Readonly<Record<string, string>>,
): Map<number, MetricsMode> {
  const defaultText = properties[METRICS_DEFAULT_PROPERTY];
  const defaultMode =
    defaultText === undefined
      ? DEFAULT_METRICS_MODE
      : parseMetricsMode(defaultText, METRICS_DEFAULT_PROPERTY);
  const maxText = properties[METRICS_MAX_INFERRED_PROPERTY];
  const maxInferred = maxText === undefined ? DEFAULT_MAX_INFERRED_COLUMNS : Number(maxText);
  if (!Number.isInteger(maxInferred) || maxInferred < 0) {
    throw new FloeError(
      'config',
      `table property ${METRICS_MAX_INFERRED_PROPERTY}="${maxText}" must be a non-negative integer`,
    );
  }
  const modes = new Map<number, MetricsMode>();
  schema.fields.forEach((field, index) => {
    const key = METRICS_COLUMN_PREFIX + field.name;
    const own = properties[key];
    if (own !== undefined) modes.set(field.id, parseMetricsMode(own, key));
    else modes.set(field.id, index < maxInferred ? defaultMode : { kind: 'none' });
  });
  return modes;
}

export interface ColumnMetrics {
  columnSizes: Map<number, bigint>;
  valueCounts: Map<number, bigint>;
  nullValueCounts: Map<number, bigint>;
  nanValueCounts: Map<number, bigint>;
  lowerBounds: Map<number, Uint8Array>;
  upperBounds: Map<number, Uint8Array>;
}

/** Truncation applies to strings and binary only; fixed keeps its length, numbers are exact. */
function truncatable(type: PrimitiveType): boolean {
  return type.kind === 'string' || type.kind === 'binary';
}

function lowerBound(type: PrimitiveType, min: Value, mode: MetricsMode): Uint8Array {
  const v = mode.kind === 'truncate' && truncatable(type) ? truncateLowerBound(type, min, mode.length) : min;
  return encodeValue(type, v);
}

function upperBound(type: PrimitiveType, max: Value, mode: MetricsMode): Uint8Array | undefined {
  if (mode.kind === 'truncate' && truncatable(type)) {
    const v = truncateUpperBound(type, max, mode.length);
    // No value of at most N characters/bytes is >= max (e.g. all U+10FFFF): omit the bound.
    return v === null ? undefined : encodeValue(type, v);
  }
  return encodeValue(type, max);
}

/** The DataFile metric maps of one file from its column buffers and column chunk sizes. */
export function columnMetrics(
  columns: readonly ColumnBuffer[],
  modes: ReadonlyMap<number, MetricsMode>,
  compressedSizes: ReadonlyMap<number, bigint>,
): ColumnMetrics {
  const metrics: ColumnMetrics = {
    columnSizes: new Map(),
    valueCounts: new Map(),
    nullValueCounts: new Map(),
    nanValueCounts: new Map(),
    lowerBounds: new Map(),
    upperBounds: new Map(),
  };
  for (const column of columns) {
    const id = column.field.id;
    const mode = modes.get(id) ?? DEFAULT_METRICS_MODE;
    if (mode.kind === 'none') continue;
    const size = compressedSizes.get(id);
    if (size !== undefined) metrics.columnSizes.set(id, size);
    metrics.valueCounts.set(id, BigInt(column.valueCount));
    metrics.nullValueCounts.set(id, BigInt(column.nullCount));
    if (column.type.kind === 'float' || column.type.kind === 'double') {
      metrics.nanValueCounts.set(id, BigInt(column.nanCount));
    }
    if (mode.kind === 'counts' || column.min === undefined || column.max === undefined) continue;
    metrics.lowerBounds.set(id, lowerBound(column.type, column.min, mode));
    const upper = upperBound(column.type, column.max, mode);
    if (upper !== undefined) metrics.upperBounds.set(id, upper);
  }
  return metrics;
}
