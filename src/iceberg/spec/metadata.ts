/**
 * Table metadata v2 JSON: int64-safe read and write, and creation of new table metadata.
 * OWNER: spec helper.
 */
import type { PartitionSpec, SortOrder, TableMetadata } from './model.js';
import type { Schema } from './schema.js';

export function tableMetadataToJson(_metadata: TableMetadata): string {
  throw new Error('not implemented');
}

export function tableMetadataFromJson(_text: string): TableMetadata {
  throw new Error('not implemented');
}

export interface NewTableOptions {
  schema: Schema;
  spec?: PartitionSpec;
  sortOrder?: SortOrder;
  location: string;
  properties?: Record<string, string>;
  tableUuid?: string;
  nowMs?: number;
}

/** Metadata of a new, empty v2 table; field ids are kept as given (schema files carry them). */
export function newTableMetadata(_options: NewTableOptions): TableMetadata {
  throw new Error('not implemented');
}
