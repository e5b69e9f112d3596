/**
 * Reconciling a table's dead-letter directory with its metadata: seal committed files with a
 * marker, delete orphans (files of commits that never happened), and report what cannot be
 * decided. Safe to run from any replica at any time, e.g. at consumer start and every N commits.
 *
 * An uncommitted file is deleted only when ALL hold:
 *  - it is older than `graceMs` (default 24 h): a younger file may belong to a commit that is
 *    still in flight, in this or another replica (commits are retried with the same snapshot id);
 *  - it was written after the oldest snapshot still in the metadata: its snapshot, had it been
 *    committed, would then still be listed (expiry removes the oldest snapshots first). An older
 *    unmarked file may belong to a commit whose snapshot was expired before anyone sealed it; it
 *    is kept and reported as `undecidable` rather than risk deleting committed dead letters.
 */
import type { TableIdentifier } from '../../iceberg/catalog.js';
import type { FileIO } from '../../iceberg/io/fileio.js';
import type { TableMetadata } from '../../iceberg/spec/model.js';
import { listDeadLetterFiles, type DeadLetterFile } from './reader.js';
import { markCommitted } from './writer.js';

export const DEFAULT_ORPHAN_GRACE_MS = 24 * 60 * 60 * 1000;

export interface ReconcileOptions {
  readonly io: FileIO;
  readonly location: string;
  readonly table: TableIdentifier | string;
  /** Load it right before calling: a stale metadata makes fresh commits look uncommitted (grace covers that). */
  readonly metadata: TableMetadata;
  readonly graceMs?: number;
  readonly nowMs?: number;
  /** Report only; write and delete nothing. */
  readonly dryRun?: boolean;
}

export interface ReconcileReport {
  /** Committed files that got their marker now. */
  readonly sealed: readonly string[];
  /** Orphans deleted. */
  readonly deleted: readonly string[];
  /** Uncommitted files younger than the grace period (maybe in flight): kept. */
  readonly pending: readonly string[];
  /** Uncommitted, unmarked files older than every snapshot in the metadata: kept, need a human. */
  readonly undecidable: readonly string[];
}

export async function reconcileDeadLetters(options: ReconcileOptions): Promise<ReconcileReport> {
  const { io, metadata } = options;
  const listing = await listDeadLetterFiles(options);
  const now = options.nowMs ?? Date.now();
  const grace = options.graceMs ?? DEFAULT_ORPHAN_GRACE_MS;
  let oldestSnapshotMs = Infinity;
  for (const s of metadata.snapshots) oldestSnapshotMs = Math.min(oldestSnapshotMs, s.timestampMs);
  const sealed: string[] = [];
  const deleted: string[] = [];
  const pending: string[] = [];
  const undecidable: string[] = [];
  for (const f of listing.committed) {
    if (f.marked) continue;
    if (!options.dryRun)
      await markCommitted({ io, location: options.location, table: options.table, snapshotId: f.snapshotId });
    sealed.push(f.path);
  }
  for (const f of listing.uncommitted) {
    const written = writtenMs(f);
    if (written === undefined || now - written < grace) pending.push(f.path);
    else if (oldestSnapshotMs !== Infinity && written < oldestSnapshotMs) undecidable.push(f.path);
    else {
      if (!options.dryRun) await io.delete(f.path);
      deleted.push(f.path);
    }
  }
  return { sealed, deleted, pending, undecidable };
}

function writtenMs(f: DeadLetterFile): number | undefined {
  // Without a modification time the age is unknown: treat it as young (never delete blindly).
  return f.lastModifiedMs;
}
