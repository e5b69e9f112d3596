/**
 * One Parquet data file being written: each column encodes and compresses its pages as rows are
 * appended (column-buffer.ts), and a row group's column chunks are streamed to the FileIO's
 * OutputStream when it is cut. Memory is therefore one row group of compressed pages plus the
 * pages being filled, whatever the file's final size. The file layout (magic, column chunks,
 * thrift footer via hyparquet-writer's writeMetadata) is assembled here.
 */
import type { ColumnChunk, FileMetaData, RowGroup, SchemaElement, Statistics } from 'hyparquet';
import type { MinMaxType } from 'hyparquet/src/types.js';
import { ByteWriter } from 'hyparquet-writer';
import { writeMetadata } from 'hyparquet-writer/src/metadata.js';
import { snappyCompress } from 'hyparquet-writer/src/snappy.js';
import { FloeError, isFloeError } from '../../errors.js';
import type { FileIO, OutputStream } from '../io/fileio.js';
import type { DataFile } from '../spec/model.js';
import type { Schema } from '../spec/schema.js';
import type { Value } from '../spec/types.js';
import type { ColumnBatch } from './batch.js';
import { codecName, type ParquetCodec } from './codecs.js';
import { ColumnBuffer, type RowGroupColumn } from './column-buffer.js';
import { columnMetrics, type MetricsMode } from './metrics.js';
import type { Compress } from './page-encoding.js';
import { keepShape } from '../../keep-shape.js';

/** What every file of one DataWriter shares. */
export interface FileWriterContext {
  readonly io: FileIO;
  readonly schema: Schema;
  readonly parquetSchema: SchemaElement[];
  readonly codec: ParquetCodec;
  /** Resolved lazily: ZSTD needs an async wasm init before the first row group. */
  readonly compressors: () => Promise<Record<string, Compress>>;
  readonly metricsModes: ReadonlyMap<number, MetricsMode>;
  /** Footer statistics per column chunk (engines prune row groups with them). */
  readonly statistics: boolean;
  readonly kvMetadata: { key: string; value: string }[];
  readonly createdBy: string;
  readonly specId: number;
}

/** The page compressor of a codec (undefined: pages stay uncompressed). */
export function pageCompressor(
  codec: ParquetCodec,
  compressors: Record<string, Compress>,
): Compress | undefined {
  const name = codecName(codec);
  if (name === 'UNCOMPRESSED') return undefined;
  const compress = name === 'SNAPPY' ? (compressors.SNAPPY ?? snappyCompress) : compressors[name];
  if (!compress) throw new FloeError('internal', `no compressor for Parquet codec ${name}`);
  return compress;
}

/**
 * The scratch buffer grows to a whole encoded row group; it is dropped after each flush so that
 * many open files (one per partition) do not each pin their largest row group. Regrowing costs a
 * few doublings per row group, nothing next to encoding it.
 */
const KEEP_BUFFER_BYTES = 64 * 1024;

/**
 * A hyparquet-writer Writer whose bytes go to an OutputStream: ParquetWriter calls flush() after
 * every row group and awaits the returned promise before encoding more.
 */
class StreamingByteWriter extends ByteWriter {
  private readonly out: OutputStream;

  constructor(out: OutputStream) {
    super(64 * 1024);
    this.out = out;
    keepShape(this);
  }

  flush(): Promise<void> {
    if (this.index === 0) return Promise.resolve();
    // A copy: the stream may keep the chunk (multipart parts) while this buffer is reused.
    const chunk = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    if (this.buffer.byteLength > KEEP_BUFFER_BYTES) {
      this.buffer = new ArrayBuffer(64 * 1024);
      this.view = new DataView(this.buffer);
    }
    return this.out.write(chunk);
  }

  override finish(): Promise<void> {
    return this.flush();
  }
}

export class ParquetFileWriter {
  readonly path: string;
  /** The partition's routing key in the DataWriter. */
  readonly key: string;
  readonly partition: readonly Value[];
  readonly columns: ColumnBuffer[];
  private readonly ctx: FileWriterContext;
  private out: OutputStream | undefined;
  private writer: StreamingByteWriter | undefined;
  private readonly rowGroups: RowGroup[] = [];
  /** Rows appended but not yet written. */
  bufferedRows = 0;
  /** Rows in written row groups. */
  writtenRows = 0;

  /** `compress` is the codec's page compressor (see pageCompressor), resolved by the caller. */
  constructor(
    ctx: FileWriterContext,
    path: string,
    key: string,
    partition: readonly Value[],
    compress: Compress | undefined,
  ) {
    this.ctx = ctx;
    this.path = path;
    this.key = key;
    this.partition = partition;
    this.columns = ctx.schema.fields.map((f) => new ColumnBuffer(f, compress));
    keepShape(this);
  }

  /** Estimated plain-encoded bytes of the buffered rows. */
  get bufferedBytes(): number {
    let bytes = this.bufferedRows; // so all-null rows still count
    for (const c of this.columns) bytes += c.bytes;
    return bytes;
  }

  /** Bytes of the file so far (header and written row groups; no footer until close). */
  get writtenBytes(): number {
    return this.writer?.offset ?? 0;
  }

  /** Appends rows `rows[k]` (or `k` when rows is null) for k in [start, end) of the batch. */
  append(batch: ColumnBatch, rows: Int32Array | null, start: number, end: number): void {
    for (const column of this.columns) column.append(batch.columns.get(column.field.id), rows, start, end);
    this.bufferedRows += end - start;
  }

  /** Writes the buffered rows as one row group and streams it out. */
  async flushRowGroup(): Promise<void> {
    if (this.bufferedRows === 0) return;
    const writer = this.writer ?? (await this.open());
    const rowCount = this.bufferedRows;
    const groups = this.columns.map((c) => c.takeRowGroup());
    this.bufferedRows = 0;
    const groupStart = writer.offset;
    const chunks: ColumnChunk[] = [];
    let totalUncompressed = 0;
    groups.forEach((g, i) => {
      const chunk = this.writeChunk(writer, g, i);
      totalUncompressed += Number(chunk.meta_data!.total_uncompressed_size);
      chunks.push(chunk);
    });
    this.rowGroups.push({
      columns: chunks,
      total_byte_size: BigInt(totalUncompressed),
      num_rows: BigInt(rowCount),
      total_compressed_size: BigInt(writer.offset - groupStart),
    });
    try {
      await writer.flush();
    } catch (err) {
      throw wrap(err, `writing a row group of ${this.path}`);
    }
    this.writtenRows += rowCount;
  }

  /** Writes one column chunk (dictionary page, data pages) and describes it. */
  private writeChunk(writer: ByteWriter, g: RowGroupColumn, i: number): ColumnChunk {
    const column = this.columns[i]!;
    const element = this.ctx.parquetSchema[i + 1]!;
    const start = writer.offset;
    let uncompressed = 0;
    let dictionaryOffset: bigint | undefined;
    if (g.dictionary) {
      dictionaryOffset = BigInt(writer.offset);
      for (const part of g.dictionary.parts) writer.appendBytes(part);
      uncompressed += g.dictionary.uncompressedSize;
    }
    const dataOffset = BigInt(writer.offset);
    for (const page of g.pages) {
      for (const part of page.parts) writer.appendBytes(part);
      uncompressed += page.uncompressedSize;
    }
    return {
      file_offset: BigInt(start),
      meta_data: {
        type: element.type!,
        encodings: g.encodings,
        path_in_schema: [column.field.name],
        codec: codecName(this.ctx.codec),
        num_values: BigInt(g.numValues),
        total_uncompressed_size: BigInt(uncompressed),
        total_compressed_size: BigInt(writer.offset - start),
        data_page_offset: dataOffset,
        dictionary_page_offset: dictionaryOffset,
        statistics: this.ctx.statistics ? this.statistics(column, g) : undefined,
        encoding_stats: g.encodingStats,
      },
    };
  }

  /**
   * Footer statistics from the min/max/null counts the append loop computed (hyparquet-writer's
   * writeMetadata turns the JS values into the physical bytes).
   */
  private statistics(column: ColumnBuffer, g: RowGroupColumn): Statistics {
    const float = column.type.kind === 'float' || column.type.kind === 'double';
    let { min, max } = g;
    // Parquet: a zero minimum is written as -0 and a zero maximum as +0.
    if (float && min === 0) min = -0;
    if (float && max === 0) max = 0;
    const stats: Statistics & { nan_count?: bigint } = { null_count: BigInt(g.nulls) };
    if (min !== undefined && max !== undefined) {
      stats.min_value = min as MinMaxType;
      stats.max_value = max as MinMaxType;
    }
    if (float) stats.nan_count = BigInt(g.nans);
    return stats;
  }

  private async open(): Promise<StreamingByteWriter> {
    this.out = await this.ctx.io.create(this.path);
    this.writer = new StreamingByteWriter(this.out);
    this.writer.appendUint32(0x31524150); // 'PAR1'
    return this.writer;
  }

  /** Writes the last row group and the footer; null when no row was ever appended. */
  async close(): Promise<DataFile | null> {
    await this.flushRowGroup();
    const writer = this.writer;
    const out = this.out;
    if (!writer || !out) return null;
    let size: number;
    try {
      const metadata: FileMetaData = {
        version: 2,
        created_by: this.ctx.createdBy,
        schema: this.ctx.parquetSchema,
        num_rows: BigInt(this.writtenRows),
        row_groups: this.rowGroups,
        key_value_metadata: this.ctx.kvMetadata,
      } as FileMetaData; // metadata_length is computed by the writer, not serialised from here
      writeMetadata(writer, metadata);
      writer.appendUint32(0x31524150);
      await writer.finish();
      size = await out.close();
    } catch (err) {
      throw wrap(err, `finishing ${this.path}`);
    }
    return this.dataFile(size);
  }

  /** Discards the partial file. */
  async abort(): Promise<void> {
    this.columns.forEach((c) => c.discard());
    this.bufferedRows = 0;
    if (this.out) await this.out.abort();
  }

  private dataFile(size: number): DataFile {
    const sizes = new Map<number, bigint>();
    const splitOffsets: bigint[] = [];
    for (const rowGroup of this.rowGroups) {
      const first = rowGroup.columns[0];
      if (first) splitOffsets.push(first.file_offset);
      rowGroup.columns.forEach((chunk, i) => {
        const id = this.columns[i]!.field.id;
        sizes.set(id, (sizes.get(id) ?? 0n) + (chunk.meta_data?.total_compressed_size ?? 0n));
      });
    }
    const m = columnMetrics(this.columns, this.ctx.metricsModes, sizes);
    return {
      content: 0,
      filePath: this.path,
      fileFormat: 'PARQUET',
      partition: this.partition,
      recordCount: BigInt(this.writtenRows),
      fileSizeInBytes: BigInt(size),
      ...(m.columnSizes.size > 0 ? { columnSizes: m.columnSizes } : {}),
      ...(m.valueCounts.size > 0 ? { valueCounts: m.valueCounts } : {}),
      ...(m.nullValueCounts.size > 0 ? { nullValueCounts: m.nullValueCounts } : {}),
      ...(m.nanValueCounts.size > 0 ? { nanValueCounts: m.nanValueCounts } : {}),
      ...(m.lowerBounds.size > 0 ? { lowerBounds: m.lowerBounds } : {}),
      ...(m.upperBounds.size > 0 ? { upperBounds: m.upperBounds } : {}),
      splitOffsets,
      specId: this.ctx.specId,
    };
  }
}

/** FileIO failures arrive as FloeErrors already; anything else comes from the encoder: a bug. */
function wrap(err: unknown, what: string): FloeError {
  if (isFloeError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new FloeError('internal', `${what}: ${message}`, { cause: err });
}
