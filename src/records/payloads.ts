/**
 * Decoding a list of payloads (e.g. one Kinesis GetRecords response) into one ColumnBatch plus
 * the payloads that were rejected, with the same converters and reasons as `floe load`.
 * Each payload is ONE record: a JSON object, or one CSV line whose fields follow `header`
 * (default: the schema's field order).
 */
import { FloeError } from '../errors.js';
import type { Schema } from '../iceberg/spec/schema.js';
import { emptyBatch, type ColumnBatch } from '../iceberg/writer/batch.js';
import { BatchBuilder } from './builder.js';
import { CsvScanner, type CsvScanTarget } from './csv-scan.js';

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

export function decodePayloads(
  payloads: readonly (string | Uint8Array)[],
  options: DecodePayloadsOptions,
): DecodedPayloads {
  const { schema } = options;
  // The builder's "line" is the payload index here; rejects are re-keyed below.
  const builder = new BatchBuilder(schema, {
    batchRows: Infinity,
    ...(options.inputName !== undefined ? { inputName: options.inputName } : {}),
  });
  const header = options.header ?? schema.fields.map((f) => f.name);
  const extraRejects: PayloadReject[] = [];
  for (let index = 0; index < payloads.length; index++) {
    const p = payloads[index] as string | Uint8Array;
    const text = typeof p === 'string' ? p : decoder.decode(p);
    if (options.format === 'json') {
      builder.json(text, index);
      continue;
    }
    const one = new OneRecord();
    const scanner = new CsvScanner({
      name: options.inputName ?? 'payload',
      ...(options.delimiter !== undefined ? { delimiter: options.delimiter } : {}),
      ...(options.quote !== undefined ? { quote: options.quote } : {}),
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
      continue;
    }
    builder.csv(header, one.cells, one.count, index, text, 0, text.length);
  }
  builder.finish();
  const rejects: PayloadReject[] = builder.rejects.map((r) => ({
    index: r.line,
    reasons: r.reasons,
    raw: r.raw,
  }));
  if (extraRejects.length > 0) {
    rejects.push(...extraRejects);
    rejects.sort((a, b) => a.index - b.index);
  }
  const batch = builder.ready[0] ?? emptyBatch(schema.fields.map((f) => f.id));
  return { batch, rejects };
}
