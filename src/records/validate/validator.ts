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
import { keepShape } from '../../keep-shape.js';
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

/**
 * A row check over one column: `test` returns the reason for a non-null value that fails, else
 * undefined. `fast`, when set, is a cheaper test run inline in the row loop that only ever says
 * "passes" for values `test` passes; every other value still goes through `test`, so reasons come
 * from one place.
 */
interface ValueCheck {
  readonly rule: string;
  readonly test: (value: Value) => string | undefined;
  readonly fast?: FastCheck;
}

/**
 * - `min`/`max`: a number or bigint at or above / at or below the bound (JS relational operators
 *   are exact between number and bigint and false on NaN, as compareValues is);
 * - `in`: the value is one of the allowed literals as written (for an ignoreCase enum, a value
 *   equal to a literal also folds to it).
 */
type FastCheck =
  | { readonly kind: 'min'; readonly bound: number | bigint }
  | { readonly kind: 'max'; readonly bound: number | bigint }
  | { readonly kind: 'in'; readonly values: ReadonlySet<Value> };

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
  /** OP_CODES[op]: the inline number/bigint comparison of `collect`. */
  readonly code: number;
}

/** Options for tests. */
export interface ValidatorOptions {
  /** false: every value through the general checks (the reference the fast paths must equal). Default true. */
  readonly fastPaths?: boolean;
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

const OP_CODES: Record<ComparisonOp, number> = { '<': 0, '<=': 1, '>': 2, '>=': 3, '==': 4, '!=': 5 };

/**
 * `OP_TESTS[op](compareValues(a, b))` for two numbers/bigints, without the three-way step: the
 * relational operators are exact between number and bigint and false on NaN; `!=` is written as
 * `<` or `>` so that a NaN fails it, as it fails OP_TESTS['!='].
 */
function compareNumeric(code: number, a: number | bigint, b: number | bigint): boolean {
  switch (code) {
    case 0:
      return a < b;
    case 1:
      return a <= b;
    case 2:
      return a > b;
    case 3:
      return a >= b;
    case 4:
      return a == b;
    default:
      return a < b || a > b;
  }
}

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
  private readonly fastPaths: boolean;
  /** The parsed rules. */
  readonly rules: RulesConfig;

  /** Compiles `rules` (parsed config, or raw JSON data to parse) for `schema`; FloeError('config') on a bad rule. */
  constructor(
    readonly schema: Schema,
    rules: RulesConfig | unknown,
    options: ValidatorOptions = {},
  ) {
    keepShape(this);
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
    const fast = options.fastPaths ?? true;
    this.fastPaths = fast;
    const fieldPlans = Object.entries(fields).map(([name, r]) =>
      compileField(topField(schema, name, `fields.${name}`), r, fast),
    );
    // A schema-required column must not become null by cleaning (emptyAsNull): the row is
    // rejected by the required rule, as for a configured one, instead of failing the write.
    for (const field of schema.fields) {
      if (field.required && cleanPlans.some((c) => c.fieldId === field.id && c.emptyAsNull)) {
        if (!fieldPlans.some((p) => p.field.id === field.id))
          fieldPlans.push({ field, required: true, checks: [] });
      }
    }
    this.fieldPlans = fieldPlans;
    this.comparePlans = (config.checks ?? []).map((c, i) => compileCheck(schema, c, i, fast));
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
      const { trim, emptyAsNull, toCase } = plan;
      const fast = this.fastPaths;
      const n = batch.rowCount;
      for (let i = 0; i < n; i++) {
        const v = col[i];
        if (typeof v !== 'string') continue;
        const s = trim && mayNeedTrim(v) ? v.trim() : v;
        let c: Value = s;
        if (emptyAsNull && s.length === 0) c = null;
        else if (toCase === 'upper') c = fast && isAsciiWithout(s, 97) ? s : s.toUpperCase();
        else if (toCase === 'lower') c = fast && isAsciiWithout(s, 65) ? s : s.toLowerCase();
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
    // Check by check over the rows (not row by row over the checks): a row's reasons are still
    // added in rule order, and each loop runs one kind of test, inline where there is a fast one.
    for (const plan of this.fieldPlans) {
      const col = batch.columns.get(plan.field.id);
      if (plan.required) {
        const reason = `${plan.field.name} is required`;
        const rule = `${plan.field.name}:required`;
        // A missing column is all null.
        for (let i = 0; i < n; i++) if ((col?.[i] ?? null) === null) add(i, reason, rule);
      }
      if (col === undefined) continue;
      for (const check of plan.checks) {
        // One loop per kind of fast test, the test inline; a value it does not pass goes to check.test.
        const fast = check.fast;
        switch (fast?.kind) {
          case 'min': {
            const lo = fast.bound;
            for (let i = 0; i < n; i++) {
              const v = col[i] ?? null;
              if (v === null || ((typeof v === 'number' || typeof v === 'bigint') && v >= lo)) continue;
              const reason = check.test(v);
              if (reason !== undefined) add(i, reason, check.rule);
            }
            break;
          }
          case 'max': {
            const hi = fast.bound;
            for (let i = 0; i < n; i++) {
              const v = col[i] ?? null;
              if (v === null || ((typeof v === 'number' || typeof v === 'bigint') && v <= hi)) continue;
              const reason = check.test(v);
              if (reason !== undefined) add(i, reason, check.rule);
            }
            break;
          }
          case 'in': {
            const values = fast.values;
            for (let i = 0; i < n; i++) {
              const v = col[i] ?? null;
              if (v === null || values.has(v)) continue;
              const reason = check.test(v);
              if (reason !== undefined) add(i, reason, check.rule);
            }
            break;
          }
          default:
            for (let i = 0; i < n; i++) {
              const v = col[i] ?? null;
              if (v === null) continue;
              const reason = check.test(v);
              if (reason !== undefined) add(i, reason, check.rule);
            }
        }
      }
    }
    for (const plan of this.comparePlans) {
      const left = batch.columns.get(plan.left.id);
      const right = batch.columns.get(plan.right.id);
      if (!left || !right) continue; // a missing column is all null: comparisons with null pass
      const rule = `${plan.left.name} ${plan.op} ${plan.right.name}`;
      const code = plan.code;
      for (let i = 0; i < n; i++) {
        const a = left[i] ?? null;
        const b = right[i] ?? null;
        if (a === null || b === null) continue;
        const ok =
          code >= 0 &&
          (typeof a === 'bigint' || typeof a === 'number') &&
          (typeof b === 'bigint' || typeof b === 'number')
            ? compareNumeric(code, a, b)
            : plan.test(compareValues(a, b));
        if (!ok) {
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

/**
 * True when `s` is all ASCII with no letter in `from`..`from + 25` (97: a–z, 65: A–Z): then
 * toUpperCase (resp. toLowerCase) would return the same text. Categorical values mostly arrive in
 * the configured case already, and V8's case conversion returns a new string even then, which the
 * `c === v` test must then compare character by character.
 */
function isAsciiWithout(s: string, from: number): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80 || (c >= from && c <= from + 25)) return false;
  }
  return true;
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

function compileField(field: NestedField, r: FieldRules, fast: boolean): FieldPlan {
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
    check(
      checks,
      `${name}:min`,
      (v) => {
        const c = compareValues(v, lo);
        if (c >= 0) return undefined;
        return Number.isNaN(c)
          ? `${name} ${showValue(v, type)} is not a number`
          : `${name} ${showValue(v, type)} is below ${shown}`;
      },
      fast && (typeof lo === 'number' || typeof lo === 'bigint') ? { kind: 'min', bound: lo } : undefined,
    );
  }
  if (max !== undefined) {
    const hi = max;
    const shown = showLiteral(hi, type);
    check(
      checks,
      `${name}:max`,
      (v) => {
        const c = compareValues(v, hi);
        if (c <= 0) return undefined;
        // A NaN was already reported by min when there is one.
        if (Number.isNaN(c))
          return min === undefined ? `${name} ${showValue(v, type)} is not a number` : undefined;
        return `${name} ${showValue(v, type)} is above ${shown}`;
      },
      fast && (typeof hi === 'number' || typeof hi === 'bigint') ? { kind: 'max', bound: hi } : undefined,
    );
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
    check(
      checks,
      `${name}:enum`,
      (v) => {
        const key = typeof v === 'string' ? fold(v) : v;
        return allowed.has(key) ? undefined : `${name} ${showValue(v, type)} is not one of ${list}`;
      },
      // The literals as written: a value equal to one passes without folding its case (a fold
      // allocates a string per value; a categorical column cleaned to the literals' case always hits).
      fast ? { kind: 'in', values: new Set<Value>(values) } : undefined,
    );
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
  return { field, required: (r.required ?? false) || field.required, checks };
}

function check(checks: ValueCheck[], rule: string, test: ValueCheck['test'], fast?: FastCheck): void {
  checks.push(fast ? { rule, test, fast } : { rule, test });
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

function compileCheck(schema: Schema, check: Check, index: number, fast: boolean): ComparePlan {
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
  // Only number-class columns (and temporals, which hold numbers or bigints) take the inline
  // comparison; the `typeof` guard in collect keeps any other value on the general path.
  return { left, right, op: check.op, test: OP_TESTS[check.op], code: fast ? OP_CODES[check.op] : -1 };
}
