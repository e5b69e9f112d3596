/**
 * Dead letters: every rejected record, with its reasons, exactly once across crashes.
 *
 * Protocol (the consumer's side):
 *   const snapshotId = newSnapshotId();                       // src/iceberg/table/ids.ts
 *   await writeDeadLetters({ io, location, table, snapshotId, records: rejected });   // BEFORE the commit
 *   await commitAppend({ catalog, table, files, snapshotId, summary });  // same id for every retry of this batch
 *   await markCommitted({ io, location, table, snapshotId }).catch(log); // optional, seals against expiry
 *
 * Why this is exactly once: the dead letters of a batch and its rows become visible in the same
 * atomic step, the commit of snapshot `snapshotId`, because a dead-letter file counts only if
 * that snapshot is committed (listed in the table metadata, or sealed by a `_committed/` marker).
 *  - Crash before the commit: the file is an orphan, not counted; its records were not committed
 *    and the consumer re-reads them from the committed positions, writing them again under a new
 *    snapshot id. Nothing lost, nothing doubled. reconcileDeadLetters deletes the orphan later.
 *  - Crash after the commit: the file counts; the records are at or below the committed positions,
 *    so they are never read again. Counted once.
 *  - Commit outcome unknown: the table decides. Whichever way it went, data and dead letters agree.
 *
 * Readers: committedDeadLetters / readCommittedDeadLetters / replayDeadLetters. Housekeeping:
 * reconcileDeadLetters (seal committed files, delete old orphans).
 */
export {
  toDeadLetter,
  payloadOf,
  encodeDeadLetters,
  decodeDeadLetters,
  type DeadLetter,
  type RejectedRecord,
} from './format.js';
export { deadLetterDir, deadLetterPath, markerPath, tableName, MARKER_DIR } from './paths.js';
export {
  writeDeadLetters,
  markCommitted,
  discardDeadLetters,
  type WriteDeadLettersOptions,
  type WrittenDeadLetters,
  type MarkOptions,
} from './writer.js';
export {
  listDeadLetterFiles,
  committedDeadLetters,
  readDeadLetterFile,
  readCommittedDeadLetters,
  type DeadLetterFile,
  type DeadLetterListing,
  type ListOptions,
} from './reader.js';
export {
  reconcileDeadLetters,
  DEFAULT_ORPHAN_GRACE_MS,
  type ReconcileOptions,
  type ReconcileReport,
} from './cleanup.js';
export {
  replayDeadLetters,
  matchesFilter,
  ReplayLedger,
  type ReplayFilter,
  type ReplayOptions,
  type ReplayRecord,
} from './replay.js';
