/**
 * Writing a commit's dead letters. The protocol (see index.ts for the whole of it):
 *   1. choose the snapshot id of the next commit;
 *   2. writeDeadLetters(...) — BEFORE the commit;
 *   3. commit the snapshot with that id (every retry of this batch keeps the id);
 *   4. markCommitted(...) — after the commit succeeded; best effort (reconcile does it otherwise).
 */
import type { TableIdentifier } from '../../iceberg/catalog.js';
import type { FileIO } from '../../iceberg/io/fileio.js';
import { encodeDeadLetters, toDeadLetter, type DeadLetter, type RejectedRecord } from './format.js';
import { deadLetterPath, markerPath, tableName } from './paths.js';

export interface WriteDeadLettersOptions {
  readonly io: FileIO;
  /** Dead-letter root: a local directory, file:// or s3:// prefix. */
  readonly location: string;
  readonly table: TableIdentifier | string;
  /** The id of the snapshot the coming commit will create. */
  readonly snapshotId: bigint;
  readonly records: readonly RejectedRecord[];
  /** Rejection time written into every line (default now). */
  readonly time?: Date;
}

export interface WrittenDeadLetters {
  /** The file written, or undefined when there were no records (no empty files). */
  readonly path: string | undefined;
  readonly letters: readonly DeadLetter[];
}

/**
 * Writes the file `<location>/<table>/<snapshotId>.ndjson` in one atomic put. Writing the same
 * snapshot id again replaces the file, so a retry may simply write again.
 */
export async function writeDeadLetters(options: WriteDeadLettersOptions): Promise<WrittenDeadLetters> {
  if (options.records.length === 0) return { path: undefined, letters: [] };
  const context = {
    table: tableName(options.table),
    snapshotId: options.snapshotId,
    time: options.time ?? new Date(),
  };
  const letters = options.records.map((r) => toDeadLetter(r, context));
  const path = deadLetterPath(options.location, options.table, options.snapshotId);
  await options.io.write(path, encodeDeadLetters(letters), { contentType: 'application/x-ndjson' });
  return { path, letters };
}

export interface MarkOptions {
  readonly io: FileIO;
  readonly location: string;
  readonly table: TableIdentifier | string;
  readonly snapshotId: bigint;
}

/**
 * Records that the snapshot was committed, so its dead letters still count after the snapshot is
 * expired from the table metadata. Call only after the commit succeeded.
 */
export async function markCommitted(options: MarkOptions): Promise<void> {
  await options.io.write(markerPath(options.location, options.table, options.snapshotId), new Uint8Array(0));
}

/**
 * Deletes the dead-letter file of a snapshot id that will never be committed (the consumer gave up
 * on the batch after a DEFINITE failure and will re-read its records). Optional: the reader ignores
 * such a file anyway and reconcile deletes it later. Never call it after an unknown outcome.
 */
export async function discardDeadLetters(options: MarkOptions): Promise<void> {
  await options.io.delete(deadLetterPath(options.location, options.table, options.snapshotId));
}
