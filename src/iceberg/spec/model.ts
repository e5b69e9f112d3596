/**
 * Plain data shapes of Iceberg v2 table metadata, manifests and data files.
 * int64 quantities (snapshot ids, sequence numbers, counts and sizes in manifests) are bigint:
 * snapshot ids are random 63-bit values and must never pass through a JS number.
 */
import type { Schema } from './schema.js';
import type { Value } from './types.js';

/** e.g. 'identity', 'bucket[16]', 'truncate[10]', 'year', 'month', 'day', 'hour', 'void' */
export type TransformString = string;

export interface PartitionField {
  readonly sourceId: number;
  readonly fieldId: number; // partition field ids start at 1000
  readonly name: string;
  readonly transform: TransformString;
}

export interface PartitionSpec {
  readonly specId: number;
  readonly fields: readonly PartitionField[];
}

export interface SortField {
  readonly sourceId: number;
  readonly transform: TransformString;
  readonly direction: 'asc' | 'desc';
  readonly nullOrder: 'nulls-first' | 'nulls-last';
}
export interface SortOrder {
  readonly orderId: number;
  readonly fields: readonly SortField[];
}

export interface Snapshot {
  readonly snapshotId: bigint;
  readonly parentSnapshotId?: bigint;
  readonly sequenceNumber: bigint;
  readonly timestampMs: number;
  readonly manifestList: string;
  /** Always has 'operation' ('append' | 'replace' | 'overwrite' | 'delete'). */
  readonly summary: Readonly<Record<string, string>>;
  readonly schemaId?: number;
}

export interface SnapshotRef {
  readonly snapshotId: bigint;
  readonly type: 'branch' | 'tag';
  readonly maxRefAgeMs?: number;
  readonly maxSnapshotAgeMs?: number;
  readonly minSnapshotsToKeep?: number;
}

export interface SnapshotLogEntry {
  readonly snapshotId: bigint;
  readonly timestampMs: number;
}
export interface MetadataLogEntry {
  readonly metadataFile: string;
  readonly timestampMs: number;
}

export interface TableMetadata {
  readonly formatVersion: 2;
  readonly tableUuid: string;
  readonly location: string;
  readonly lastSequenceNumber: bigint;
  readonly lastUpdatedMs: number;
  readonly lastColumnId: number;
  readonly schemas: readonly Schema[];
  readonly currentSchemaId: number;
  readonly partitionSpecs: readonly PartitionSpec[];
  readonly defaultSpecId: number;
  readonly lastPartitionId: number;
  readonly properties: Readonly<Record<string, string>>;
  readonly currentSnapshotId: bigint | null;
  readonly snapshots: readonly Snapshot[];
  readonly snapshotLog: readonly SnapshotLogEntry[];
  readonly metadataLog: readonly MetadataLogEntry[];
  readonly sortOrders: readonly SortOrder[];
  readonly defaultSortOrderId: number;
  readonly refs: Readonly<Record<string, SnapshotRef>>;
  /**
   * Top-level metadata members floe does not model (e.g. `statistics` written by Spark), kept as
   * parsed JSON so that a floe commit does not drop what other engines wrote.
   */
  readonly extra?: Readonly<Record<string, unknown>>;
}

export type FileFormat = 'PARQUET' | 'AVRO' | 'ORC';

/** A data file as recorded in a manifest (spec "data_file" struct, content=0 only for now). */
export interface DataFile {
  readonly content: 0 | 1 | 2; // data, position deletes, equality deletes
  readonly filePath: string;
  readonly fileFormat: FileFormat;
  /** Partition tuple in spec field order, values in the partition field's result type. */
  readonly partition: readonly Value[];
  readonly recordCount: bigint;
  readonly fileSizeInBytes: bigint;
  readonly columnSizes?: ReadonlyMap<number, bigint>;
  readonly valueCounts?: ReadonlyMap<number, bigint>;
  readonly nullValueCounts?: ReadonlyMap<number, bigint>;
  readonly nanValueCounts?: ReadonlyMap<number, bigint>;
  /** Single-value binary encoding (spec appendix D). */
  readonly lowerBounds?: ReadonlyMap<number, Uint8Array>;
  readonly upperBounds?: ReadonlyMap<number, Uint8Array>;
  readonly splitOffsets?: readonly bigint[];
  readonly sortOrderId?: number;
  /** Which partition spec the tuple belongs to (not stored in the file; implied by the manifest). */
  readonly specId: number;
}

export const ManifestEntryStatus = { EXISTING: 0, ADDED: 1, DELETED: 2 } as const;
export type ManifestEntryStatus = (typeof ManifestEntryStatus)[keyof typeof ManifestEntryStatus];

export interface ManifestEntry {
  readonly status: ManifestEntryStatus;
  /** null when written: inherited from the manifest list entry on read (ADDED entries). */
  readonly snapshotId: bigint | null;
  readonly sequenceNumber: bigint | null;
  readonly fileSequenceNumber: bigint | null;
  readonly dataFile: DataFile;
}

export interface FieldSummary {
  readonly containsNull: boolean;
  readonly containsNan?: boolean;
  readonly lowerBound?: Uint8Array;
  readonly upperBound?: Uint8Array;
}

/** An entry of a manifest list. */
export interface ManifestFile {
  readonly manifestPath: string;
  readonly manifestLength: bigint;
  readonly partitionSpecId: number;
  readonly content: 0 | 1; // data, deletes
  readonly sequenceNumber: bigint;
  readonly minSequenceNumber: bigint;
  readonly addedSnapshotId: bigint;
  readonly addedFilesCount: number;
  readonly existingFilesCount: number;
  readonly deletedFilesCount: number;
  readonly addedRowsCount: bigint;
  readonly existingRowsCount: bigint;
  readonly deletedRowsCount: bigint;
  readonly partitions?: readonly FieldSummary[];
  readonly keyMetadata?: Uint8Array;
}
