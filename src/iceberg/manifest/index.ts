/**
 * Manifests and manifest lists (Avro, deflate) for format v2. OWNER: manifest helper.
 * Stub signatures agreed by all modules.
 */
import type { FileIO } from '../io/fileio.js';
import type { ManifestEntry, ManifestFile, PartitionSpec } from '../spec/model.js';
import type { Schema } from '../spec/schema.js';

export interface ManifestWriteOptions {
  schema: Schema;
  spec: PartitionSpec;
  /** The snapshot that adds this manifest. */
  snapshotId: bigint;
  /** 'data' only for now. */
  content?: 0;
}

/**
 * Writes a manifest file. ADDED entries are written with null snapshot id and sequence numbers
 * (inherited on read from the manifest list), so the manifest can be reused across commit retries.
 * Returns the manifest-list entry; its sequenceNumber/minSequenceNumber are -1n ("unassigned")
 * until writeManifestList assigns the snapshot's sequence number.
 */
export async function writeManifest(
  _io: FileIO,
  _path: string,
  _options: ManifestWriteOptions,
  _entries: readonly ManifestEntry[],
): Promise<ManifestFile> {
  throw new Error('not implemented');
}

/** Reads a manifest; null snapshot ids / sequence numbers are inherited from `manifest`. */
export async function readManifest(_io: FileIO, _manifest: ManifestFile): Promise<ManifestEntry[]> {
  throw new Error('not implemented');
}

export interface ManifestListWriteOptions {
  snapshotId: bigint;
  parentSnapshotId: bigint | null;
  sequenceNumber: bigint;
}

/** Writes a manifest list; entries with sequenceNumber -1n get `sequenceNumber`. */
export async function writeManifestList(
  _io: FileIO,
  _path: string,
  _options: ManifestListWriteOptions,
  _manifests: readonly ManifestFile[],
): Promise<void> {
  throw new Error('not implemented');
}

export async function readManifestList(_io: FileIO, _path: string): Promise<ManifestFile[]> {
  throw new Error('not implemented');
}
