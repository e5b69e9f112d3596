/**
 * Committing an append snapshot with the one retry policy.
 *
 * The data files' manifest is written once and reused by every attempt: its ADDED entries inherit
 * snapshot id and sequence number from the manifest list, so a retry only rebuilds the manifest
 * list (and merged manifests) against the new head. Every attempt uses the same snapshot id, so
 * when an attempt's outcome is unknown the next one can see whether it already applied.
 *
 * Files are deleted only when it is certain they are not referenced: after a definite failure,
 * or when a later attempt committed instead. After an unknown outcome nothing is deleted.
 */
import { FloeError, isFloeError } from '../../errors.js';
import type { Catalog, LoadedTable, TableRequirement, TableUpdate } from '../catalog.js';
import type { FileIO } from '../io/fileio.js';
import { readManifestList, writeManifest, writeManifestList } from '../manifest/index.js';
import type { DataFile, ManifestFile, Snapshot, TableMetadata } from '../spec/model.js';
import { ManifestEntryStatus } from '../spec/model.js';
import { randomUUID } from './ids.js';
import { mergeManifests, mergeSettingsFromProperties } from './merge.js';
import { backoffMs, retryPolicyFromProperties, sleep, type RetryPolicy } from './retry.js';
import { appendSummary } from './summary.js';

export interface AppendCommitOptions {
  readonly catalog: Catalog;
  readonly table: LoadedTable;
  readonly files: readonly DataFile[];
  readonly snapshotId: bigint;
  readonly summary?: Readonly<Record<string, string>>;
  readonly retryPolicy?: RetryPolicy;
  /** Called before each retry with the error that caused it (logging, metrics). */
  readonly onRetry?: (error: FloeError, attempt: number) => void;
}

export interface AppendCommitResult {
  readonly table: LoadedTable;
  readonly snapshot: Snapshot;
  /**
   * The snapshot id was already committed by an earlier call (a retried batch): nothing was
   * appended, and the files passed to this call are referenced by nothing.
   */
  readonly committedEarlier: boolean;
}

export function currentSnapshot(metadata: TableMetadata): Snapshot | undefined {
  const id = metadata.refs['main']?.snapshotId ?? metadata.currentSnapshotId;
  if (id === null || id === undefined) return undefined;
  return metadata.snapshots.find((s) => s.snapshotId === id);
}

export function metadataDir(metadata: TableMetadata): string {
  return `${metadata.location.replace(/\/+$/, '')}/metadata`;
}

export async function commitAppend(options: AppendCommitOptions): Promise<AppendCommitResult> {
  const { catalog, snapshotId, files } = options;
  let loaded = options.table;
  const io = loaded.io;
  const policy = options.retryPolicy ?? retryPolicyFromProperties(loaded.metadata.properties);
  const spec = defaultSpec(loaded.metadata);
  for (const f of files) {
    if (f.specId !== spec.specId) {
      throw new FloeError(
        'internal',
        `data file ${f.filePath} was written for spec ${f.specId}, not the default ${spec.specId}`,
      );
    }
  }

  const newManifests: ManifestFile[] = [];
  if (files.length > 0) {
    const path = `${metadataDir(loaded.metadata)}/${randomUUID()}-m0.avro`;
    newManifests.push(
      await writeManifest(
        io,
        path,
        { schema: currentSchema(loaded.metadata), spec, snapshotId },
        files.map((dataFile) => ({
          status: ManifestEntryStatus.ADDED,
          snapshotId: null,
          sequenceNumber: null,
          fileSequenceNumber: null,
          dataFile,
        })),
      ),
    );
  }

  const uncertain: string[][] = []; // per attempt whose outcome is unknown: its merged manifests and list
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) loaded = await catalog.loadTable(loaded.identifier);
    const applied = loaded.metadata.snapshots.find((s) => s.snapshotId === snapshotId);
    if (applied) {
      // An earlier attempt (or an earlier call for the same batch) whose response was lost did
      // commit: do not append twice.
      await deleteQuietly(io, uncertain.filter((group) => !group.includes(applied.manifestList)).flat());
      const earlier = uncertain.length === 0;
      if (earlier)
        await deleteQuietly(
          io,
          newManifests.map((m) => m.manifestPath),
        );
      return { table: loaded, snapshot: applied, committedEarlier: earlier };
    }
    const attemptFiles: string[] = [];
    try {
      const parent = currentSnapshot(loaded.metadata);
      const parentManifests = parent ? await readManifestList(io, parent.manifestList) : [];
      const dir = metadataDir(loaded.metadata);
      const merged = await mergeManifests(
        {
          io,
          metadata: loaded.metadata,
          snapshotId,
          newManifestPath: () => `${dir}/${randomUUID()}-m${attempt}.avro`,
        },
        newManifests,
        parentManifests,
        mergeSettingsFromProperties(loaded.metadata.properties),
      );
      attemptFiles.push(...merged.written);
      const sequenceNumber = loaded.metadata.lastSequenceNumber + 1n;
      const manifestList = `${dir}/snap-${snapshotId}-${attempt}-${randomUUID()}.avro`;
      attemptFiles.push(manifestList);
      await writeManifestList(
        io,
        manifestList,
        { snapshotId, parentSnapshotId: parent?.snapshotId ?? null, sequenceNumber },
        merged.manifests,
      );
      const snapshot: Snapshot = {
        snapshotId,
        ...(parent ? { parentSnapshotId: parent.snapshotId } : {}),
        sequenceNumber,
        timestampMs: Math.max(Date.now(), loaded.metadata.lastUpdatedMs),
        manifestList,
        summary: appendSummary(parent?.summary, files, options.summary),
        schemaId: loaded.metadata.currentSchemaId,
      };
      const requirements: TableRequirement[] = [
        { type: 'assert-table-uuid', uuid: loaded.metadata.tableUuid },
        { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: parent?.snapshotId ?? null },
      ];
      const updates: TableUpdate[] = [
        { action: 'add-snapshot', snapshot },
        { action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId },
      ];
      const committed = await catalog.commitTable({ identifier: loaded.identifier, requirements, updates });
      await deleteQuietly(io, uncertain.flat());
      return { table: committed, snapshot, committedEarlier: false };
    } catch (err) {
      const error = isFloeError(err)
        ? err
        : new FloeError('commit-state-unknown', `commit failed: ${(err as Error).message}`, { cause: err });
      const definite = error.kind !== 'commit-state-unknown';
      if (definite) await deleteQuietly(io, attemptFiles);
      else uncertain.push(attemptFiles);
      const retryable =
        error.kind === 'commit-conflict' || error.kind === 'commit-state-unknown' || error.retryable;
      if (!retryable || attempt > policy.retries) {
        if (definite && uncertain.length === 0)
          await deleteQuietly(
            io,
            newManifests.map((m) => m.manifestPath),
          );
        throw error;
      }
      options.onRetry?.(error, attempt);
      await sleep(backoffMs(policy, attempt));
    }
  }
}

export function defaultSpec(metadata: TableMetadata) {
  const spec = metadata.partitionSpecs.find((s) => s.specId === metadata.defaultSpecId);
  if (!spec)
    throw new FloeError('invalid-metadata', `default partition spec ${metadata.defaultSpecId} is missing`);
  return spec;
}

export function currentSchema(metadata: TableMetadata) {
  const schema = metadata.schemas.find((s) => s.schemaId === metadata.currentSchemaId);
  if (!schema)
    throw new FloeError('invalid-metadata', `current schema ${metadata.currentSchemaId} is missing`);
  return schema;
}

async function deleteQuietly(io: FileIO, paths: readonly string[]): Promise<void> {
  // Orphans cost storage, not correctness: a failed cleanup must not fail a commit.
  await Promise.all(paths.map((p) => io.delete(p).catch(() => undefined)));
}
