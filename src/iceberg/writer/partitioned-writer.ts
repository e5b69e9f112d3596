/**
 * The DataWriter: routes each row of a batch to the open file of its partition, cuts row groups
 * at `write.parquet.row-group-size-bytes` (or a row cap), rolls to a new file at
 * `write.target-file-size-bytes`, and keeps the rows buffered across all open files under
 * `maxBufferedBytes` by flushing the largest buffer early, and closes the least recently used file
 * past `maxOpenFiles`. Memory is thus bounded by that cap plus one row group being encoded (plus
 * what the FileIO buffers per open stream), however large the input and however many partitions.
 */
import { randomUUID } from 'node:crypto';
import { FloeError } from '../../errors.js';
import type { DataFile } from '../spec/model.js';
import { compilePartitionFields, partitionPath } from '../spec/partition.js';
import { columnTransform, type ColumnTransform } from '../spec/transforms.js';
import type { Value } from '../spec/types.js';
import type { ColumnBatch } from './batch.js';
import { compressorsFor, resolveCodec, resolveCompressionLevel } from './codecs.js';
import { resolveMetricsModes } from './metrics.js';
import { ParquetFileWriter, pageCompressor, type FileWriterContext } from './parquet-file.js';
import { parquetSchemaFor } from './parquet-schema.js';
import type { DataWriter, DataWriterOptions } from './index.js';
import { keepShape } from '../../keep-shape.js';

export const TARGET_FILE_SIZE_PROPERTY = 'write.target-file-size-bytes';
export const ROW_GROUP_SIZE_PROPERTY = 'write.parquet.row-group-size-bytes';
/** Java Iceberg's defaults. */
export const DEFAULT_TARGET_FILE_SIZE = 512 * 1024 * 1024;
export const DEFAULT_ROW_GROUP_SIZE = 128 * 1024 * 1024;
export const DEFAULT_ROW_GROUP_ROWS = 1_000_000;
export const DEFAULT_MAX_BUFFERED_BYTES = 64 * 1024 * 1024;
export const DEFAULT_MAX_OPEN_FILES = 100;
/**
 * parquet-java (Spark, Iceberg Java, Hive) ignores BYTE_ARRAY footer statistics of files whose
 * created_by it cannot parse as '<app> version <v> (build <b>)' (its PARQUET-251 guard).
 */
export const CREATED_BY = 'floe version 0.1.0 (build hyparquet-writer 0.17.0)';
/** Rows appended between two size checks: small enough to cut row groups near their target. */
const SLICE_ROWS = 8192;
/** Rows of the first slice, before any row size has been measured. */
const FIRST_SLICE_ROWS = 256;

function positiveIntProperty(
  properties: Readonly<Record<string, string>>,
  key: string,
  fallback: number,
): number {
  const text = properties[key];
  if (text === undefined) return fallback;
  const n = Number(text);
  if (!Number.isSafeInteger(n) || n <= 0) {
    throw new FloeError('config', `table property ${key}="${text}" must be a positive integer`);
  }
  return n;
}

function positiveOption(value: number | undefined, name: string): number | undefined {
  if (value !== undefined && !(Number.isFinite(value) && value > 0)) {
    throw new FloeError('config', `${name} must be a positive number, got ${value}`);
  }
  return value;
}

/** A map key for a partition tuple; type-tagged so that 1 (int) and 1n (long) or '1' never meet. */
function tupleKey(tuple: readonly Value[]): string {
  let key = '';
  for (const v of tuple) {
    if (v === null) key += 'n|';
    else if (v instanceof Uint8Array)
      key += 'b' + Buffer.from(v.buffer, v.byteOffset, v.length).toString('hex') + '|';
    else if (typeof v === 'string') key += 's' + v.length + ':' + v + '|';
    else key += (typeof v)[0] + String(v) + '|';
  }
  return key;
}

/** Rows `a` and `b` fall in the same partition (primitive values only). */
function sameRow(fields: readonly RoutingField[], a: number, b: number): boolean {
  for (const f of fields) {
    const x = f.out[a];
    if (x !== f.out[b] || (typeof x === 'object' && x !== null)) return false;
  }
  return true;
}

/** How route() computes one partition field over a batch. */
interface RoutingField {
  readonly sourceId: number;
  readonly transform: ColumnTransform;
  /** The field's values for the batch's rows (reused from batch to batch). */
  out: Value[];
}

/** Rows of a batch for one partition: `rows[k]` for k in [start, end), or k itself when rows is null. */
interface Route {
  key: string;
  tuple: Value[];
  rows: Int32Array | null;
  start: number;
  end: number;
}

function trimSlashes(location: string): string {
  return location.replace(/\/+$/, '');
}

export class PartitionedDataWriter implements DataWriter {
  private readonly options: DataWriterOptions;
  private readonly ctx: FileWriterContext;
  private readonly targetFileSize: number;
  private readonly rowGroupBytes: number;
  private readonly rowGroupRows: number;
  private readonly maxBufferedBytes: number;
  private readonly maxOpenFiles: number;
  private readonly prefix: string;
  private readonly location: string;
  private readonly routing: RoutingField[];
  private readonly open = new Map<string, ParquetFileWriter>();
  private readonly done: DataFile[] = [];
  private fileCount = 0;
  /** Compressed / estimated raw bytes over the row groups written so far. */
  private compressedSeen = 0;
  /** Estimated raw bytes per row, as measured on the last appended slice. */
  private rowBytes = 0;
  private rawSeen = 0;
  private state: 'open' | 'busy' | 'failed' | 'closed' | 'aborted' = 'open';

  constructor(options: DataWriterOptions) {
    keepShape(this);
    this.options = options;
    const properties = options.properties ?? {};
    const codec = resolveCodec(options.codec, properties);
    const level = options.compressionLevel ?? resolveCompressionLevel(properties);
    let compressors: ReturnType<FileWriterContext['compressors']> | undefined;
    this.ctx = {
      io: options.io,
      schema: options.schema,
      parquetSchema: parquetSchemaFor(options.schema),
      codec,
      compressors: () => (compressors ??= compressorsFor(codec, level)),
      metricsModes: resolveMetricsModes(options.schema, properties),
      statistics: options.parquetStatistics ?? true,
      // Java Iceberg stores the write schema in the footer too; readers may use it to map ids.
      kvMetadata: [{ key: 'iceberg.schema', value: JSON.stringify(options.schema.toJson()) }],
      createdBy: CREATED_BY,
      specId: options.spec.specId,
    };
    this.targetFileSize =
      positiveOption(options.targetFileSizeBytes, 'targetFileSizeBytes') ??
      positiveIntProperty(properties, TARGET_FILE_SIZE_PROPERTY, DEFAULT_TARGET_FILE_SIZE);
    this.rowGroupBytes =
      positiveOption(options.rowGroupSizeBytes, 'rowGroupSizeBytes') ??
      positiveIntProperty(properties, ROW_GROUP_SIZE_PROPERTY, DEFAULT_ROW_GROUP_SIZE);
    this.rowGroupRows = Math.floor(
      positiveOption(options.rowGroupRows, 'rowGroupRows') ?? DEFAULT_ROW_GROUP_ROWS,
    );
    this.maxBufferedBytes =
      positiveOption(options.maxBufferedBytes, 'maxBufferedBytes') ?? DEFAULT_MAX_BUFFERED_BYTES;
    this.maxOpenFiles = Math.floor(
      positiveOption(options.maxOpenFiles, 'maxOpenFiles') ?? DEFAULT_MAX_OPEN_FILES,
    );
    this.prefix = options.fileNamePrefix ?? randomUUID();
    this.location = trimSlashes(options.dataLocation);
    this.routing = compilePartitionFields(options.spec, options.schema).map((c) => ({
      sourceId: c.field.sourceId,
      transform: columnTransform(c.transform, c.sourceType),
      out: [],
    }));
  }

  async write(batch: ColumnBatch): Promise<void> {
    this.enter();
    try {
      if (batch.rowCount > 0) {
        if (this.options.spec.fields.length === 0) {
          await this.appendRows(await this.fileFor('', []), batch, null, 0, batch.rowCount);
        } else {
          for (const { key, tuple, rows, start, end } of this.route(batch)) {
            await this.appendRows(await this.fileFor(key, tuple), batch, rows, start, end);
          }
        }
        await this.enforceMemoryCap();
      }
      this.state = 'open';
    } catch (err) {
      // Buffers may hold part of the batch now: the only safe next step is abort().
      this.state = 'failed';
      throw err;
    }
  }

  async close(): Promise<DataFile[]> {
    this.enter();
    try {
      for (const file of [...this.open.values()]) await this.closeFile(file);
      this.state = 'closed';
      return [...this.done];
    } catch (err) {
      this.state = 'failed';
      throw err;
    }
  }

  async abort(): Promise<void> {
    if (this.state === 'aborted') return;
    this.state = 'aborted';
    const results = await Promise.allSettled([
      ...[...this.open.values()].map((f) => f.abort()),
      ...this.done.map((f) => this.options.io.delete(f.filePath)),
    ]);
    this.open.clear();
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      throw new FloeError('io', `could not delete every data file written: ${String(failed.reason)}`, {
        cause: failed.reason,
      });
    }
  }

  private enter(): void {
    if (this.state === 'open') {
      this.state = 'busy';
      return;
    }
    const why = {
      busy: 'a previous write() or close() has not finished (calls must be awaited one at a time)',
      failed: 'an earlier write failed; call abort()',
      closed: 'it is closed',
      aborted: 'it was aborted',
    }[this.state];
    throw new FloeError('internal', `data writer cannot be used: ${why}`);
  }

  /**
   * Groups the batch's rows by partition, keeping first-seen order. A partition whose rows are
   * one contiguous range (the usual case: streams come mostly in time order) gets no row index
   * array: its range is appended directly.
   */
  private route(batch: ColumnBatch): Route[] {
    const n = batch.rowCount;
    const fields = this.routing;
    for (const f of fields) {
      if (f.out.length < n) f.out = new Array<Value>(n).fill(null);
      f.transform(batch.columns.get(f.sourceId), n, f.out);
    }
    const first = fields[0]!.out;
    const single = fields.length === 1;
    const groups = new Map<string, { key: string; tuple: Value[]; runs: number[] }>();
    for (let start = 0; start < n;) {
      // The run of rows whose partition values equal those of `start`.
      let end = start + 1;
      if (single) {
        const v = first[start];
        // Uint8Array values (identity of binary/fixed) are compared by key instead.
        if (typeof v !== 'object' || v === null) while (end < n && first[end] === v) end++;
      } else {
        while (end < n && sameRow(fields, start, end)) end++;
      }
      const tuple = fields.map((f) => f.out[start] ?? null);
      // A run's values differ from the previous run's (unless NaN or bytes): look the key up.
      const key = tupleKey(tuple);
      let group = groups.get(key);
      if (group === undefined) groups.set(key, (group = { key, tuple, runs: [] }));
      group.runs.push(start, end);
      start = end;
    }
    const routes: Route[] = [];
    for (const { key, tuple, runs } of groups.values()) {
      if (runs.length === 2) {
        routes.push({ key, tuple, rows: null, start: runs[0]!, end: runs[1]! });
        continue;
      }
      let count = 0;
      for (let i = 0; i < runs.length; i += 2) count += runs[i + 1]! - runs[i]!;
      const rows = new Int32Array(count);
      let o = 0;
      for (let i = 0; i < runs.length; i += 2) for (let r = runs[i]!; r < runs[i + 1]!; r++) rows[o++] = r;
      routes.push({ key, tuple, rows, start: 0, end: count });
    }
    return routes;
  }

  /**
   * The open file of a partition, opening one (and closing the least recently used file when
   * maxOpenFiles are open) if needed. `open` is kept in least-recently-used order.
   */
  private async fileFor(key: string, tuple: readonly Value[]): Promise<ParquetFileWriter> {
    let file = this.open.get(key);
    if (file) {
      this.open.delete(key);
      this.open.set(key, file);
      return file;
    }
    while (this.open.size >= this.maxOpenFiles) {
      const oldest = this.open.values().next().value as ParquetFileWriter;
      await this.closeFile(oldest);
    }
    const dir =
      this.options.spec.fields.length === 0
        ? this.location
        : `${this.location}/${partitionPath(this.options.spec, this.options.schema, tuple)}`;
    const name = `${this.prefix}-${String(this.fileCount++).padStart(5, '0')}.parquet`;
    const compress = pageCompressor(this.ctx.codec, await this.ctx.compressors());
    file = new ParquetFileWriter(this.ctx, `${dir}/${name}`, key, tuple, compress);
    this.open.set(key, file);
    return file;
  }

  private async appendRows(
    file: ParquetFileWriter,
    batch: ColumnBatch,
    rows: Int32Array | null,
    start: number,
    end: number,
  ): Promise<void> {
    for (let s = start; s < end;) {
      // A file that reached its target size was closed: continue in a new one for the partition.
      if (this.open.get(file.key) !== file) file = await this.fileFor(file.key, file.partition);
      const threshold = this.rowGroupThreshold(file);
      // Rows expected to fill the row group, so that it is cut close to its byte threshold.
      const fitting =
        this.rowBytes > 0 ? Math.ceil((threshold - file.bufferedBytes) / this.rowBytes) : FIRST_SLICE_ROWS;
      const e = Math.min(
        end,
        s + Math.max(1, Math.min(fitting, SLICE_ROWS)),
        s + (this.rowGroupRows - file.bufferedRows),
      );
      const bytesBefore = file.bufferedBytes;
      file.append(batch, rows, s, e);
      this.rowBytes = (file.bufferedBytes - bytesBefore) / (e - s);
      s = e;
      if (file.bufferedRows >= this.rowGroupRows || file.bufferedBytes >= threshold) await this.flush(file);
    }
  }

  /**
   * Raw bytes to buffer before cutting a row group: the row group size, but no more than what is
   * expected to fill the file up to its target given the compression seen so far.
   */
  private rowGroupThreshold(file: ParquetFileWriter): number {
    const ratio = this.rawSeen > 0 ? Math.max(this.compressedSeen / this.rawSeen, 0.01) : 1;
    const remaining = Math.max(this.targetFileSize - file.writtenBytes, 0) / ratio;
    return Math.max(1, Math.min(this.rowGroupBytes, this.maxBufferedBytes, remaining));
  }

  private async flush(file: ParquetFileWriter): Promise<void> {
    const before = file.writtenBytes;
    const raw = file.bufferedBytes;
    await file.flushRowGroup();
    this.compressedSeen += file.writtenBytes - before;
    this.rawSeen += raw;
    if (file.writtenBytes >= this.targetFileSize) await this.closeFile(file);
  }

  private async closeFile(file: ParquetFileWriter): Promise<void> {
    this.open.delete(file.key);
    let dataFile;
    try {
      dataFile = await file.close();
    } catch (err) {
      // No longer tracked as open: discard its partial output here, abort() will not see it.
      await file.abort().catch(() => undefined);
      throw err;
    }
    if (dataFile) this.done.push(dataFile);
  }

  /** Flushes the largest buffers until all open files together hold at most maxBufferedBytes. */
  private async enforceMemoryCap(): Promise<void> {
    for (;;) {
      let total = 0;
      let largest: ParquetFileWriter | undefined;
      for (const file of this.open.values()) {
        const bytes = file.bufferedBytes;
        total += bytes;
        if (bytes > 0 && (!largest || bytes > largest.bufferedBytes)) largest = file;
      }
      if (total <= this.maxBufferedBytes || !largest) return;
      await this.flush(largest);
    }
  }
}
