/**
 * The catalog contract. A commit is a list of requirements (assertions about the current table
 * state) plus a list of updates, as in the Iceberg REST protocol; every catalog implementation
 * (file, Glue, REST) receives the same object.
 */
import { FloeError } from '../errors.js';
import type { FileIO } from './io/fileio.js';
import type { Schema } from './spec/schema.js';
import type { PartitionSpec, Snapshot, SortOrder, TableMetadata } from './spec/model.js';

export interface TableIdentifier {
  readonly namespace: readonly string[];
  readonly name: string;
}

export type TableRequirement =
  | { type: 'assert-create' }
  | { type: 'assert-table-uuid'; uuid: string }
  | { type: 'assert-ref-snapshot-id'; ref: string; snapshotId: bigint | null }
  | { type: 'assert-last-assigned-field-id'; lastAssignedFieldId: number }
  | { type: 'assert-current-schema-id'; currentSchemaId: number }
  | { type: 'assert-last-assigned-partition-id'; lastAssignedPartitionId: number }
  | { type: 'assert-default-spec-id'; defaultSpecId: number }
  | { type: 'assert-default-sort-order-id'; defaultSortOrderId: number };

export type TableUpdate =
  | { action: 'assign-uuid'; uuid: string }
  | { action: 'upgrade-format-version'; formatVersion: 2 }
  | { action: 'add-schema'; schema: Schema; lastColumnId?: number }
  | { action: 'set-current-schema'; schemaId: number } // -1: the last added
  | { action: 'add-spec'; spec: PartitionSpec }
  | { action: 'set-default-spec'; specId: number } // -1: the last added
  | { action: 'add-sort-order'; sortOrder: SortOrder }
  | { action: 'set-default-sort-order'; sortOrderId: number }
  | { action: 'add-snapshot'; snapshot: Snapshot }
  | {
      action: 'set-snapshot-ref';
      refName: string;
      type: 'branch' | 'tag';
      snapshotId: bigint;
      maxRefAgeMs?: number;
      maxSnapshotAgeMs?: number;
      minSnapshotsToKeep?: number;
    }
  | { action: 'remove-snapshots'; snapshotIds: bigint[] }
  | { action: 'remove-snapshot-ref'; refName: string }
  | { action: 'set-location'; location: string }
  | { action: 'set-properties'; updates: Record<string, string> }
  | { action: 'remove-properties'; removals: string[] };

export interface CommitRequest {
  readonly identifier: TableIdentifier;
  readonly requirements: readonly TableRequirement[];
  readonly updates: readonly TableUpdate[];
}

export interface LoadedTable {
  readonly identifier: TableIdentifier;
  readonly metadataLocation: string;
  readonly metadata: TableMetadata;
  /** How to reach this table's files (a REST catalog may vend per-table credentials). */
  readonly io: FileIO;
}

export interface CreateTableRequest {
  readonly identifier: TableIdentifier;
  readonly schema: Schema;
  readonly partitionSpec?: PartitionSpec;
  readonly sortOrder?: SortOrder;
  readonly properties?: Record<string, string>;
  /** Defaults to `<warehouse>/<namespace>/<name>`. */
  readonly location?: string;
}

export interface Catalog {
  readonly name: string;
  listNamespaces(parent?: readonly string[]): Promise<string[][]>;
  createNamespace(namespace: readonly string[], properties?: Record<string, string>): Promise<void>;
  namespaceExists(namespace: readonly string[]): Promise<boolean>;
  dropNamespace(namespace: readonly string[]): Promise<void>;
  listTables(namespace: readonly string[]): Promise<TableIdentifier[]>;
  tableExists(identifier: TableIdentifier): Promise<boolean>;
  createTable(request: CreateTableRequest): Promise<LoadedTable>;
  loadTable(identifier: TableIdentifier): Promise<LoadedTable>;
  /**
   * Applies the commit atomically or not at all. Throws FloeError 'commit-conflict' (retryable)
   * when a requirement fails or another writer won the race, 'commit-state-unknown' when the
   * outcome cannot be known.
   */
  commitTable(request: CommitRequest): Promise<LoadedTable>;
  renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void>;
  dropTable(identifier: TableIdentifier, options?: { purge?: boolean }): Promise<void>;
}

export function parseTableIdentifier(text: string): TableIdentifier {
  const parts = text.split('.');
  const name = parts.pop();
  if (!name || parts.length === 0 || parts.some((p) => p === '')) {
    throw new FloeError('usage', `bad table name "${text}": expected namespace.name`);
  }
  return { namespace: parts, name };
}

export function identifierToString(id: TableIdentifier): string {
  return [...id.namespace, id.name].join('.');
}
