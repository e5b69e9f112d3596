/**
 * One call from "a path and some options" to records: opens the file or stdin, gunzips, decides
 * the format (explicit, else extension, else first character) and picks the reader. A `.json`
 * file whose content starts with `{` is read as NDJSON, since many tools write NDJSON under that
 * extension.
 *
 * Two ways to consume: `openRecords` (an async stream of SourceRecord objects; simple, slow) and
 * `openDecoder` (the load path: sample a few records as objects for inference, then decode
 * chunk by chunk straight into ColumnBatches).
 */
import type { Readable } from 'node:stream';
import type { ColumnBatch } from '../iceberg/writer/batch.js';
import { builderFor, drainBuilder, type BatchOptions } from './batcher.js';
import type { RecordSink } from './builder.js';
import { RecordCollector } from './collector.js';
import { CsvReader, readCsv, type CsvOptions } from './csv.js';
import { formatFromFirstChar, formatFromPath, inputName, openInput, type RecordFormat } from './input.js';
import { decodeText, JsonArrayReader, NdjsonReader, readJsonArray, readNdjson } from './json.js';
import type { SourceRecord } from './record.js';

export interface OpenRecordsOptions {
  /** Explicit format; otherwise from the extension, otherwise sniffed. */
  format?: RecordFormat;
  csv?: Omit<CsvOptions, 'name'>;
  stdin?: Readable;
  maxRecordBytes?: number;
}

export interface RecordSource {
  readonly format: RecordFormat;
  readonly name: string;
  readonly records: AsyncIterable<SourceRecord>;
}

/** The first byte that is not whitespace or a UTF-8 BOM, as a character; undefined for empty input. */
function firstSignificant(chunks: readonly Uint8Array[]): string | undefined {
  for (const chunk of chunks) {
    for (const b of chunk) {
      if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0xef || b === 0xbb || b === 0xbf)
        continue;
      return String.fromCharCode(b);
    }
  }
  return undefined;
}

interface OpenedBytes {
  format: RecordFormat;
  name: string;
  bytes: AsyncGenerator<Uint8Array>;
}

async function openBytes(path: string, options: OpenRecordsOptions): Promise<OpenedBytes> {
  const name = inputName(path);
  const input = openInput(path, options.stdin ? { stdin: options.stdin } : {});
  const it = input[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  // Peek until the first significant character (bounded: stops at the first non-blank byte).
  const head: Uint8Array[] = [];
  let first: string | undefined;
  let ended = false;
  while (first === undefined) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    head.push(r.value);
    first = firstSignificant([r.value]);
  }
  const bytes = (async function* (): AsyncGenerator<Uint8Array> {
    try {
      yield* head;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      if (!ended) await it.return?.();
    }
  })();
  let format = options.format ?? formatFromPath(path) ?? formatFromFirstChar(first);
  if (format === 'json' && first === '{') format = 'ndjson';
  return { format, name, bytes };
}

function readerOptions(name: string, options: OpenRecordsOptions): CsvOptions {
  return {
    name,
    ...(options.maxRecordBytes !== undefined ? { maxRecordBytes: options.maxRecordBytes } : {}),
  };
}

export async function openRecords(path: string, options: OpenRecordsOptions = {}): Promise<RecordSource> {
  const { format, name, bytes } = await openBytes(path, options);
  const common = readerOptions(name, options);
  const records =
    format === 'csv'
      ? readCsv(bytes, { ...options.csv, ...common })
      : format === 'json'
        ? readJsonArray(bytes, common)
        : readNdjson(bytes, common);
  return { format, name, records };
}

/** A chunk reader of any format: text in, records to a sink, synchronously. */
export interface ChunkReader {
  push(text: string, final: boolean, sink: RecordSink): void;
}

/** The CSV dialect and `header` apply to CSV only; `firstLine` (a piece of a larger input) to CSV and NDJSON. */
export function chunkReader(format: RecordFormat, options: CsvOptions = {}): ChunkReader {
  if (format === 'csv') return new CsvReader(options);
  const common = {
    ...(options.name !== undefined ? { name: options.name } : {}),
    ...(options.maxRecordBytes !== undefined ? { maxRecordBytes: options.maxRecordBytes } : {}),
    ...(options.firstLine !== undefined ? { firstLine: options.firstLine } : {}),
  };
  return format === 'json' ? new JsonArrayReader(common) : new NdjsonReader(common);
}

/**
 * An opened input for the load path. `sample(n)` reads ahead (whole chunks) until it has n
 * records and returns them as objects; `batches()` then converts everything — the sampled
 * records first — into ColumnBatches. Only sampling makes per-record objects.
 */
export class RecordDecoder {
  /** Records read ahead by `sample`, not yet converted. */
  private held: SourceRecord[] = [];
  /** A fatal input error met while sampling, after some records: raised after those records. */
  private heldError: unknown;
  private ended = false;

  constructor(
    readonly format: RecordFormat,
    readonly name: string,
    private readonly reader: ChunkReader,
    private readonly text: AsyncIterator<string>,
  ) {}

  /** The CSV header once read (undefined for JSON or before any record). */
  get header(): readonly string[] | undefined {
    return this.reader instanceof CsvReader ? this.reader.header : undefined;
  }

  async sample(n: number): Promise<readonly SourceRecord[]> {
    const collector = new RecordCollector(this.held);
    try {
      while (this.held.length < n && !this.ended) {
        const r = await this.text.next();
        if (r.done) {
          this.ended = true;
          this.reader.push('', true, collector);
        } else this.reader.push(r.value, false, collector);
      }
    } catch (err) {
      if (this.held.length === 0) throw err;
      this.heldError = err;
      this.ended = true;
    }
    return this.held.slice(0, n);
  }

  /**
   * All records as ColumnBatches. Rejected records go to `onReject` in input order, after the
   * chunk they came from was converted (a throwing onReject stops the stream); a fatal input
   * error comes after the rejects of the records before it.
   */
  async *batches(options: BatchOptions): AsyncGenerator<ColumnBatch> {
    const builder = builderFor(options);
    const held = this.held;
    this.held = [];
    for (const rec of held) builder.record(rec);
    yield* await drainBuilder(builder, options);
    if (this.heldError !== undefined) throw this.heldError;
    while (!this.ended) {
      const r = await this.text.next();
      let error: unknown;
      try {
        if (r.done) {
          this.ended = true;
          this.reader.push('', true, builder);
          builder.finish();
        } else this.reader.push(r.value, false, builder);
      } catch (err) {
        error = err;
        this.ended = true;
      }
      yield* await drainBuilder(builder, options);
      if (error !== undefined) throw error;
    }
    builder.finish();
    yield* await drainBuilder(builder, options);
  }

  /** Stops reading (closes the file); safe to call more than once. */
  async close(): Promise<void> {
    this.ended = true;
    await this.text.return?.();
  }
}

/** The input's text from its start, decoded (gunzipped) chunk by chunk; for the parallel load. */
export async function openText(
  path: string,
  options: OpenRecordsOptions = {},
): Promise<{ format: RecordFormat; name: string; text: AsyncGenerator<string> }> {
  const { format, name, bytes } = await openBytes(path, options);
  return { format, name, text: decodeText(bytes) };
}

export async function openDecoder(path: string, options: OpenRecordsOptions = {}): Promise<RecordDecoder> {
  const { format, name, bytes } = await openBytes(path, options);
  const reader = chunkReader(format, {
    ...(format === 'csv' ? options.csv : {}),
    ...readerOptions(name, options),
  });
  const text = decodeText(bytes)[Symbol.asyncIterator]();
  return new RecordDecoder(format, name, reader, text);
}
