/**
 * Column batches -> Parquet data files with Iceberg field ids and per-file metrics -> DataFile.
 * OWNER: parquet writer helper. Stub signatures agreed by all modules.
 */
import type { FileIO } from '../io/fileio.js';
import type { DataFile, PartitionSpec } from '../spec/model.js';
import type { Schema } from '../spec/schema.js';
import type { ColumnBatch } from './batch.js';

export type ParquetCodec = 'zstd' | 'snappy' | 'gzip' | 'uncompressed';

export interface DataWriterOptions {
  io: FileIO;
  schema: Schema;
  spec: PartitionSpec;
  /** Directory under which files go: `<dataLocation>/<partition path>/<file name>.parquet`. */
  dataLocation: string;
  /** Table properties: write.parquet.compression-codec, write.target-file-size-bytes,
   *  write.parquet.row-group-size-bytes, write.metadata.metrics.* . */
  properties?: Readonly<Record<string, string>>;
  /** Overrides the property. */
  codec?: ParquetCodec;
  /** Overrides the property (default 512 MiB as in Java). */
  targetFileSizeBytes?: number;
  /** Unique per writer, e.g. `<uuid>`; file names are `<prefix>-<n>.parquet`. */
  fileNamePrefix?: string;
}

/**
 * Accepts batches, routes rows to their partitions, rolls files at the target size and returns
 * the DataFiles (with metrics) on close. Holds at most one open file per partition.
 */
export interface DataWriter {
  write(batch: ColumnBatch): Promise<void>;
  close(): Promise<DataFile[]>;
  /** Deletes every file written so far. */
  abort(): Promise<void>;
}

export function createDataWriter(_options: DataWriterOptions): DataWriter {
  throw new Error('not implemented');
}

/** Reads a Parquet data file back as column batches keyed by Iceberg field id (projection by id). */
export async function* readDataFile(
  _io: FileIO,
  _path: string,
  _schema: Schema,
  _fieldIds?: readonly number[],
): AsyncIterable<ColumnBatch> {
  throw new Error('not implemented');
}
