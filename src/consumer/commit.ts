/**
 * One flush's commit: data files + the cumulative shard positions, exactly once.
 *
 * Why not Table.appendFiles' own retries: it computes the snapshot summary once, so a retry after
 * a conflict would carry the positions merged against the OLD head and drop whatever a concurrent
 * writer advanced. The table layer (commitAppend) is therefore called with no retries, and this
 * loop re-reads the head and re-merges the positions on every attempt, with the same policy
 * (3 retries, backoff). Hook that would remove this loop: `summary` as a function of the parent
 * snapshot, evaluated by commitAppend per attempt.
 *
 * Every attempt of a flush uses the SAME snapshot id, chosen by the caller before anything is
 * written (dead-letter files are named by it). After an attempt whose outcome is unknown, the loop
 * sees whether it landed by looking that snapshot id up: a lost response never appends twice, and
 * a later retry of the same flush (after the table was unreachable for a while) does the same.
 */
import { FloeError, isFloeError } from '../errors.js';
import type { Catalog, LoadedTable } from '../iceberg/catalog.js';
import type { DataFile, Snapshot } from '../iceberg/spec/model.js';
import { commitAppend, currentSnapshot } from '../iceberg/table/append.js';
import { backoffMs, DEFAULT_RETRY_POLICY, sleep, type RetryPolicy } from '../iceberg/table/retry.js';
import { positionSummary, positionsFromSummary, type Checkpoint, type Positions } from './position.js';

export interface PositionCommit {
  readonly catalog: Catalog;
  /** The table as last seen; reloaded on every retry. */
  readonly table: LoadedTable;
  readonly stream: string;
  readonly files: readonly DataFile[];
  /** This flush's shard checkpoints (merged with the head's on every attempt). */
  readonly advance: Positions;
  readonly snapshotId: bigint;
  /** More summary properties (counts of rejected records, dead-letter file, …). */
  readonly extra?: Readonly<Record<string, string>>;
  readonly retryPolicy?: RetryPolicy;
  readonly onRetry?: (error: FloeError, attempt: number) => void;
}

export interface PositionCommitResult {
  readonly snapshot: Snapshot;
  /** The table after the commit. */
  readonly table: LoadedTable;
  /** The stream's positions as committed (this flush merged into the head it committed on). */
  readonly positions: Map<string, Checkpoint>;
  readonly attempts: number;
}

const NO_RETRY: RetryPolicy = { retries: 0, minWaitMs: 0, maxWaitMs: 0 };

export async function commitWithPositions(c: PositionCommit): Promise<PositionCommitResult> {
  const policy = c.retryPolicy ?? DEFAULT_RETRY_POLICY;
  let table = c.table;
  const landed = (attempts: number): PositionCommitResult | undefined => {
    const s = table.metadata.snapshots.find((x) => x.snapshotId === c.snapshotId);
    return s
      ? { snapshot: s, table, positions: positionsFromSummary(s.summary, c.stream), attempts }
      : undefined;
  };
  for (let attempt = 1; ; attempt++) {
    if (attempt > 1) table = await c.catalog.loadTable(table.identifier);
    // Also on the first attempt: a flush retried later (after an unknown outcome) keeps its snapshot id.
    const already = landed(attempt - 1);
    if (already) return already;
    const head = currentSnapshot(table.metadata);
    const { summary, positions } = positionSummary(head?.summary, c.stream, c.advance);
    try {
      const result = await commitAppend({
        catalog: c.catalog,
        table,
        files: c.files,
        snapshotId: c.snapshotId,
        summary: { ...c.extra, ...summary },
        retryPolicy: NO_RETRY,
      });
      return { snapshot: result.snapshot, table: result.table, positions, attempts: attempt };
    } catch (err) {
      const error = isFloeError(err)
        ? err
        : new FloeError('commit-state-unknown', `commit failed: ${(err as Error).message}`, { cause: err });
      const retryable =
        error.kind === 'commit-conflict' || error.kind === 'commit-state-unknown' || error.retryable;
      if (!retryable || attempt > policy.retries) {
        if (error.kind === 'commit-state-unknown') {
          // Last look: the unknown attempt may have landed after all.
          try {
            table = await c.catalog.loadTable(table.identifier);
            const after = landed(attempt);
            if (after) return after;
          } catch {
            // Still unreachable: report the original failure.
          }
        }
        throw error;
      }
      c.onRetry?.(error, attempt);
      await sleep(backoffMs(policy, attempt));
    }
  }
}
