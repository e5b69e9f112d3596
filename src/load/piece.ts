/**
 * Decoding one piece of a parallel load (src/records/split.ts cuts them) in a worker thread: the
 * piece's raw bytes go through the one-thread load's byte pipeline — `decodeText` (UTF-8, BOM at
 * the input's start), then the format's chunk reader — chunk by chunk as they were read from the
 * file, so a piece decodes exactly as the same bytes do inside the whole input.
 */
import type { RecordSink } from '../records/builder.js';
import { CsvReader } from '../records/csv.js';
import { decodeText } from '../records/json.js';
import { chunkReader } from '../records/source.js';

export interface PieceDecodeOptions {
  readonly format: 'csv' | 'ndjson';
  readonly csv?: { readonly delimiter?: string; readonly quote?: string };
  /** The input's name, for messages. */
  readonly name: string;
  readonly maxRecordBytes?: number;
  /** The input line the piece starts on. */
  readonly firstLine: number;
  /** CSV: the input's header, for every piece but the first (which holds it). */
  readonly header?: readonly string[];
}

async function* each(chunks: readonly Uint8Array[]): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

/**
 * Decodes a piece's records into `sink`; `afterChunk` runs after each chunk (the worker writes
 * the batches that filled). Returns the CSV header the piece read or was given.
 */
export async function decodePiece(
  chunks: readonly Uint8Array[],
  o: PieceDecodeOptions,
  sink: RecordSink,
  afterChunk?: () => Promise<void>,
): Promise<readonly string[] | undefined> {
  const reader = chunkReader(o.format, {
    ...o.csv,
    name: o.name,
    firstLine: o.firstLine,
    ...(o.maxRecordBytes !== undefined ? { maxRecordBytes: o.maxRecordBytes } : {}),
    ...(o.header ? { header: o.header } : {}),
  });
  for await (const text of decodeText(each(chunks))) {
    reader.push(text, false, sink);
    await afterChunk?.();
  }
  reader.push('', true, sink);
  await afterChunk?.();
  return reader instanceof CsvReader ? reader.header : undefined;
}
