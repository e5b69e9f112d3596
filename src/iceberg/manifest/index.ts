/**
 * Manifests and manifest lists (Avro, deflate) for format v2. OWNER: manifest helper.
 * Stub signatures agreed by all modules.
 *
 * The FileIO functions below are thin wrappers; the encode/decode functions work on bytes (tests, tools),
 * and manifestAvroSchema / manifestListAvroSchema return the exact schema JSON we embed.
 */
import type { FileIO } from '../io/fileio.js';
import type { ManifestEntry, ManifestFile, PartitionSpec } from '../spec/model.js';
import type { Schema } from '../spec/schema.js';
import { decodeManifestList, encodeManifestList } from './list.js';
import { decodeManifest, encodeManifest } from './manifest.js';

export {
  assignSequenceNumbers,
  decodeManifestList,
  encodeManifestList,
  manifestListMetadata,
  type DecodedManifestList,
  type EncodeManifestListOptions,
} from './list.js';
export {
  decodeManifest,
  encodeManifest,
  manifestMetadata,
  UNASSIGNED_SEQUENCE_NUMBER,
  type DecodedManifest,
  type EncodeManifestOptions,
} from './manifest.js';
export {
  dataFileType,
  MANIFEST_FILE_TYPE,
  manifestAvroSchema,
  manifestAvroSchemaFor,
  manifestEntryType,
  manifestListAvroSchema,
} from './schemas.js';
export { partitionFieldSummaries } from './summary.js';

export interface ManifestWriteOptions {
  schema: Schema;
  spec: PartitionSpec;
  /** The snapshot that adds this manifest. */
  snapshotId: bigint;
  /** 'data' only for now. */
  content?: 0;
}

/**
 * Writes a manifest file. ADDED entries are written with null sequence numbers (inherited on read
 * from the manifest list), so the manifest can be reused across commit retries; their snapshot id
 * is written explicitly as `options.snapshotId` (as Java and PyIceberg do; retries keep the
 * snapshot id, so this stays valid).
 * Returns the manifest-list entry; its sequenceNumber/minSequenceNumber are -1n ("unassigned")
 * until writeManifestList assigns the snapshot's sequence number.
 *
 * (minSequenceNumber is already set when the manifest holds EXISTING/DELETED entries: it is the
 * smallest of their explicit data sequence numbers, as in Java.)
 */
export async function writeManifest(
  io: FileIO,
  path: string,
  options: ManifestWriteOptions,
  entries: readonly ManifestEntry[],
): Promise<ManifestFile> {
  const { bytes, manifest } = encodeManifest(path, options, entries);
  await io.write(path, bytes);
  return manifest;
}

/** Reads a manifest; null snapshot ids / sequence numbers are inherited from `manifest`. */
export async function readManifest(io: FileIO, manifest: ManifestFile): Promise<ManifestEntry[]> {
  return decodeManifest(await io.read(manifest.manifestPath), manifest).entries;
}

export interface ManifestListWriteOptions {
  snapshotId: bigint;
  parentSnapshotId: bigint | null;
  sequenceNumber: bigint;
}

/** Writes a manifest list; entries with sequenceNumber -1n get `sequenceNumber`. */
export async function writeManifestList(
  io: FileIO,
  path: string,
  options: ManifestListWriteOptions,
  manifests: readonly ManifestFile[],
): Promise<void> {
  await io.write(path, encodeManifestList(options, manifests));
}

export async function readManifestList(io: FileIO, path: string): Promise<ManifestFile[]> {
  return decodeManifestList(await io.read(path), path).manifests;
}
