/** Keeping a subset of a ColumnBatch's rows, in order. Shared by validation and dedupe. */
import type { Value } from '../../iceberg/spec/types.js';
import type { ColumnBatch } from '../../iceberg/writer/batch.js';

export interface Compacted {
  readonly batch: ColumnBatch;
  /** For each row of `batch`, its index in the input batch (ascending). */
  readonly kept: Uint32Array;
}

/**
 * The rows whose `drop` flag is not set, in input order. When nothing is dropped the input batch
 * itself is returned (no copy): the common case of a clean batch costs nothing.
 */
export function compactBatch(batch: ColumnBatch, drop: Uint8Array, dropped: number): Compacted {
  const n = batch.rowCount;
  const keep = n - dropped;
  const kept = new Uint32Array(keep);
  let k = 0;
  for (let i = 0; i < n; i++) if (drop[i] === 0) kept[k++] = i;
  if (dropped === 0) return { batch, kept };
  const columns = new Map<number, readonly Value[]>();
  for (const [id, col] of batch.columns) {
    const out = new Array<Value>(keep);
    for (let j = 0; j < keep; j++) out[j] = col[kept[j] as number] ?? null;
    columns.set(id, out);
  }
  return { batch: { rowCount: keep, columns }, kept };
}
