/**
 * Table: the write and read entry point over a catalog. OWNER: lead.
 * Stub signatures agreed by all modules; implementation pending.
 */
import type { Catalog, TableIdentifier } from '../catalog.js';
import type { DataFile, PartitionSpec, Snapshot, TableMetadata } from '../spec/model.js';
import type { Schema } from '../spec/schema.js';
import type { ColumnBatch } from '../writer/batch.js';
import type { DataWriterOptions } from '../writer/index.js';
import type { Expression } from '../read/expressions.js';

export interface CreateOptions {
  identifier: TableIdentifier;
  schema: Schema;
  partitionSpec?: PartitionSpec;
  properties?: Record<string, string>;
}

export interface AppendOptions {
  /** Extra snapshot summary properties (e.g. the consumer's shard positions). */
  summary?: Record<string, string>;
  writer?: Partial<Pick<DataWriterOptions, 'codec' | 'targetFileSizeBytes'>>;
}

export interface ScanOptions {
  filter?: Expression;
  /** Column names to read; default all. */
  select?: readonly string[];
  snapshotId?: bigint;
}

export interface PlannedFile {
  readonly dataFile: DataFile;
}

export declare class Table {
  static create(catalog: Catalog, options: CreateOptions): Promise<Table>;
  static load(catalog: Catalog, identifier: TableIdentifier): Promise<Table>;
  readonly identifier: TableIdentifier;
  get metadata(): TableMetadata;
  get metadataLocation(): string;
  get schema(): Schema;
  get spec(): PartitionSpec;
  currentSnapshot(): Snapshot | undefined;
  refresh(): Promise<void>;
  /** Writes the batches as Parquet files and commits one append snapshot (retrying conflicts). */
  append(batches: Iterable<ColumnBatch> | AsyncIterable<ColumnBatch>, options?: AppendOptions): Promise<Snapshot>;
  /** Commits already-written data files as one append snapshot. */
  appendFiles(files: readonly DataFile[], options?: Pick<AppendOptions, 'summary'>): Promise<Snapshot>;
  planFiles(options?: ScanOptions): Promise<PlannedFile[]>;
  /** Rows of the current (or given) snapshot as objects keyed by column name, values in floe's representation. */
  readRows(options?: ScanOptions): Promise<Record<string, unknown>[]>;
}
