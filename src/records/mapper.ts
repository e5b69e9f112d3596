/**
 * Source records -> rows of Iceberg values in schema field order, or the reasons a record is
 * rejected. Only top-level columns are matched by name; nested values go through converterFor.
 */
import { FloeError } from '../errors.js';
import type { Schema } from '../iceberg/spec/schema.js';
import type { IcebergType, NestedField, Value } from '../iceberg/spec/types.js';
import { ConversionError, converterFor, showValue, type Converter } from './convert.js';
import { parseJsonRecord } from './json-exact.js';
import type { CsvRecord, JsonRecord, SourceRecord } from './record.js';

interface Column {
  readonly field: NestedField;
  readonly convert: Converter;
}

interface CsvPlan {
  readonly header: readonly string[];
  /** For each header position, the index of its column in schema order. */
  readonly positions: readonly number[];
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

/**
 * Checks a CSV header against the schema before any data is written: a header column the schema
 * does not have, a duplicate header, or a required column missing from the header is a
 * configuration problem of the whole load (FloeError 'config', exit code 2), not a row problem.
 */
export function checkCsvHeader(header: readonly string[], schema: Schema, inputName = 'input'): void {
  const seen = new Set<string>();
  const known = new Set(schema.fields.map((f) => f.name));
  const unknown: string[] = [];
  for (const h of header) {
    if (seen.has(h)) throw new FloeError('config', `${inputName}: the header has column "${h}" twice`);
    seen.add(h);
    if (!known.has(h)) unknown.push(h);
  }
  if (unknown.length > 0) {
    const list = unknown.map((u) => `"${u}"`).join(', ');
    throw new FloeError(
      'config',
      `${inputName}: unknown column${unknown.length > 1 ? 's' : ''} ${list} in the CSV header (the table has ${schema.fields.map((f) => f.name).join(', ')})`,
    );
  }
  const missing = schema.fields.filter((f) => f.required && !seen.has(f.name)).map((f) => `"${f.name}"`);
  if (missing.length > 0) {
    throw new FloeError(
      'config',
      `${inputName}: required column${missing.length > 1 ? 's' : ''} ${missing.join(', ')} missing from the CSV header`,
    );
  }
}

export class RecordMapper {
  readonly columns: readonly Column[];
  private readonly byName: Map<string, number>;
  private readonly exact: boolean;
  private plan: CsvPlan | undefined;

  constructor(
    readonly schema: Schema,
    private readonly inputName = 'input',
  ) {
    this.columns = schema.fields.map((field) => ({ field, convert: converterFor(field.type) }));
    this.byName = new Map(schema.fields.map((f, i) => [f.name, i]));
    this.exact = schema.fields.some((f) => needsExactNumbers(f.type));
  }

  /**
   * Converts one record into `row` (length = number of columns, schema order).
   * Returns undefined on success, or the reasons the record is rejected.
   */
  map(record: SourceRecord, row: Value[]): string[] | undefined {
    return record.kind === 'csv' ? this.mapCsv(record, row) : this.mapJson(record, row);
  }

  private csvPlan(header: readonly string[]): CsvPlan {
    if (this.plan?.header === header) return this.plan;
    checkCsvHeader(header, this.schema, this.inputName);
    this.plan = { header, positions: header.map((h) => this.byName.get(h) as number) };
    return this.plan;
  }

  private mapCsv(record: CsvRecord, row: Value[]): string[] | undefined {
    const plan = this.csvPlan(record.header);
    const cells = record.cells;
    if (cells.length !== plan.header.length) {
      return [`expected ${plan.header.length} fields (the header's), got ${cells.length}`];
    }
    row.fill(null);
    let reasons: string[] | undefined;
    for (let i = 0; i < cells.length; i++) {
      const text = cells[i] as string;
      if (text === '') continue; // empty field = null; required columns are checked below
      const index = plan.positions[i] as number;
      const col = this.columns[index] as Column;
      try {
        row[index] = col.convert(text);
      } catch (err) {
        (reasons ??= []).push(reason(col.field, err));
      }
    }
    return this.checkRequired(row, reasons);
  }

  private mapJson(record: JsonRecord, row: Value[]): string[] | undefined {
    let value: unknown;
    try {
      value = parseJsonRecord(record.raw, this.exact);
    } catch (err) {
      return [(err as Error).message];
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      return [`expected a JSON object, got ${Array.isArray(value) ? 'an array' : showValue(value)}`];
    }
    const obj = value as Record<string, unknown>;
    row.fill(null);
    let reasons: string[] | undefined;
    for (const key in obj) {
      const index = this.byName.get(key);
      if (index === undefined) {
        (reasons ??= []).push(`unknown column "${key}"`);
        continue;
      }
      const v = obj[key];
      if (v === null || v === undefined) continue;
      const col = this.columns[index] as Column;
      try {
        row[index] = col.convert(v);
      } catch (err) {
        (reasons ??= []).push(reason(col.field, err));
      }
    }
    return this.checkRequired(row, reasons);
  }

  private checkRequired(row: Value[], reasons: string[] | undefined): string[] | undefined {
    for (let i = 0; i < this.columns.length; i++) {
      const col = this.columns[i] as Column;
      // A conversion failure already explains a null here; report it once.
      if (
        col.field.required &&
        row[i] === null &&
        !reasons?.some((r) => r.startsWith(`column "${col.field.name}"`))
      ) {
        (reasons ??= []).push(`column "${col.field.name}" is required but missing`);
      }
    }
    return reasons;
  }
}

function reason(field: NestedField, err: unknown): string {
  if (err instanceof ConversionError) return `column "${field.name}": ${err.message}`;
  if (err instanceof FloeError) return `column "${field.name}": ${err.message}`;
  throw err;
}
