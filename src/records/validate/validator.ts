/**
 * Cleaning and validation of column batches.
 *
 * Rules are compiled once against the table schema (column names → field ids, literals converted
 * to the column's type, regexes compiled) and then run column by column over each batch, so the
 * columnar pipeline never builds per-row objects.
 *
 * Semantics:
 * - Cleaning runs first (trim → emptyAsNull → case), then every check; checks see cleaned values.
 *   The input batch is never mutated: a cleaned column is copied on its first changed value.
 * - Every violated rule of a row is reported, in a fixed order: per configured field (in the
 *   order of `fields`) required, min, max, enum, regex, minLength, maxLength; then `checks` in order.
 * - Null values: only `required` looks at them. min/max/enum/regex/length pass on null, and a
 *   cross-field comparison with a null on either side passes (SQL would say "unknown"; we do not
 *   reject on unknown). To reject a missing value, make the field required (in the schema or with
 *   `"required": true`); the null is then reported once, by the required rule.
 * - A NaN double fails min/max (it is in no range) and every comparison.
 */
import { FloeError } from '../../errors.js';
import type { Schema } from '../../iceberg/spec/schema.js';
import type { IcebergType, NestedField, Value } from '../../iceberg/spec/types.js';
import type { ColumnBatch } from '../../iceberg/writer/batch.js';
import { ConversionError, converterFor } from '../convert.js';
import { compactBatch } from './compact.js';
import { parseRules, type Check, type ComparisonOp, type FieldRules, type RulesConfig } from './config.js';
import { compareValues, showLiteral, showValue } from './values.js';

/** A rejected row: its index in the batch given to `apply` and every reason it was rejected. */
export interface RejectedRow {
  readonly index: number;
  readonly reasons: readonly string[];
  /** Per reason, the rule that failed: `field:required|min|max|enum|regex|minLength|maxLength`, or `left op right`. */
  readonly rules: readonly string[];
}

export interface ValidationResult {
  /** The valid rows, cleaned, in input order (the input batch itself when all rows pass and nothing was cleaned). */
  readonly batch: ColumnBatch;
  /** For each row of `batch`, its index in the input batch. */
  readonly kept: Uint32Array;
  /** Rejected rows by ascending index. */
  readonly rejected: readonly RejectedRow[];
}

/** `Validator.check`'s result: every row of the cleaned batch, flagged. */
export interface CheckResult {
  /** The cleaned batch, all rows (the input batch itself when nothing was cleaned, or cleaned in place). */
  readonly batch: ColumnBatch;
  /** 1 for each rejected row. */
  readonly drop: Uint8Array;
  /** Rejected rows by ascending index. */
  readonly rejected: readonly RejectedRow[];
}

/** A row check over one column: `test` returns the reason for a non-null value that fails, else undefined. */
interface ValueCheck {
  readonly rule: string;
  readonly test: (value: Value) => string | undefined;
}

interface FieldPlan {
  readonly field: NestedField;
  readonly required: boolean;
  readonly checks: readonly ValueCheck[];
}

interface CleanPlan {
  readonly fieldId: number;
  readonly trim: boolean;
  readonly emptyAsNull: boolean;
  readonly toCase: 'upper' | 'lower' | undefined;
}

interface ComparePlan {
  readonly left: NestedField;
  readonly right: NestedField;
  readonly op: ComparisonOp;
  readonly test: (c: number) => boolean;
}

const OP_TESTS: Record<ComparisonOp, (c: number) => boolean> = {
  // NaN (unordered) fails every test, != included: a NaN is not known to differ.
  '<': (c) => c < 0,
  '<=': (c) => c <= 0,
  '>': (c) => c > 0,
  '>=': (c) => c >= 0,
  '==': (c) => c === 0,
  '!=': (c) => c !== 0 && !Number.isNaN(c),
};

const RANGE_KINDS = new Set([
  'int',
  'long',
  'float',
  'double',
  'decimal',
  'date',
  'time',
  'timestamp',
  'timestamptz',
]);

export class Validator {
  private readonly cleanPlans: readonly CleanPlan[];
  private readonly fieldPlans: readonly FieldPlan[];
  private readonly comparePlans: readonly ComparePlan[];
  /** The parsed rules. */
  readonly rules: RulesConfig;

  /** Compiles `rules` (parsed config, or raw JSON data to parse) for `schema`; FloeError('config') on a bad rule. */
  constructor(
    readonly schema: Schema,
    rules: RulesConfig | unknown,
  ) {
    // Parsing is idempotent, so parsed configs and raw JSON data are both accepted.
    const config = parseRules(rules);
    this.rules = config;
    const fields = config.fields ?? {};
    const cleanPlans: CleanPlan[] = [];
    for (const field of schema.fields) {
      const r = fields[field.name];
      const trim = r?.trim ?? config.clean?.trim ?? false;
      const emptyAsNull = r?.emptyAsNull ?? config.clean?.emptyAsNull ?? false;
      const toCase = r?.case;
      if (field.type.kind !== 'string') {
        if (r && (r.trim || r.emptyAsNull || toCase)) {
          throw configError(
            field.name,
            `trim, emptyAsNull and case apply to string columns, not ${typeName(field.type)}`,
          );
        }
        continue;
      }
      if (trim || emptyAsNull || toCase) cleanPlans.push({ fieldId: field.id, trim, emptyAsNull, toCase });
    }
    this.cleanPlans = cleanPlans;
    this.fieldPlans = Object.entries(fields).map(([name, r]) =>
      compileField(topField(schema, name, `fields.${name}`), r),
    );
    this.comparePlans = (config.checks ?? []).map((c, i) => compileCheck(schema, c, i));
  }

  /** True when the rules neither clean nor check anything (apply returns its input). */
  get isEmpty(): boolean {
    return this.cleanPlans.length === 0 && this.fieldPlans.length === 0 && this.comparePlans.length === 0;
  }

  /** Cleans, then validates; returns the valid rows (compacted) and every rejected row with all its reasons. */
  apply(batch: ColumnBatch): ValidationResult {
    const { batch: cleaned, drop, rejected } = this.check(batch);
    const { batch: valid, kept } = compactBatch(cleaned, drop, rejected.length);
    return { batch: valid, kept, rejected };
  }

  /**
   * `apply` without the compaction: the cleaned batch (all rows), a flag per row set for the
   * rejected ones, and the rejected rows. For callers that drop more rows (dedupe) and compact
   * once. With `inPlace`, cleaning writes into the batch's own column arrays (the caller owns
   * them and needs no uncleaned copy), which saves a copy per cleaned column.
   */
  check(batch: ColumnBatch, options: { inPlace?: boolean } = {}): CheckResult {
    const cleaned = this.clean(batch, options.inPlace ?? false);
    const { reasons, rules } = this.collect(cleaned);
    const n = cleaned.rowCount;
    const drop = new Uint8Array(n);
    const rejected: RejectedRow[] = [];
    for (let i = 0; i < n; i++) {
      const r = reasons[i];
      if (r !== undefined) {
        drop[i] = 1;
        rejected.push({ index: i, reasons: r, rules: rules[i] as string[] });
      }
    }
    return { batch: cleaned, drop, rejected };
  }

  /** The batch with cleaning applied (the same object when nothing changed, or with `inPlace`). */
  clean(batch: ColumnBatch, inPlace = false): ColumnBatch {
    let columns: Map<number, readonly Value[]> | undefined;
    for (const plan of this.cleanPlans) {
      const col = batch.columns.get(plan.fieldId);
      if (!col) continue;
      let out: Value[] | undefined;
      for (let i = 0; i < batch.rowCount; i++) {
        const v = col[i] ?? null;
        if (typeof v !== 'string') continue;
        let s = plan.trim && mayNeedTrim(v) ? v.trim() : v;
        let c: Value = s;
        if (plan.emptyAsNull && s === '') c = null;
        else if (plan.toCase === 'upper') c = s = s.toUpperCase();
        else if (plan.toCase === 'lower') c = s = s.toLowerCase();
        if (c === v) continue;
        out ??= inPlace ? (col as Value[]) : col.slice();
        out[i] = c;
      }
      if (out && !inPlace) {
        columns ??= new Map(batch.columns);
        columns.set(plan.fieldId, out);
      }
    }
    return columns ? { rowCount: batch.rowCount, columns } : batch;
  }

  /**
   * Every violation of every row, without cleaning: index i holds row i's reasons in rule order,
   * or undefined when the row passes.
   */
  violations(batch: ColumnBatch): (string[] | undefined)[] {
    return this.collect(batch).reasons;
  }

  /** Every violation of every row, with the rule of each (parallel arrays). */
  private collect(batch: ColumnBatch): {
    reasons: (string[] | undefined)[];
    rules: (string[] | undefined)[];
  } {
    const n = batch.rowCount;
    const reasons = new Array<string[] | undefined>(n);
    const rules = new Array<string[] | undefined>(n);
    const add = (i: number, reason: string, rule: string) => {
      const r = reasons[i];
      if (r) {
        r.push(reason);
        (rules[i] as string[]).push(rule);
      } else {
        reasons[i] = [reason];
        rules[i] = [rule];
      }
    };
    for (const plan of this.fieldPlans) {
      const col = batch.columns.get(plan.field.id);
      const requiredReason = `${plan.field.name} is required`;
      const requiredRule = `${plan.field.name}:required`;
      for (let i = 0; i < n; i++) {
        const v = col?.[i] ?? null;
        if (v === null) {
          if (plan.required) add(i, requiredReason, requiredRule);
          continue;
        }
        for (const check of plan.checks) {
          const reason = check.test(v);
          if (reason !== undefined) add(i, reason, check.rule);
        }
      }
    }
    for (const plan of this.comparePlans) {
      const left = batch.columns.get(plan.left.id);
      const right = batch.columns.get(plan.right.id);
      if (!left || !right) continue; // a missing column is all null: comparisons with null pass
      const rule = `${plan.left.name} ${plan.op} ${plan.right.name}`;
      for (let i = 0; i < n; i++) {
        const a = left[i] ?? null;
        const b = right[i] ?? null;
        if (a === null || b === null) continue;
        if (!plan.test(compareValues(a, b))) {
          add(
            i,
            `${plan.left.name} ${showValue(a, plan.left.type)} is not ${plan.op} ${plan.right.name} ${showValue(b, plan.right.type)}`,
            rule,
          );
        }
      }
    }
    return { reasons, rules };
  }
}

/** Cheap pre-check: trim only strings whose ends could be white space (ASCII controls/space or non-ASCII). */
function mayNeedTrim(s: string): boolean {
  if (s.length === 0) return false;
  const a = s.charCodeAt(0);
  const b = s.charCodeAt(s.length - 1);
  return a <= 32 || a >= 0x80 || b <= 32 || b >= 0x80;
}

/** Compiles rules for a schema: `new Validator(schema, rules)`. */
export function compileRules(schema: Schema, rules: RulesConfig | unknown): Validator {
  return new Validator(schema, rules);
}

function topField(schema: Schema, name: string, path: string): NestedField {
  const field = schema.fields.find((f) => f.name === name);
  if (!field) {
    const names = schema.fields.map((f) => f.name).join(', ');
    throw new FloeError('config', `rules: ${path}: no column "${name}" in the schema (columns: ${names})`);
  }
  return field;
}

function configError(name: string, message: string): FloeError {
  return new FloeError('config', `rules: fields.${name}: ${message}`);
}

function typeName(type: IcebergType): string {
  if (type.kind === 'decimal') return `decimal(${type.precision},${type.scale})`;
  if (type.kind === 'fixed') return `fixed[${type.length}]`;
  return type.kind;
}

function convertLiteral(field: NestedField, key: string, literal: number | string): Value {
  try {
    const v = converterFor(field.type)(literal);
    if (v === null) throw new ConversionError(`${JSON.stringify(literal)} is empty`);
    return v;
  } catch (err) {
    const reason = err instanceof ConversionError ? err.message : (err as Error).message;
    throw configError(field.name, `${key}: ${reason}`);
  }
}

function compileField(field: NestedField, r: FieldRules): FieldPlan {
  const { type, name } = field;
  const kind = type.kind;
  const checks: ValueCheck[] = [];
  let min: Value | undefined;
  let max: Value | undefined;
  if (r.min !== undefined || r.max !== undefined) {
    if (!RANGE_KINDS.has(kind))
      throw configError(name, `min/max apply to numeric and temporal columns, not ${typeName(type)}`);
    if (r.min !== undefined) min = convertLiteral(field, 'min', r.min);
    if (r.max !== undefined) max = convertLiteral(field, 'max', r.max);
    if (min !== undefined && max !== undefined && !(compareValues(min, max) <= 0)) {
      throw configError(name, `min ${showLiteral(min, type)} is above max ${showLiteral(max, type)}`);
    }
  }
  if (min !== undefined) {
    const lo = min;
    const shown = showLiteral(lo, type);
    check(checks, `${name}:min`, (v) => {
      const c = compareValues(v, lo);
      if (c >= 0) return undefined;
      return Number.isNaN(c)
        ? `${name} ${showValue(v, type)} is not a number`
        : `${name} ${showValue(v, type)} is below ${shown}`;
    });
  }
  if (max !== undefined) {
    const hi = max;
    const shown = showLiteral(hi, type);
    check(checks, `${name}:max`, (v) => {
      const c = compareValues(v, hi);
      if (c <= 0) return undefined;
      // A NaN was already reported by min when there is one.
      if (Number.isNaN(c))
        return min === undefined ? `${name} ${showValue(v, type)} is not a number` : undefined;
      return `${name} ${showValue(v, type)} is above ${shown}`;
    });
  }
  if (r.ignoreCase && (r.enum === undefined || kind !== 'string')) {
    throw configError(name, 'ignoreCase applies to an enum on a string column');
  }
  if (r.enum !== undefined) {
    if (kind === 'binary' || kind === 'fixed' || kind === 'struct' || kind === 'list' || kind === 'map') {
      throw configError(name, `enum does not apply to ${typeName(type)} columns`);
    }
    const fold = r.ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
    const values = r.enum.map((lit) => convertLiteral(field, 'enum', lit));
    // Sets compare strings, numbers and bigints by value (SameValueZero), which is what we need.
    const allowed = new Set<Value>(values.map((v) => (typeof v === 'string' ? fold(v) : v)));
    const shownList = values
      .slice(0, 12)
      .map((v) => showLiteral(v, type))
      .join(', ');
    const list = values.length > 12 ? `${shownList}, … (${values.length} values)` : shownList;
    check(checks, `${name}:enum`, (v) => {
      const key = typeof v === 'string' ? fold(v) : v;
      return allowed.has(key) ? undefined : `${name} ${showValue(v, type)} is not one of ${list}`;
    });
  }
  if (r.regexFlags !== undefined && r.regex === undefined)
    throw configError(name, 'regexFlags needs a regex');
  if (r.regex !== undefined) {
    if (kind !== 'string' && kind !== 'uuid')
      throw configError(name, `regex applies to string columns, not ${typeName(type)}`);
    let re: RegExp;
    try {
      re = new RegExp(r.regex, r.regexFlags ?? '');
    } catch (err) {
      throw configError(name, `regex: ${(err as Error).message}`);
    }
    check(checks, `${name}:regex`, (v) =>
      typeof v === 'string' && !re.test(v)
        ? `${name} ${showValue(v, type)} does not match /${r.regex}/${r.regexFlags ?? ''}`
        : undefined,
    );
  }
  if (r.minLength !== undefined || r.maxLength !== undefined) {
    if (kind !== 'string')
      throw configError(name, `minLength/maxLength apply to string columns, not ${typeName(type)}`);
    if (r.minLength !== undefined && r.maxLength !== undefined && r.minLength > r.maxLength) {
      throw configError(name, `minLength ${r.minLength} is above maxLength ${r.maxLength}`);
    }
    const lo = r.minLength;
    const hi = r.maxLength;
    if (lo !== undefined) {
      check(checks, `${name}:minLength`, (v) => {
        const len = codePoints(v as string);
        return len < lo ? `${name} ${showValue(v, type)} is shorter than ${lo} characters` : undefined;
      });
    }
    if (hi !== undefined) {
      check(checks, `${name}:maxLength`, (v) => {
        const len = codePoints(v as string);
        return len > hi ? `${name} ${showValue(v, type)} is longer than ${hi} characters` : undefined;
      });
    }
  }
  return { field, required: r.required ?? false, checks };
}

function check(checks: ValueCheck[], rule: string, test: ValueCheck['test']): void {
  checks.push({ rule, test });
}

function codePoints(s: string): number {
  let n = s.length;
  // Each surrogate pair is one code point: subtract the high halves.
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** Which values can be ordered against which: an int may be compared with a long, a date only with a date. */
function orderClass(type: IcebergType): string | undefined {
  switch (type.kind) {
    case 'int':
    case 'long':
    case 'float':
    case 'double':
      return 'number';
    case 'decimal':
      // Unscaled values only compare at the same scale.
      return `decimal/${type.scale}`;
    case 'date':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'string':
    case 'uuid':
    case 'boolean':
    case 'binary':
      return type.kind;
    case 'fixed':
      return 'binary';
    default:
      return undefined;
  }
}

function compileCheck(schema: Schema, check: Check, index: number): ComparePlan {
  const path = `checks.${index}`;
  const left = topField(schema, check.left, path);
  const right = topField(schema, check.right, path);
  const lc = orderClass(left.type);
  const rc = orderClass(right.type);
  if (lc === undefined || lc !== rc) {
    throw new FloeError(
      'config',
      `rules: ${path}: cannot compare ${left.name} (${typeName(left.type)}) with ${right.name} (${typeName(right.type)})`,
    );
  }
  return { left, right, op: check.op, test: OP_TESTS[check.op] };
}
