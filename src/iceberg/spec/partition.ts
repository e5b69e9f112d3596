/**
 * Partition specs: JSON serde, the CLI syntax ('day(created_date), bucket(16, id)'), the partition
 * struct type, partition tuples of rows and partition paths. OWNER: spec helper.
 */
import type { PartitionSpec } from './model.js';
import type { Schema } from './schema.js';
import type { StructType, Value } from './types.js';

export const UNPARTITIONED: PartitionSpec = { specId: 0, fields: [] };
export const PARTITION_FIELD_ID_START = 1000;

export interface PartitionSpecJson {
  'spec-id': number;
  fields: { 'source-id': number; 'field-id': number; name: string; transform: string }[];
}

export function partitionSpecToJson(_spec: PartitionSpec): PartitionSpecJson {
  throw new Error('not implemented');
}
export function partitionSpecFromJson(_json: unknown): PartitionSpec {
  throw new Error('not implemented');
}

/**
 * Parses 'day(created_date), bucket(16, id), truncate(4, name), borough' (identity) into a spec,
 * assigning field ids from `lastPartitionId + 1` (default 1000) and names like 'created_date_day'.
 */
export function parsePartitionSpec(_text: string, _schema: Schema, _specId = 0, _lastPartitionId = 999): PartitionSpec {
  throw new Error('not implemented');
}

/** The struct type of partition tuples (field ids = partition field ids, all optional). */
export function partitionType(_spec: PartitionSpec, _schema: Schema): StructType {
  throw new Error('not implemented');
}

/** The partition tuple of one row, given the source column values by field id. */
export function partitionTuple(_spec: PartitionSpec, _schema: Schema, _sourceValue: (fieldId: number) => Value): Value[] {
  throw new Error('not implemented');
}

/** 'created_date_day=2024-03-01/borough=QUEENS' (URL-escaped values, as Java's PartitionSpec.partitionToPath). */
export function partitionPath(_spec: PartitionSpec, _schema: Schema, _tuple: readonly Value[]): string {
  throw new Error('not implemented');
}
