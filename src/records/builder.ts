/**
 * Records straight into ColumnBatch columns: each field is converted by its column's converter
 * and stored at the row's index in that column's array. No per-record object is made: a record
 * that is rejected has its partial values overwritten by the next record (every column is
 * written for every row), and only accepted rows advance the row count.
 *
 * Synchronous on purpose: readers push a whole chunk of records through it, then the (async)
 * caller hands `rejects` to the reject policy and yields the `ready` batches. Semantics match the
 * per-record RecordMapper (mapper.ts): the same reasons, in the same order.
 */
import { FloeError } from '../errors.js';
import type { Schema } from '../iceberg/spec/schema.js';
import type { IcebergType, NestedField, Value } from '../iceberg/spec/types.js';
import type { ColumnBatch } from '../iceberg/writer/batch.js';
import { keepShape } from '../keep-shape.js';
import { ConversionError, showValue, type Converter } from './convert.js';
import { textConverter, valueConverter, type TextConverter } from './fast-convert.js';
import { mayLosePrecision, parseJsonExact } from './json-exact.js';
import { checkCsvHeader } from './mapper.js';
import type { SourceRecord } from './record.js';

export interface RejectedRow {
  readonly line: number;
  readonly reasons: readonly string[];
  readonly raw: string;
}

export interface BatchStats {
  /** Records read from the input (accepted + rejected). */
  recordsRead: number;
  rowsAccepted: number;
  rowsRejected: number;
}

export function newBatchStats(): BatchStats {
  return { recordsRead: 0, rowsAccepted: 0, rowsRejected: 0 };
}

/**
 * Rows per batch. Small on purpose: the batch being filled is what survives the young-generation
 * garbage collections that happen while it fills, and copying it (then promoting it) cost more
 * than anything else per row with 10,000-row batches (GC time fell from ~0.8 s to ~0.2 s for
 * 200k NYC-311 rows at 2,048).
 */
export const DEFAULT_BATCH_ROWS = 2048;

export interface BatchBuilderOptions {
  schema: Schema;
  /** Rows per batch; default DEFAULT_BATCH_ROWS. Infinity: one batch, taken with `finish()`. */
  batchRows?: number;
  /** Updated as records are added. */
  stats?: BatchStats;
  /** Names the input in configuration errors (CSV header checks). */
  inputName?: string;
}

/**
 * What receives records from the chunk readers (csv.ts, json.ts): CSV records as cells of the
 * reused scanner array (with the header they belong to, and their source range for the raw
 * text), JSON records as their text.
 */
export interface RecordSink {
  csv(
    header: readonly string[],
    cells: readonly string[],
    count: number,
    line: number,
    text: string,
    start: number,
    end: number,
  ): void;
  /**
   * One JSON record's text. `mayLose` false promises the text has no run of 16+ digits (the
   * reader checked its whole chunk at once), so no exact-number parsing is needed.
   */
  json(raw: string, line: number, mayLose?: boolean): void;
  /**
   * Whether the sink needs the source text checked for numbers a double would round (decimal
   * columns, longs inside nested types). Top-level longs do not need it: see BatchBuilder.json.
   */
  readonly exactNumbers: boolean;
}

interface Column {
  readonly field: NestedField;
  /** Position in schema order. */
  readonly index: number;
  /** Whether a number's exact digits can matter (every type but double/float/boolean). */
  readonly digitsMatter: boolean;
  /** A string column: a JSON string is its own value, stored without a converter call. */
  readonly isString: boolean;
  readonly id: number;
  readonly text: TextConverter;
  readonly value: Converter;
  values: Value[];
}

interface CsvPlan {
  readonly header: readonly string[];
  /** Column of each header position. */
  readonly columns: readonly Column[];
  /** Schema columns the header lacks: always null. */
  readonly absent: readonly Column[];
  /** Required columns of the header, whose empty field means a rejected row. */
  readonly required: readonly Column[];
}

function needsExactNumbers(type: IcebergType): boolean {
  switch (type.kind) {
    case 'long':
    case 'decimal':
      return true;
    case 'struct':
      return type.fields.some((f) => needsExactNumbers(f.type));
    case 'list':
      return needsExactNumbers(type.element);
    case 'map':
      return needsExactNumbers(type.key) || needsExactNumbers(type.value);
    default:
      return false;
  }
}

function reason(field: NestedField, err: unknown): string {
  if (err instanceof ConversionError || err instanceof FloeError)
    return `column "${field.name}": ${err.message}`;
  throw err;
}

export class BatchBuilder implements RecordSink {
  /** Full batches, oldest first; the caller takes them (splice) after each push. */
  readonly ready: ColumnBatch[] = [];
  /** Rejected records since the caller last emptied this list, in input order. */
  readonly rejects: RejectedRow[] = [];
  readonly stats: BatchStats;
  /** Rows in the batch being built. */
  count = 0;
  private readonly columns: Column[];
  private readonly byName: Map<string, number>;
  private readonly requiredIdx: number[];
  private readonly batchRows: number;
  /** Decimal or nested long columns: records with long digit runs are parsed exactly up front. */
  private readonly exactText: boolean;
  /**
   * Long/decimal columns anywhere: numbers JSON.parse may have rounded (not safe integers) that
   * land in a column where the digits matter make the record be parsed again exactly.
   */
  private readonly exactLongs: boolean;
  private readonly inputName: string;
  private plan: CsvPlan | undefined;
  /** Per column: the serial of the last record that gave it a value (JSON) / failed converting it. */
  private readonly written: Float64Array;
  private readonly failed: Float64Array;
  private serial = 0;
  // Key order of the last JSON objects: objects of one input nearly always share it, and
  // comparing interned key strings is cheaper than a Map lookup per key.
  private keyNames: string[] = [];
  private keyColumns: number[] = [];

  constructor(
    readonly schema: Schema,
    options: Omit<BatchBuilderOptions, 'schema'> = {},
  ) {
    keepShape(this);
    this.batchRows = options.batchRows ?? DEFAULT_BATCH_ROWS;
    this.columns = schema.fields.map((field, index) => ({
      field,
      index,
      digitsMatter:
        field.type.kind !== 'double' && field.type.kind !== 'float' && field.type.kind !== 'boolean',
      isString: field.type.kind === 'string',
      id: field.id,
      text: textConverter(field.type),
      value: valueConverter(field.type),
      values: this.freshValues(),
    }));
    this.byName = new Map(schema.fields.map((f, i) => [f.name, i]));
    this.requiredIdx = schema.fields.flatMap((f, i) => (f.required ? [i] : []));
    this.stats = options.stats ?? newBatchStats();
    this.exactText = schema.fields.some((f) => f.type.kind !== 'long' && needsExactNumbers(f.type));
    this.exactLongs = schema.fields.some((f) => needsExactNumbers(f.type));
    this.inputName = options.inputName ?? 'input';
    this.written = new Float64Array(this.columns.length);
    this.failed = new Float64Array(this.columns.length);
  }

  get exactNumbers(): boolean {
    return this.exactText;
  }

  private csvPlan(header: readonly string[]): CsvPlan {
    if (this.plan?.header === header) return this.plan;
    checkCsvHeader(header, this.schema, this.inputName);
    const columns = header.map((h) => this.columns[this.byName.get(h) as number] as Column);
    const absent = this.columns.filter((c) => !columns.includes(c));
    // Schema order, so the reasons come in the same order as from the JSON path.
    const required = this.columns.filter((c) => c.field.required && columns.includes(c));
    this.plan = { header, columns, absent, required };
    return this.plan;
  }

  csv(
    header: readonly string[],
    cells: readonly string[],
    count: number,
    line: number,
    text: string,
    start: number,
    end: number,
  ): void {
    const plan = this.plan?.header === header ? this.plan : this.csvPlan(header);
    this.stats.recordsRead++;
    if (count !== header.length) {
      this.reject(line, [`expected ${header.length} fields (the header's), got ${count}`], text, start, end);
      return;
    }
    const row = this.count;
    const serial = ++this.serial;
    const columns = plan.columns;
    let reasons: string[] | undefined;
    for (let i = 0; i < count; i++) {
      const col = columns[i] as Column;
      const cell = cells[i] as string;
      if (cell.length === 0) {
        col.values[row] = null;
        continue;
      }
      try {
        col.values[row] = col.text(cell);
      } catch (err) {
        col.values[row] = null;
        this.failed[col.index] = serial;
        (reasons ??= []).push(reason(col.field, err));
      }
    }
    const absent = plan.absent;
    for (let k = 0; k < absent.length; k++) (absent[k] as Column).values[row] = null;
    const required = plan.required;
    for (let k = 0; k < required.length; k++) {
      const col = required[k] as Column;
      // A conversion failure already explains the null; report it once.
      if (col.values[row] === null && this.failed[col.index] !== serial) {
        (reasons ??= []).push(`column "${col.field.name}" is required but missing`);
      }
    }
    if (reasons !== undefined) {
      this.reject(line, reasons, text, start, end);
      return;
    }
    this.accept();
  }

  json(raw: string, line: number, mayLose = true): void {
    this.stats.recordsRead++;
    // Exact parsing (JsonNumber for 16+ significant digits) is several times slower than
    // JSON.parse, so it is used only where a double may have rounded something: up front when
    // decimal/nested columns meet a long digit run; otherwise after the fact, when a column whose
    // digits matter got a number that is not a safe integer. (One difference to parsing every
    // record with a long digit run exactly: an integer of at most 2^53 spelled with 16+
    // significant digits, e.g. 1000000000000000.0, is taken as that integer.)
    const exact = this.exactText && mayLose && mayLosePrecision(raw);
    let value: unknown;
    try {
      value = exact ? parseJsonExact(raw) : JSON.parse(raw);
    } catch (err) {
      this.rejectInvalid(raw, line, err);
      return;
    }
    if (this.object(value, line, raw, !exact && this.exactLongs)) return;
    try {
      value = parseJsonExact(raw);
    } catch (err) {
      this.rejectInvalid(raw, line, err);
      return;
    }
    this.object(value, line, raw, false);
  }

  private rejectInvalid(raw: string, line: number, err: unknown): void {
    let message: string;
    if (err instanceof FloeError) message = err.message;
    else if (this.exactLongs && mayLosePrecision(raw)) {
      // The reason the exact parser gives, as when it parsed every such record up front.
      try {
        parseJsonExact(raw);
        message = `invalid JSON: ${(err as Error).message}`;
      } catch (exactErr) {
        message = (exactErr as Error).message;
      }
    } else message = `invalid JSON: ${(err as Error).message}`;
    this.reject(line, [message], raw, 0, raw.length);
  }

  /**
   * One parsed JSON value as a row. `raw` is its text for the rejected-rows file. With
   * `checkLongs`, returns false (and adds nothing) when a long column got a number that is not
   * a safe integer: JSON.parse may have rounded it, so the caller parses the text exactly.
   */
  object(value: unknown, line: number, raw: string, checkLongs = false): boolean {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.reject(
        line,
        [`expected a JSON object, got ${Array.isArray(value) ? 'an array' : showValue(value)}`],
        raw,
        0,
        raw.length,
      );
      return true;
    }
    const obj = value as Record<string, unknown>;
    const serial = ++this.serial;
    const row = this.count;
    const columns = this.columns;
    const written = this.written;
    const keyNames = this.keyNames;
    const keyColumns = this.keyColumns;
    let reasons: string[] | undefined;
    let k = 0;
    for (const key in obj) {
      let idx: number;
      if (k < keyNames.length && keyNames[k] === key) idx = keyColumns[k] as number;
      else {
        idx = this.byName.get(key) ?? -1;
        keyNames[k] = key;
        keyColumns[k] = idx;
      }
      k++;
      if (idx < 0) {
        (reasons ??= []).push(`unknown column "${key}"`);
        continue;
      }
      const v = obj[key];
      if (v === null || v === undefined) continue;
      const col = columns[idx] as Column;
      // Marked before the checkLongs bail-out below: a record that bails out is walked again
      // under a new serial, so the mark is harmless.
      written[idx] = serial;
      // The commonest field (9 of NYC-311's 15): what the string converter would return, without
      // the call through a converter that differs per column.
      if (col.isString && typeof v === 'string') {
        col.values[row] = v;
        continue;
      }
      if (checkLongs && col.digitsMatter && typeof v === 'number' && !Number.isSafeInteger(v)) return false;
      try {
        col.values[row] = col.value(v);
      } catch (err) {
        col.values[row] = null;
        this.failed[idx] = serial;
        (reasons ??= []).push(reason(col.field, err));
      }
    }
    if (k < keyNames.length) keyNames.length = keyColumns.length = k;
    for (let i = 0; i < columns.length; i++) {
      if (written[i] !== serial) (columns[i] as Column).values[row] = null;
    }
    const required = this.requiredIdx;
    for (let r = 0; r < required.length; r++) {
      const i = required[r] as number;
      // Written but failed: the conversion reason already explains it.
      if (written[i] !== serial) {
        (reasons ??= []).push(`column "${(columns[i] as Column).field.name}" is required but missing`);
      }
    }
    if (reasons !== undefined) {
      this.reject(line, reasons, raw, 0, raw.length);
      return true;
    }
    this.accept();
    return true;
  }

  /** One record as the per-record readers make them (slow path: sampling, legacy callers). */
  record(rec: SourceRecord): void {
    if (rec.kind === 'csv')
      this.csv(rec.header, rec.cells, rec.cells.length, rec.line, rec.raw, 0, rec.raw.length);
    else this.json(rec.raw, rec.line);
  }

  private accept(): void {
    this.stats.rowsAccepted++;
    if (++this.count >= this.batchRows) this.ready.push(this.take());
  }

  private reject(line: number, reasons: string[], text: string, start: number, end: number): void {
    this.stats.rowsRejected++;
    this.rejects.push({
      line,
      reasons,
      raw: start === 0 && end === text.length ? text : text.slice(start, end),
    });
  }

  private take(): ColumnBatch {
    const count = this.count;
    const columns = new Map<number, Value[]>();
    for (const col of this.columns) {
      const values = col.values;
      if (values.length !== count) values.length = count; // a rejected last record's leftovers
      columns.set(col.id, values);
      col.values = this.freshValues();
    }
    this.count = 0;
    return { rowCount: count, columns };
  }

  /** A column array for the next batch: full size up front, so filling it by index never grows it. */
  private freshValues(): Value[] {
    return this.batchRows === Infinity ? [] : new Array<Value>(this.batchRows);
  }

  /**
   * Sizes the column arrays of the batch being built for `rows` rows when no row is in it yet
   * (a builder with unbounded batches, fed one known-size list at a time): filling arrays of
   * the right size by index never grows them.
   */
  reserve(rows: number): void {
    if (this.count !== 0 || this.batchRows !== Infinity) return;
    for (const col of this.columns) col.values = new Array<Value>(rows);
  }

  /** Ends the input: the partial batch (if any rows) joins `ready`. */
  finish(): void {
    if (this.count > 0) this.ready.push(this.take());
  }
}
