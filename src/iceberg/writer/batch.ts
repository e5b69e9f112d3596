/**
 * A batch of rows in columnar form: one array per top-level column, keyed by field id, each of
 * length `rowCount`, holding values in floe's in-memory representation (see spec/types.ts), null
 * for a missing value. Columnar so that decoders can fill column builders directly and the
 * Parquet writer encodes from columns without per-row objects.
 */
import type { Value } from '../spec/types.js';

export interface ColumnBatch {
  readonly rowCount: number;
  readonly columns: ReadonlyMap<number, readonly Value[]>;
}

export function emptyBatch(fieldIds: readonly number[]): ColumnBatch {
  return { rowCount: 0, columns: new Map(fieldIds.map((id) => [id, []])) };
}
