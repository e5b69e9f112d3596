/**
 * Records -> ColumnBatches of at most `batchRows` rows, with rejected records handed to
 * `onReject` (awaited, so a slow rejected-rows file applies backpressure, and a throwing handler,
 * e.g. the max-bad-rows policy, stops the stream).
 *
 * `toBatches` takes per-record SourceRecords (any reader, tests). The load path uses
 * `RecordDecoder.batches` (source.ts), which pushes whole chunks through the same BatchBuilder.
 */
import type { Schema } from '../iceberg/spec/schema.js';
import type { ColumnBatch } from '../iceberg/writer/batch.js';
import { BatchBuilder, newBatchStats, type BatchStats, type RejectedRow } from './builder.js';
import type { SourceRecord } from './record.js';

export { DEFAULT_BATCH_ROWS, newBatchStats, type BatchStats, type RejectedRow } from './builder.js';

export interface BatchOptions {
  schema: Schema;
  /** Default DEFAULT_BATCH_ROWS (2,048): small enough that filling batches costs little GC. */
  batchRows?: number;
  onReject?: (row: RejectedRow) => void | Promise<void>;
  /** Updated as records flow; read it after the stream ends for the summary. */
  stats?: BatchStats;
  inputName?: string;
}

/** Hands the builder's rejects to onReject in order, then returns its full batches. */
export async function drainBuilder(builder: BatchBuilder, options: BatchOptions): Promise<ColumnBatch[]> {
  if (builder.rejects.length > 0) {
    const rejects = builder.rejects.splice(0);
    if (options.onReject) for (const r of rejects) await options.onReject(r);
  }
  return builder.ready.splice(0);
}

export function builderFor(options: BatchOptions): BatchBuilder {
  return new BatchBuilder(options.schema, {
    stats: options.stats ?? newBatchStats(),
    ...(options.batchRows !== undefined ? { batchRows: options.batchRows } : {}),
    ...(options.inputName !== undefined ? { inputName: options.inputName } : {}),
  });
}

export async function* toBatches(
  records: AsyncIterable<SourceRecord> | Iterable<SourceRecord>,
  options: BatchOptions,
): AsyncGenerator<ColumnBatch> {
  const builder = builderFor(options);
  for await (const record of records) {
    builder.record(record);
    if (builder.rejects.length > 0 || builder.ready.length > 0) yield* await drainBuilder(builder, options);
  }
  builder.finish();
  yield* await drainBuilder(builder, options);
}
