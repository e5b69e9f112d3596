/**
 * Table: the write and read entry point over a catalog.
 */
import type { Catalog, LoadedTable, TableIdentifier } from '../catalog.js';
import type { FileIO } from '../io/fileio.js';
import type { Expression } from '../read/expressions.js';
import { planFiles, readRows } from '../read/scan.js';
import type { DataFile, PartitionSpec, Snapshot, TableMetadata } from '../spec/model.js';
import type { Schema } from '../spec/schema.js';
import type { Value } from '../spec/types.js';
import type { ColumnBatch } from '../writer/batch.js';
import { createDataWriter, type DataWriterOptions } from '../writer/index.js';
import { commitAppend, currentSchema, currentSnapshot, defaultSpec } from './append.js';
import { newSnapshotId, randomUUID } from './ids.js';

export { newSnapshotId } from './ids.js';
import type { RetryPolicy } from './retry.js';

export interface CreateOptions {
  identifier: TableIdentifier;
  schema: Schema;
  partitionSpec?: PartitionSpec;
  properties?: Record<string, string>;
  location?: string;
}

export interface AppendOptions {
  /** Extra snapshot summary properties (e.g. the consumer's shard positions). */
  summary?: Record<string, string>;
  writer?: Partial<Pick<DataWriterOptions, 'codec' | 'targetFileSizeBytes'>>;
  retryPolicy?: RetryPolicy;
  /**
   * The id the snapshot will have (default: a new random one). Callers that must name things after
   * the commit before it happens (the consumer's dead-letter files) choose it up front, and reuse it
   * when they retry the same batch later, so an applied commit is recognised.
   */
  snapshotId?: bigint;
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

/** Properties every floe-created table gets unless the caller sets them. */
export const DEFAULT_TABLE_PROPERTIES: Readonly<Record<string, string>> = {
  'write.format.default': 'parquet',
  'write.parquet.compression-codec': 'zstd',
};

export class Table {
  private loaded: LoadedTable;

  private constructor(
    private readonly catalog: Catalog,
    loaded: LoadedTable,
  ) {
    this.loaded = loaded;
  }

  static async create(catalog: Catalog, options: CreateOptions): Promise<Table> {
    const loaded = await catalog.createTable({
      identifier: options.identifier,
      schema: options.schema,
      ...(options.partitionSpec ? { partitionSpec: options.partitionSpec } : {}),
      properties: { ...DEFAULT_TABLE_PROPERTIES, ...options.properties },
      ...(options.location ? { location: options.location } : {}),
    });
    return new Table(catalog, loaded);
  }

  static async load(catalog: Catalog, identifier: TableIdentifier): Promise<Table> {
    return new Table(catalog, await catalog.loadTable(identifier));
  }

  get identifier(): TableIdentifier {
    return this.loaded.identifier;
  }
  get metadata(): TableMetadata {
    return this.loaded.metadata;
  }
  get metadataLocation(): string {
    return this.loaded.metadataLocation;
  }
  get io(): FileIO {
    return this.loaded.io;
  }
  get schema(): Schema {
    return currentSchema(this.metadata);
  }
  get spec(): PartitionSpec {
    return defaultSpec(this.metadata);
  }
  get location(): string {
    return this.metadata.location.replace(/\/+$/, '');
  }

  currentSnapshot(): Snapshot | undefined {
    return currentSnapshot(this.metadata);
  }

  async refresh(): Promise<void> {
    this.loaded = await this.catalog.loadTable(this.identifier);
  }

  /** A writer for this table's current schema and spec; its files are committed with appendFiles. */
  newDataWriter(options: AppendOptions['writer'] = {}) {
    return createDataWriter({
      io: this.io,
      schema: this.schema,
      spec: this.spec,
      dataLocation: this.metadata.properties['write.data.path'] ?? `${this.location}/data`,
      properties: this.metadata.properties,
      fileNamePrefix: randomUUID(),
      ...options,
    });
  }

  /**
   * Writes the batches as Parquet files and commits them as one append snapshot. If anything fails
   * before the commit, the written files are deleted: nothing half-written becomes visible.
   */
  async append(
    batches: Iterable<ColumnBatch> | AsyncIterable<ColumnBatch>,
    options: AppendOptions = {},
  ): Promise<Snapshot> {
    const writer = this.newDataWriter(options.writer);
    let files: DataFile[];
    try {
      for await (const batch of batches) await writer.write(batch);
      files = await writer.close();
    } catch (err) {
      await writer.abort().catch(() => undefined);
      throw err;
    }
    return this.appendWrittenFiles(files, options);
  }

  /**
   * Commits files this process wrote for the append; when the commit definitely failed they are
   * deleted, so nothing half-written is left behind.
   */
  async appendWrittenFiles(
    files: readonly DataFile[],
    options: Pick<AppendOptions, 'summary' | 'retryPolicy' | 'snapshotId'> = {},
  ): Promise<Snapshot> {
    try {
      return await this.appendFiles(files, options);
    } catch (err) {
      // commitAppend leaves files in place when the outcome is unknown; otherwise they are garbage.
      if (!(err instanceof Error && 'kind' in err && err.kind === 'commit-state-unknown')) {
        await Promise.all(files.map((f) => this.io.delete(f.filePath).catch(() => undefined)));
      }
      throw err;
    }
  }

  /** Commits already-written data files as one append snapshot, retrying conflicts. */
  async appendFiles(
    files: readonly DataFile[],
    options: Pick<AppendOptions, 'summary' | 'retryPolicy' | 'snapshotId'> = {},
  ): Promise<Snapshot> {
    const result = await commitAppend({
      catalog: this.catalog,
      table: this.loaded,
      files,
      snapshotId: options.snapshotId ?? newSnapshotId(),
      ...(options.summary ? { summary: options.summary } : {}),
      ...(options.retryPolicy ? { retryPolicy: options.retryPolicy } : {}),
    });
    this.loaded = result.table;
    if (result.committedEarlier) {
      // This batch was committed by an earlier call with the same snapshot id; these copies are orphans.
      await Promise.all(files.map((f) => this.io.delete(f.filePath).catch(() => undefined)));
    }
    return result.snapshot;
  }

  async planFiles(options: ScanOptions = {}): Promise<PlannedFile[]> {
    const plan = await planFiles(this.io, this.metadata, options);
    return plan.files.map((dataFile) => ({ dataFile }));
  }

  /** Rows of the current (or given) snapshot as objects keyed by column name, values in floe's representation. */
  async readRows(options: ScanOptions = {}): Promise<Record<string, Value>[]> {
    return readRows(this.io, this.metadata, options);
  }
}
