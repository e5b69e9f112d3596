/**
 * Records -> ColumnBatches of at most `batchRows` rows, with rejected records handed to
 * `onReject` (awaited, so a slow rejected-rows file applies backpressure, and a throwing handler,
 * e.g. the max-bad-rows policy, stops the stream).
 */
import type { Schema } from '../iceberg/spec/schema.js';
import type { Value } from '../iceberg/spec/types.js';
import type { ColumnBatch } from '../iceberg/writer/batch.js';
import { RecordMapper } from './mapper.js';
import type { SourceRecord } from './record.js';

export interface RejectedRow {
  readonly line: number;
  readonly reasons: readonly string[];
  readonly raw: string;
}

export interface BatchStats {
  /** Records read from the input (accepted + rejected). */
  recordsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
}

export interface BatchOptions {
  schema: Schema;
  /** Default 10,000: small enough to bound memory, large enough to amortise per-batch work. */
  batchRows?: number;
  onReject?: (row: RejectedRow) => void | Promise<void>;
  /** Updated as records flow; read it after the stream ends for the summary. */
  stats?: BatchStats;
  inputName?: string;
}

export const DEFAULT_BATCH_ROWS = 10_000;

export function newBatchStats(): BatchStats {
  return { recordsRead: 0, rowsAccepted: 0, rowsRejected: 0 };
}

export async function* toBatches(
  records: AsyncIterable<SourceRecord> | Iterable<SourceRecord>,
  options: BatchOptions,
): AsyncGenerator<ColumnBatch> {
  const mapper = new RecordMapper(options.schema, options.inputName);
  const batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
  const stats = options.stats ?? newBatchStats();
  const ids = options.schema.fields.map((f) => f.id);
  const width = ids.length;
  const row: Value[] = new Array<Value>(width).fill(null);
  let columns: Value[][] = ids.map(() => []);
  let count = 0;
  const flush = (): ColumnBatch => {
    const batch: ColumnBatch = {
      rowCount: count,
      columns: new Map(ids.map((id, i) => [id, columns[i] as Value[]])),
    };
    columns = ids.map(() => []);
    count = 0;
    return batch;
  };
  for await (const record of records) {
    stats.recordsRead++;
    const reasons = mapper.map(record, row);
    if (reasons !== undefined) {
      stats.rowsRejected++;
      if (options.onReject) await options.onReject({ line: record.line, reasons, raw: record.raw });
      continue;
    }
    for (let i = 0; i < width; i++) (columns[i] as Value[]).push(row[i] as Value);
    stats.rowsAccepted++;
    if (++count >= batchRows) yield flush();
  }
  if (count > 0) yield flush();
}
