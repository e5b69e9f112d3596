/**
 * Decoding a list of payloads (e.g. one Kinesis GetRecords response) into one ColumnBatch plus
 * the payloads that were rejected, with the same converters and reasons as `floe load`.
 * Each payload is ONE record: a JSON object, or one CSV line whose fields follow `header`
 * (default: the schema's field order).
 *
 * JSON byte payloads are decoded in runs: a run of payloads (up to RUN_BYTES) is copied into one
 * buffer with a line feed after each and decoded to text once. One decode per record cost more
 * than the JSON parsing itself in the consumer's profiles. An all-ASCII run (the common case) is
 * decoded as Latin-1 and each payload's text is the slice at its own byte offsets (a V8 sliced
 * string: no copy, no scan for line feeds). A run with other bytes is decoded as UTF-8 and cut at
 * the line feeds. The result is exactly that of decoding each payload on its own: in a UTF-8 run,
 * a payload holding a raw line feed (not valid inside a JSON token, but possible in a bad record)
 * makes the run fall back to one decode per payload; a payload starting with a byte order mark
 * (which TextDecoder strips per payload) is decoded on its own; and a UTF-8 error next to a
 * separator gives the same replacement characters as at the end of a payload. Rejected payloads
 * are decoded again on their own for `raw`, so a reject never pins the whole run's text.
 */
import { isAscii } from 'node:buffer';
import { FloeError } from '../errors.js';
import type { Schema } from '../iceberg/spec/schema.js';
import { emptyBatch, type ColumnBatch } from '../iceberg/writer/batch.js';
import { keepShape } from '../keep-shape.js';
import { BatchBuilder } from './builder.js';
import { CsvScanner, type CsvScanTarget } from './csv-scan.js';
import { mayLosePrecision } from './json-exact.js';

export interface DecodePayloadsOptions {
  schema: Schema;
  format: 'json' | 'csv';
  /** CSV: the column of each field position; default the schema's field names in order. */
  header?: readonly string[];
  delimiter?: string;
  quote?: string;
  /** Names the source in configuration errors. */
  inputName?: string;
}

export interface PayloadReject {
  /** Position of the payload in the input list (0-based). */
  readonly index: number;
  readonly reasons: readonly string[];
  /** The payload as text. */
  readonly raw: string;
}

export interface DecodedPayloads {
  /** The accepted payloads in input order (rowCount 0 when none). */
  readonly batch: ColumnBatch;
  readonly rejects: readonly PayloadReject[];
}

const decoder = new TextDecoder('utf-8');
const LF = 10;
/**
 * Bytes of payloads joined into one run at most (a payload larger than this is decoded alone).
 * Its text then stays a regular young-generation string: V8 puts strings above ~128 KiB in the
 * large-object space, where each one is a fresh mapping of its own (page faults, then unmapping).
 */
const RUN_BYTES = 64 * 1024;

/** Collects the cells of the single record a CSV payload must hold. */
class OneRecord implements CsvScanTarget {
  records = 0;
  cells: string[] = [];
  count = 0;
  record(cells: string[], count: number): void {
    this.records++;
    if (this.records === 1) {
      this.cells = cells.slice(0, count);
      this.count = count;
    }
  }
}

function startsWithBom(p: Uint8Array): boolean {
  return p.length >= 3 && p[0] === 0xef && p[1] === 0xbb && p[2] === 0xbf;
}

function asText(p: string | Uint8Array): string {
  return typeof p === 'string' ? p : decoder.decode(p);
}

/**
 * A reusable decoder for one schema and format: call `decode` once per list of payloads. Reusing
 * it keeps the builder's per-input caches (JSON key order) warm across the lists of a stream.
 */
export class PayloadDecoder {
  private readonly builder: BatchBuilder;
  private readonly header: readonly string[];
  private readonly fieldIds: number[];
  /** Scratch for the line feed offsets of a joined run. */
  private ends = new Int32Array(0);
  /** Scratch for a joined run's bytes (its text is a copy, so the buffer is reused). */
  private scratch = Buffer.alloc(0);

  constructor(private readonly options: DecodePayloadsOptions) {
    keepShape(this);
    const { schema } = options;
    // The builder's "line" is the payload index here; rejects are re-keyed in decode().
    this.builder = new BatchBuilder(schema, {
      batchRows: Infinity,
      ...(options.inputName !== undefined ? { inputName: options.inputName } : {}),
    });
    this.header = options.header ?? schema.fields.map((f) => f.name);
    this.fieldIds = schema.fields.map((f) => f.id);
  }

  decode(payloads: readonly (string | Uint8Array)[]): DecodedPayloads {
    const builder = this.builder;
    builder.ready.length = 0;
    builder.rejects.length = 0;
    builder.reserve(payloads.length);
    const extraRejects: PayloadReject[] = [];
    if (this.options.format === 'json') this.json(payloads);
    else for (let index = 0; index < payloads.length; index++) this.csv(payloads, index, extraRejects);
    builder.finish();
    const rejects: PayloadReject[] = builder.rejects.map((r) => ({
      index: r.line,
      reasons: r.reasons,
      // The builder's raw may be a slice of a joined run: decode the payload alone instead.
      raw: asText(payloads[r.line] as string | Uint8Array),
    }));
    builder.rejects.length = 0;
    if (extraRejects.length > 0) {
      rejects.push(...extraRejects);
      rejects.sort((a, b) => a.index - b.index);
    }
    const batch = builder.ready[0] ?? emptyBatch(this.fieldIds);
    builder.ready.length = 0;
    return { batch, rejects };
  }

  private json(payloads: readonly (string | Uint8Array)[]): void {
    const n = payloads.length;
    let i = 0;
    while (i < n) {
      // A run of byte payloads that can be joined: [i, j), at most RUN_BYTES unless one alone is more.
      let j = i;
      let bytes = 0;
      for (; j < n; j++) {
        const p = payloads[j] as string | Uint8Array;
        if (typeof p === 'string' || startsWithBom(p)) break;
        if (j > i && bytes + p.length + 1 > RUN_BYTES) break;
        bytes += p.length + 1;
      }
      if (j - i >= 2) {
        this.jsonRun(payloads, i, j, bytes);
        i = j;
        continue;
      }
      const p = payloads[i] as string | Uint8Array;
      this.builder.json(asText(p), i);
      i++;
    }
  }

  /**
   * Payloads [from, to) (bytes, no BOM) as one text. All ASCII (the common case): each payload's
   * text is the slice at its byte offsets, so nothing is scanned and a payload may hold line feeds.
   * Otherwise the UTF-8 text is cut at the line feeds, falling back to one decode per payload when
   * one holds a line feed.
   */
  private jsonRun(payloads: readonly (string | Uint8Array)[], from: number, to: number, bytes: number): void {
    if (this.scratch.length < bytes)
      this.scratch = Buffer.allocUnsafeSlow(Math.max(bytes, 2 * this.scratch.length));
    const joined = this.scratch.subarray(0, bytes);
    let off = 0;
    for (let k = from; k < to; k++) {
      const p = payloads[k] as Uint8Array;
      joined.set(p, off);
      off += p.length;
      // The separator also keeps the digit-run scan below from joining two payloads' digits.
      joined[off++] = LF;
    }
    const builder = this.builder;
    const count = to - from;
    if (this.ends.length < count) this.ends = new Int32Array(Math.max(count, 2 * this.ends.length));
    // ends[k]: where the separator after payload from + k stands in the text.
    const ends = this.ends;
    let text: string;
    if (isAscii(joined)) {
      text = joined.toString('latin1');
      // One character per byte: each payload ends where its bytes do, line feeds inside it or not.
      let end = -1;
      for (let k = 0; k < count; k++) ends[k] = end += (payloads[from + k] as Uint8Array).length + 1;
    } else {
      text = decoder.decode(joined);
      // Exactly one line feed per payload (the separators) means no payload holds one.
      let lines = 0;
      for (let nl = text.indexOf('\n'); nl !== -1; nl = text.indexOf('\n', nl + 1)) {
        if (lines === count) break;
        ends[lines++] = nl;
      }
      if (lines !== count || ends[count - 1] !== text.length - 1) {
        for (let k = from; k < to; k++) builder.json(decoder.decode(payloads[k] as Uint8Array), k);
        return;
      }
    }
    // One scan of the run instead of one per record (as the NDJSON file reader does).
    const mayLose = builder.exactNumbers && mayLosePrecision(text);
    let start = 0;
    for (let k = 0; k < count; k++) {
      const end = ends[k] as number;
      builder.json(text.slice(start, end), from + k, mayLose);
      start = end + 1;
    }
  }

  private csv(
    payloads: readonly (string | Uint8Array)[],
    index: number,
    extraRejects: PayloadReject[],
  ): void {
    const builder = this.builder;
    const text = asText(payloads[index] as string | Uint8Array);
    const one = new OneRecord();
    const scanner = new CsvScanner({
      name: this.options.inputName ?? 'payload',
      ...(this.options.delimiter !== undefined ? { delimiter: this.options.delimiter } : {}),
      ...(this.options.quote !== undefined ? { quote: this.options.quote } : {}),
    });
    // One payload is one record: a trailing line break is allowed, a second record is not.
    let reason: string | undefined;
    try {
      scanner.push(text, true, one);
      if (one.records === 0) reason = 'empty payload';
      else if (one.records > 1) reason = `expected one CSV record, got ${one.records}`;
    } catch (err) {
      if (!(err instanceof FloeError)) throw err;
      reason = err.message;
    }
    if (reason !== undefined) {
      builder.stats.recordsRead++;
      builder.stats.rowsRejected++;
      extraRejects.push({ index, reasons: [reason], raw: text });
      return;
    }
    builder.csv(this.header, one.cells, one.count, index, text, 0, text.length);
  }
}

export function decodePayloads(
  payloads: readonly (string | Uint8Array)[],
  options: DecodePayloadsOptions,
): DecodedPayloads {
  return new PayloadDecoder(options).decode(payloads);
}
