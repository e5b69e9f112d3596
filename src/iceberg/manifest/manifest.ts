/**
 * Manifest files (v2): encoding entries with the header keys engines require, and decoding
 * manifests from any writer (projection by field id) with sequence-number inheritance.
 */
import { FloeError } from '../../errors.js';
import {
  fromAvroValue,
  parseAvroSchema,
  readAvroContainer,
  toAvroValue,
  writeAvroContainer,
  type AvroWriteOptions,
} from '../avro/index.js';
import {
  ManifestEntryStatus,
  type DataFile,
  type FileFormat,
  type ManifestEntry,
  type ManifestFile,
  type PartitionSpec,
} from '../spec/model.js';
import { partitionSpecFromJson, partitionSpecToJson, partitionType } from '../spec/partition.js';
import { Schema } from '../spec/schema.js';
import type { StructType, Value } from '../spec/types.js';
import { manifestAvroSchemaFor, manifestEntryType } from './schemas.js';
import { partitionFieldSummaries } from './summary.js';

/** Sequence numbers not yet known: writeManifestList replaces them with the snapshot's. */
export const UNASSIGNED_SEQUENCE_NUMBER = -1n;

export interface EncodeManifestOptions {
  schema: Schema;
  spec: PartitionSpec;
  snapshotId: bigint;
  /** Passed to the Avro container writer (codec, sync marker, …). Default deflate. */
  avro?: Pick<AvroWriteOptions, 'codec' | 'syncMarker' | 'deflateLevel'>;
}

type Struct = { [name: string]: Value };

function dataFileValue(file: DataFile, partition: StructType): Struct {
  if (file.partition.length !== partition.fields.length) {
    throw new FloeError(
      'internal',
      `data file ${file.filePath} has ${file.partition.length} partition values, the spec has ${partition.fields.length} fields`,
    );
  }
  const tuple: Struct = {};
  partition.fields.forEach((f, i) => (tuple[f.name] = file.partition[i] ?? null));
  const map = <V extends Value>(m: ReadonlyMap<number, V> | undefined): Value =>
    m ? new Map<Value, Value>(m) : null;
  return {
    content: file.content,
    file_path: file.filePath,
    file_format: file.fileFormat,
    partition: tuple,
    record_count: file.recordCount,
    file_size_in_bytes: file.fileSizeInBytes,
    column_sizes: map(file.columnSizes),
    value_counts: map(file.valueCounts),
    null_value_counts: map(file.nullValueCounts),
    nan_value_counts: map(file.nanValueCounts),
    lower_bounds: map(file.lowerBounds),
    upper_bounds: map(file.upperBounds),
    key_metadata: null,
    split_offsets: file.splitOffsets ? [...file.splitOffsets] : null,
    equality_ids: null,
    sort_order_id: file.sortOrderId ?? null,
  };
}

function entryValue(entry: ManifestEntry, partition: StructType, snapshotId: bigint): Struct {
  const added = entry.status === ManifestEntryStatus.ADDED;
  if (
    !added &&
    (entry.sequenceNumber === null || entry.fileSequenceNumber === null || entry.snapshotId === null)
  ) {
    // The spec: only ADDED entries inherit; EXISTING/DELETED carry their numbers explicitly.
    throw new FloeError(
      'internal',
      `manifest entry for ${entry.dataFile.filePath} has status ${entry.status} but no snapshot id / sequence numbers`,
    );
  }
  return {
    status: entry.status,
    // ADDED entries: the snapshot id is written, as Java and PyIceberg do (readers that do not
    // implement inheritance still see it); the sequence numbers stay null and are inherited from
    // the manifest-list entry, so the same file stays valid when a retry gets a new number.
    snapshot_id: added ? snapshotId : entry.snapshotId,
    sequence_number: added ? null : entry.sequenceNumber,
    file_sequence_number: added ? null : entry.fileSequenceNumber,
    data_file: dataFileValue(entry.dataFile, partition),
  };
}

/** The manifest header keys the v2 spec requires. */
export function manifestMetadata(schema: Schema, spec: PartitionSpec): Record<string, string> {
  return {
    schema: JSON.stringify(schema.toJson()),
    'schema-id': String(schema.schemaId),
    'partition-spec': JSON.stringify(partitionSpecToJson(spec).fields),
    'partition-spec-id': String(spec.specId),
    'format-version': '2',
    content: 'data',
  };
}

/**
 * Encodes a manifest. Returns the file bytes and its manifest-list entry (sequence numbers
 * UNASSIGNED unless every entry carries one: see writeManifest in index.ts).
 */
export function encodeManifest(
  path: string,
  options: EncodeManifestOptions,
  entries: readonly ManifestEntry[],
): { bytes: Uint8Array; manifest: ManifestFile } {
  const { schema, spec } = options;
  const partition = partitionType(spec, schema);
  const entryType = manifestEntryType(partition);
  const bytes = writeAvroContainer(
    manifestAvroSchemaFor(partition),
    entries.map((e) => toAvroValue(entryType, entryValue(e, partition, options.snapshotId))),
    { ...options.avro, metadata: manifestMetadata(schema, spec) },
  );

  let added = 0;
  let existing = 0;
  let deleted = 0;
  let addedRows = 0n;
  let existingRows = 0n;
  let deletedRows = 0n;
  let minSeq: bigint | null = null;
  for (const e of entries) {
    const rows = e.dataFile.recordCount;
    if (e.status === ManifestEntryStatus.ADDED) {
      added++;
      addedRows += rows;
    } else {
      if (e.status === ManifestEntryStatus.EXISTING) {
        existing++;
        existingRows += rows;
      } else {
        deleted++;
        deletedRows += rows;
      }
      // ADDED entries get the snapshot's (new, hence largest) sequence number; only explicit ones can be lower.
      if (e.sequenceNumber !== null && (minSeq === null || e.sequenceNumber < minSeq))
        minSeq = e.sequenceNumber;
    }
  }
  const manifest: ManifestFile = {
    manifestPath: path,
    manifestLength: BigInt(bytes.length),
    partitionSpecId: spec.specId,
    content: 0,
    sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER,
    minSequenceNumber: minSeq ?? UNASSIGNED_SEQUENCE_NUMBER,
    addedSnapshotId: options.snapshotId,
    addedFilesCount: added,
    existingFilesCount: existing,
    deletedFilesCount: deleted,
    addedRowsCount: addedRows,
    existingRowsCount: existingRows,
    deletedRowsCount: deletedRows,
    partitions: partitionFieldSummaries(
      partition,
      entries.map((e) => e.dataFile.partition),
    ),
  };
  return { bytes, manifest };
}

export interface DecodedManifest {
  /** Header metadata as text (schema, schema-id, partition-spec, partition-spec-id, format-version, content, avro.*). */
  readonly metadata: Readonly<Record<string, string>>;
  /** The writer's Avro schema JSON text, exactly as stored. */
  readonly avroSchema: string;
  readonly schema: Schema;
  readonly spec: PartitionSpec;
  readonly entries: ManifestEntry[];
}

const FORMATS: ReadonlySet<string> = new Set<FileFormat>(['PARQUET', 'AVRO', 'ORC']);

function parseJsonMeta(metadata: Readonly<Record<string, string>>, key: string): unknown {
  const text = metadata[key];
  if (text === undefined) throw new FloeError('invalid-metadata', `manifest has no "${key}" metadata`);
  try {
    return JSON.parse(text);
  } catch {
    throw new FloeError('invalid-metadata', `manifest "${key}" metadata is not JSON`);
  }
}

/**
 * Decodes a manifest. `manifest` (its manifest-list entry) supplies inherited values: null
 * snapshot ids take its addedSnapshotId; null sequence numbers of ADDED entries (and of every
 * entry in v1 manifests, whose list sequence number is 0) take its sequenceNumber.
 */
export function decodeManifest(
  bytes: Uint8Array,
  manifest: Pick<ManifestFile, 'addedSnapshotId' | 'sequenceNumber' | 'partitionSpecId' | 'manifestPath'>,
): DecodedManifest {
  const file = readAvroContainer(bytes);
  const md = file.metadata;
  const schema = Schema.fromJson(parseJsonMeta(md, 'schema'));
  const specId =
    md['partition-spec-id'] !== undefined ? Number(md['partition-spec-id']) : manifest.partitionSpecId;
  const specJson = parseJsonMeta(md, 'partition-spec');
  // v1 writers may store the whole spec object rather than only its fields.
  const fields = Array.isArray(specJson) ? specJson : (specJson as { fields?: unknown }).fields;
  const spec = partitionSpecFromJson({ 'spec-id': specId, fields });
  const partition = partitionType(spec, schema);
  const entryType = manifestEntryType(partition);
  const writer = parseAvroSchema(file.schema);

  const seq = manifest.sequenceNumber;
  const canInherit = seq !== UNASSIGNED_SEQUENCE_NUMBER;
  const entries = file.records.map((rec): ManifestEntry => {
    const e = fromAvroValue(entryType, writer, rec) as Struct;
    const df = e.data_file as Struct | null;
    if (!df) throw new FloeError('invalid-metadata', `${manifest.manifestPath}: entry without data_file`);
    const status = e.status as number;
    if (status !== 0 && status !== 1 && status !== 2) {
      throw new FloeError('invalid-metadata', `${manifest.manifestPath}: bad entry status ${status}`);
    }
    const inheritSeq = canInherit && (status === ManifestEntryStatus.ADDED || seq === 0n);
    return {
      status,
      snapshotId: (e.snapshot_id as bigint | null) ?? manifest.addedSnapshotId,
      sequenceNumber: (e.sequence_number as bigint | null) ?? (inheritSeq ? seq : null),
      fileSequenceNumber: (e.file_sequence_number as bigint | null) ?? (inheritSeq ? seq : null),
      dataFile: toDataFile(df, partition, spec.specId, manifest.manifestPath),
    };
  });
  return { metadata: md, avroSchema: file.schemaText, schema, spec, entries };
}

function toDataFile(df: Struct, partition: StructType, specId: number, where: string): DataFile {
  const format = String(df.file_format ?? '').toUpperCase();
  if (!FORMATS.has(format))
    throw new FloeError('invalid-metadata', `${where}: unknown file format "${String(df.file_format)}"`);
  const tuple = (df.partition as Struct | null) ?? {};
  const file: {
    -readonly [K in keyof DataFile]: DataFile[K];
  } = {
    content: ((df.content as number | null) ?? 0) as DataFile['content'],
    filePath: df.file_path as string,
    fileFormat: format as FileFormat,
    partition: partition.fields.map((f) => tuple[f.name] ?? null),
    recordCount: df.record_count as bigint,
    fileSizeInBytes: df.file_size_in_bytes as bigint,
    specId,
  };
  const counts = (v: Value): ReadonlyMap<number, bigint> | undefined =>
    v instanceof Map ? (v as Map<number, bigint>) : undefined;
  const bounds = (v: Value): ReadonlyMap<number, Uint8Array> | undefined =>
    v instanceof Map ? (v as Map<number, Uint8Array>) : undefined;
  const set = <K extends keyof DataFile>(key: K, v: DataFile[K] | undefined): void => {
    if (v !== undefined) file[key] = v;
  };
  set('columnSizes', counts(df.column_sizes!));
  set('valueCounts', counts(df.value_counts!));
  set('nullValueCounts', counts(df.null_value_counts!));
  set('nanValueCounts', counts(df.nan_value_counts!));
  set('lowerBounds', bounds(df.lower_bounds!));
  set('upperBounds', bounds(df.upper_bounds!));
  if (Array.isArray(df.split_offsets)) file.splitOffsets = df.split_offsets as bigint[];
  if (typeof df.sort_order_id === 'number') file.sortOrderId = df.sort_order_id;
  return file;
}
