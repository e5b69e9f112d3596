/**
 * One Parquet data file being written: buffers appended rows column by column, encodes a row
 * group at a time with hyparquet-writer's incremental ParquetWriter, and streams each encoded row
 * group to the FileIO's OutputStream before the next one is assembled. Memory is therefore one
 * buffered row group plus its encoding, whatever the file's final size.
 */
import type { SchemaElement, Statistics } from 'hyparquet';
import type { MinMaxType } from 'hyparquet/src/types.js';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { FloeError, isFloeError } from '../../errors.js';
import type { FileIO, OutputStream } from '../io/fileio.js';
import type { DataFile } from '../spec/model.js';
import type { Schema } from '../spec/schema.js';
import type { Value } from '../spec/types.js';
import type { ColumnBatch } from './batch.js';
import { codecName, type ParquetCodec } from './codecs.js';
import { ColumnBuffer, type RowGroupColumn } from './column-buffer.js';
import { columnMetrics, type MetricsMode } from './metrics.js';

type Compress = (input: Uint8Array) => Uint8Array;

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
  private parquet: ParquetWriter | undefined;
  /** Rows appended but not yet encoded. */
  bufferedRows = 0;
  /** Rows in encoded row groups. */
  writtenRows = 0;

  constructor(ctx: FileWriterContext, path: string, key: string, partition: readonly Value[]) {
    this.ctx = ctx;
    this.path = path;
    this.key = key;
    this.partition = partition;
    this.columns = ctx.schema.fields.map((f) => new ColumnBuffer(f));
  }

  /** Estimated plain-encoded bytes of the buffered rows. */
  get bufferedBytes(): number {
    let bytes = this.bufferedRows; // so all-null rows still count
    for (const c of this.columns) bytes += c.bytes;
    return bytes;
  }

  /** Bytes of the file so far (header and encoded row groups; no footer until close). */
  get writtenBytes(): number {
    return this.writer?.offset ?? 0;
  }

  /** Appends rows `rows[k]` (or `k` when rows is null) for k in [start, end) of the batch. */
  append(batch: ColumnBatch, rows: Int32Array | null, start: number, end: number): void {
    for (const column of this.columns) column.append(batch.columns.get(column.field.id), rows, start, end);
    this.bufferedRows += end - start;
  }

  /** Encodes the buffered rows as one row group and streams it out. */
  async flushRowGroup(): Promise<void> {
    if (this.bufferedRows === 0) return;
    const parquet = this.parquet ?? (await this.open());
    const rowCount = this.bufferedRows;
    const groups = this.columns.map((c) => c.takeRowGroup());
    const columnData = groups.map((g, i) => ({ name: this.columns[i]!.field.name, data: g.values }));
    this.bufferedRows = 0;
    try {
      await parquet.write({ columnData, rowGroupSize: rowCount });
    } catch (err) {
      throw wrap(err, `writing a row group of ${this.path}`);
    }
    if (this.ctx.statistics) this.setStatistics(parquet, groups);
    this.writtenRows += rowCount;
  }

  /**
   * Footer statistics from the min/max/null counts the append loop already computed: letting
   * hyparquet-writer compute them again (statistics: true) costs a second pass over every value,
   * about a sixth of the write time. hyparquet-writer serialises whatever statistics the column
   * chunks of its `row_groups` hold when the footer is written.
   */
  private setStatistics(parquet: ParquetWriter, groups: readonly RowGroupColumn[]): void {
    const rowGroup = parquet.row_groups[parquet.row_groups.length - 1];
    if (!rowGroup) return;
    groups.forEach((g, i) => {
      const meta = rowGroup.columns[i]?.meta_data;
      if (!meta) return;
      const float = this.columns[i]!.type.kind === 'float' || this.columns[i]!.type.kind === 'double';
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
      meta.statistics = stats;
    });
  }

  private async open(): Promise<ParquetWriter> {
    const compressors = await this.ctx.compressors();
    this.out = await this.ctx.io.create(this.path);
    this.writer = new StreamingByteWriter(this.out);
    this.parquet = new ParquetWriter({
      writer: this.writer,
      schema: this.ctx.parquetSchema,
      codec: codecName(this.ctx.codec),
      compressors,
      statistics: false, // see setStatistics
      kvMetadata: this.ctx.kvMetadata,
      createdBy: this.ctx.createdBy,
    });
    return this.parquet;
  }

  /** Writes the last row group and the footer; null when no row was ever appended. */
  async close(): Promise<DataFile | null> {
    await this.flushRowGroup();
    const parquet = this.parquet;
    const out = this.out;
    if (!parquet || !out) return null;
    let size: number;
    try {
      await parquet.finish();
      size = await out.close();
    } catch (err) {
      throw wrap(err, `finishing ${this.path}`);
    }
    return this.dataFile(parquet, size);
  }

  /** Discards the partial file. */
  async abort(): Promise<void> {
    this.columns.forEach((c) => c.takeRowGroup());
    this.bufferedRows = 0;
    if (this.out) await this.out.abort();
  }

  private dataFile(parquet: ParquetWriter, size: number): DataFile {
    const sizes = new Map<number, bigint>();
    const splitOffsets: bigint[] = [];
    for (const rowGroup of parquet.row_groups) {
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
