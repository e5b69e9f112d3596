/** Manifest lists (v2): one per snapshot, listing its manifests with counts and partition summaries. */
import { FloeError } from '../../errors.js';
import {
  fromAvroValue,
  parseAvroSchema,
  readAvroContainer,
  toAvroValue,
  writeAvroContainer,
  type AvroWriteOptions,
} from '../avro/index.js';
import type { FieldSummary, ManifestFile } from '../spec/model.js';
import type { Value } from '../spec/types.js';
import { UNASSIGNED_SEQUENCE_NUMBER } from './manifest.js';
import { MANIFEST_FILE_TYPE, manifestListAvroSchema } from './schemas.js';

export interface EncodeManifestListOptions {
  snapshotId: bigint;
  parentSnapshotId: bigint | null;
  sequenceNumber: bigint;
  avro?: Pick<AvroWriteOptions, 'codec' | 'syncMarker' | 'deflateLevel'>;
}

type Struct = { [name: string]: Value };

/**
 * Gives manifests added by this snapshot the snapshot's sequence number. A manifest with an
 * unassigned number from another snapshot is a bug upstream: its entries would inherit the
 * wrong sequence number, so refuse rather than guess (Java does the same).
 */
export function assignSequenceNumbers(
  manifests: readonly ManifestFile[],
  snapshotId: bigint,
  sequenceNumber: bigint,
): ManifestFile[] {
  return manifests.map((m) => {
    const seqUnassigned = m.sequenceNumber === UNASSIGNED_SEQUENCE_NUMBER;
    const minUnassigned = m.minSequenceNumber === UNASSIGNED_SEQUENCE_NUMBER;
    if (!seqUnassigned && !minUnassigned) return m;
    if (seqUnassigned && m.addedSnapshotId !== snapshotId) {
      throw new FloeError(
        'internal',
        `manifest ${m.manifestPath} from snapshot ${m.addedSnapshotId} has no sequence number (writing snapshot ${snapshotId})`,
      );
    }
    return {
      ...m,
      sequenceNumber: seqUnassigned ? sequenceNumber : m.sequenceNumber,
      minSequenceNumber: minUnassigned ? sequenceNumber : m.minSequenceNumber,
    };
  });
}

function manifestValue(m: ManifestFile): Struct {
  return {
    manifest_path: m.manifestPath,
    manifest_length: m.manifestLength,
    partition_spec_id: m.partitionSpecId,
    content: m.content,
    sequence_number: m.sequenceNumber,
    min_sequence_number: m.minSequenceNumber,
    added_snapshot_id: m.addedSnapshotId,
    added_files_count: m.addedFilesCount,
    existing_files_count: m.existingFilesCount,
    deleted_files_count: m.deletedFilesCount,
    added_rows_count: m.addedRowsCount,
    existing_rows_count: m.existingRowsCount,
    deleted_rows_count: m.deletedRowsCount,
    partitions: m.partitions
      ? m.partitions.map((p) => ({
          contains_null: p.containsNull,
          contains_nan: p.containsNan ?? null,
          lower_bound: p.lowerBound ?? null,
          upper_bound: p.upperBound ?? null,
        }))
      : null,
    key_metadata: m.keyMetadata ?? null,
  };
}

/** The manifest-list header keys (Java writes these; parent-snapshot-id is "null" for the first snapshot). */
export function manifestListMetadata(options: EncodeManifestListOptions): Record<string, string> {
  return {
    'snapshot-id': String(options.snapshotId),
    'parent-snapshot-id': options.parentSnapshotId === null ? 'null' : String(options.parentSnapshotId),
    'sequence-number': String(options.sequenceNumber),
    'format-version': '2',
  };
}

export function encodeManifestList(
  options: EncodeManifestListOptions,
  manifests: readonly ManifestFile[],
): Uint8Array {
  const assigned = assignSequenceNumbers(manifests, options.snapshotId, options.sequenceNumber);
  return writeAvroContainer(
    manifestListAvroSchema(),
    assigned.map((m) => toAvroValue(MANIFEST_FILE_TYPE, manifestValue(m))),
    { ...options.avro, metadata: manifestListMetadata(options) },
  );
}

export interface DecodedManifestList {
  readonly metadata: Readonly<Record<string, string>>;
  readonly avroSchema: string;
  readonly manifests: ManifestFile[];
}

/** Decodes a manifest list from any writer; v1 lists get content 0 and sequence numbers 0 (spec). */
export function decodeManifestList(bytes: Uint8Array, where = 'manifest list'): DecodedManifestList {
  const file = readAvroContainer(bytes);
  const writer = parseAvroSchema(file.schema);
  const manifests = file.records.map((rec): ManifestFile => {
    const m = fromAvroValue(MANIFEST_FILE_TYPE, writer, rec) as Struct;
    if (typeof m.manifest_path !== 'string' || typeof m.added_snapshot_id !== 'bigint') {
      throw new FloeError('invalid-metadata', `${where}: entry without manifest_path or added_snapshot_id`);
    }
    const out: { -readonly [K in keyof ManifestFile]: ManifestFile[K] } = {
      manifestPath: m.manifest_path,
      manifestLength: (m.manifest_length as bigint | null) ?? 0n,
      partitionSpecId: (m.partition_spec_id as number | null) ?? 0,
      content: ((m.content as number | null) ?? 0) as 0 | 1,
      sequenceNumber: (m.sequence_number as bigint | null) ?? 0n,
      minSequenceNumber: (m.min_sequence_number as bigint | null) ?? 0n,
      addedSnapshotId: m.added_snapshot_id,
      addedFilesCount: (m.added_files_count as number | null) ?? 0,
      existingFilesCount: (m.existing_files_count as number | null) ?? 0,
      deletedFilesCount: (m.deleted_files_count as number | null) ?? 0,
      addedRowsCount: (m.added_rows_count as bigint | null) ?? 0n,
      existingRowsCount: (m.existing_rows_count as bigint | null) ?? 0n,
      deletedRowsCount: (m.deleted_rows_count as bigint | null) ?? 0n,
    };
    if (Array.isArray(m.partitions)) {
      out.partitions = (m.partitions as Struct[]).map((p) => {
        const s: { -readonly [K in keyof FieldSummary]: FieldSummary[K] } = {
          containsNull: p.contains_null === true,
        };
        if (typeof p.contains_nan === 'boolean') s.containsNan = p.contains_nan;
        if (p.lower_bound instanceof Uint8Array) s.lowerBound = p.lower_bound;
        if (p.upper_bound instanceof Uint8Array) s.upperBound = p.upper_bound;
        return s;
      });
    }
    if (m.key_metadata instanceof Uint8Array) out.keyMetadata = m.key_metadata;
    return out;
  });
  return { metadata: file.metadata, avroSchema: file.schemaText, manifests };
}
