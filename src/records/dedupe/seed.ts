/**
 * Rebuilding a dedupe window after a restart from the table itself: the key columns of the rows
 * the most recent snapshots added. The consumer resumes after its committed positions and re-reads
 * nothing committed, so without seeding only duplicates that straddle the restart slip through;
 * seeding closes that gap for the rows it loads.
 *
 * Cost: per snapshot walked, one manifest list and the manifests that snapshot added, then only the
 * key column chunks of its data files (projection by field id). With a 10 s commit interval and a
 * window of 1M keys at 10k rows/s that is ~100 snapshots — a few hundred small reads at start.
 *
 * Layering note: this reads manifests and Parquet, so it imports src/iceberg beyond spec/batch;
 * the composition (consumer) may move it under src/consumer without changes.
 */
import { readManifest, readManifestList } from '../../iceberg/manifest/index.js';
import type { FileIO } from '../../iceberg/io/fileio.js';
import { ManifestEntryStatus, type Snapshot, type TableMetadata } from '../../iceberg/spec/model.js';
import type { ColumnBatch } from '../../iceberg/writer/batch.js';
import { readDataFile } from '../../iceberg/writer/index.js';
import type { DedupeWindow } from './window.js';

export interface SeedOptions {
  readonly io: FileIO;
  readonly metadata: TableMetadata;
  /** Stop after this many rows (default: the window's maxKeys). */
  readonly maxRows?: number;
  /** Ignore snapshots older than this, relative to `nowMs` (default: the window's maxAgeMs). */
  readonly maxAgeMs?: number;
  readonly nowMs?: number;
}

export interface SeedReport {
  readonly snapshots: number;
  readonly rows: number;
}

/**
 * Walks the current snapshot's ancestry newest first, collecting the key columns of the rows each
 * snapshot added until `maxRows`, then seeds the window oldest first, each snapshot at its commit
 * time (so age eviction treats seeded keys like live ones).
 */
export async function seedFromTable(window: DedupeWindow, options: SeedOptions): Promise<SeedReport> {
  const { io, metadata } = options;
  const maxRows = options.maxRows ?? window.maxKeys;
  const maxAgeMs = options.maxAgeMs ?? window.maxAgeMs;
  const now = options.nowMs ?? Date.now();
  const byId = new Map(metadata.snapshots.map((s) => [s.snapshotId, s]));
  const schema = metadata.schemas.find((s) => s.schemaId === metadata.currentSchemaId);
  if (!schema) return { snapshots: 0, rows: 0 };
  const keyIds = window.fields.map((f) => f.id);
  const headId = metadata.refs['main']?.snapshotId ?? metadata.currentSnapshotId;
  const collected: { snapshot: Snapshot; batches: ColumnBatch[] }[] = [];
  let rows = 0;
  let snapshot = headId === null || headId === undefined ? undefined : byId.get(headId);
  while (snapshot && rows < maxRows) {
    if (maxAgeMs !== undefined && snapshot.timestampMs < now - maxAgeMs) break;
    const batches: ColumnBatch[] = [];
    for (const manifest of await readManifestList(io, snapshot.manifestList)) {
      if (manifest.content !== 0 || manifest.addedSnapshotId !== snapshot.snapshotId) continue;
      for (const entry of await readManifest(io, manifest)) {
        if (entry.status !== ManifestEntryStatus.ADDED || entry.snapshotId !== snapshot.snapshotId) continue;
        for await (const batch of readDataFile(io, entry.dataFile.filePath, schema, keyIds)) {
          batches.push(batch);
          rows += batch.rowCount;
        }
      }
    }
    collected.push({ snapshot, batches });
    snapshot = snapshot.parentSnapshotId === undefined ? undefined : byId.get(snapshot.parentSnapshotId);
  }
  for (let i = collected.length - 1; i >= 0; i--) {
    const { snapshot: s, batches } = collected[i] as { snapshot: Snapshot; batches: ColumnBatch[] };
    for (const b of batches) window.seed(b, { nowMs: s.timestampMs });
  }
  return { snapshots: collected.length, rows };
}
