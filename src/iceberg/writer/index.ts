/**
 * Column batches -> Parquet data files with Iceberg field ids and per-file metrics -> DataFile,
 * and back. OWNER: parquet writer helper.
 *
 * Files: parquet-schema.ts (type mapping), column-buffer.ts (type checks, metrics and page
 * encoding in one pass per column: typed page buffers, string dictionaries with PLAIN fallback),
 * page-encoding.ts (data page v2 / dictionary page bytes, RLE/bit-packed hybrid), metrics.ts
 * (metrics modes, bounds), codecs.ts, parquet-file.ts (one streamed file: column chunks and the
 * footer, via hyparquet-writer's thrift writer), partitioned-writer.ts (routing, row groups,
 * rolling, memory cap), reader.ts.
 */
import type { FileIO } from '../io/fileio.js';
import type { DataFile, PartitionSpec } from '../spec/model.js';
import type { Schema } from '../spec/schema.js';
import type { ColumnBatch } from './batch.js';
import type { ParquetCodec } from './codecs.js';
import { PartitionedDataWriter } from './partitioned-writer.js';
import { readParquetFile } from './reader.js';

export type { ParquetCodec } from './codecs.js';
export { CODEC_PROPERTY, COMPRESSION_LEVEL_PROPERTY, DEFAULT_CODEC, resolveCodec } from './codecs.js';
export {
  DEFAULT_MAX_BUFFERED_BYTES,
  DEFAULT_MAX_OPEN_FILES,
  DEFAULT_ROW_GROUP_ROWS,
  DEFAULT_ROW_GROUP_SIZE,
  DEFAULT_TARGET_FILE_SIZE,
  ROW_GROUP_SIZE_PROPERTY,
  TARGET_FILE_SIZE_PROPERTY,
} from './partitioned-writer.js';
export {
  METRICS_COLUMN_PREFIX,
  METRICS_DEFAULT_PROPERTY,
  METRICS_MAX_INFERRED_PROPERTY,
  parseMetricsMode,
  resolveMetricsModes,
  type MetricsMode,
} from './metrics.js';
export { parquetSchemaFor } from './parquet-schema.js';

export interface DataWriterOptions {
  io: FileIO;
  schema: Schema;
  spec: PartitionSpec;
  /** Directory under which files go: `<dataLocation>/<partition path>/<file name>.parquet`. */
  dataLocation: string;
  /** Table properties: write.parquet.compression-codec, write.parquet.compression-level,
   *  write.target-file-size-bytes, write.parquet.row-group-size-bytes, write.metadata.metrics.* . */
  properties?: Readonly<Record<string, string>>;
  /** Overrides the property. */
  codec?: ParquetCodec;
  /** Overrides write.parquet.compression-level (ZSTD default 1, gzip default 6). */
  compressionLevel?: number;
  /** Overrides the property (default 512 MiB as in Java). */
  targetFileSizeBytes?: number;
  /** Overrides write.parquet.row-group-size-bytes (default 128 MiB, estimated on raw values). */
  rowGroupSizeBytes?: number;
  /** At most this many rows per row group (default 1,000,000). */
  rowGroupRows?: number;
  /**
   * Cap on the raw bytes buffered across all open files (default 64 MiB); past it the largest
   * buffer becomes a row group early. This is what bounds memory with many open partitions.
   */
  maxBufferedBytes?: number;
  /**
   * At most this many files open at once (default 100): past it the least recently used one is
   * closed, so partitions that come back later get another file. Bounds memory and streams with
   * many partitions (e.g. hour() of time-ordered data leaves old hours behind).
   */
  maxOpenFiles?: number;
  /** Parquet footer min/max/null statistics per column chunk (default true). */
  parquetStatistics?: boolean;
  /** Unique per writer, e.g. `<uuid>`; file names are `<prefix>-<n>.parquet` (default a random UUID). */
  fileNamePrefix?: string;
}

/**
 * Accepts batches, routes rows to their partitions, rolls files at the target size and returns
 * the DataFiles (with metrics) on close. Holds at most one open file per partition.
 * Calls must be awaited one at a time; after a failed write() the only valid call is abort().
 */
export interface DataWriter {
  write(batch: ColumnBatch): Promise<void>;
  close(): Promise<DataFile[]>;
  /** Deletes every file written so far. */
  abort(): Promise<void>;
}

export function createDataWriter(options: DataWriterOptions): DataWriter {
  return new PartitionedDataWriter(options);
}

/** Reads a Parquet data file back as column batches keyed by Iceberg field id (projection by id). */
export function readDataFile(
  io: FileIO,
  path: string,
  schema: Schema,
  fieldIds?: readonly number[],
): AsyncIterable<ColumnBatch> {
  return readParquetFile(io, path, schema, fieldIds);
}
