/**
 * Evaluating bound filters at three granularities. The file- and manifest-level evaluators are
 * inclusive: they answer "might a row match?", so false means the file or manifest can be skipped.
 * The row evaluator is exact, with SQL's null semantics (a comparison with null is not true).
 */
import { compareValues, decodeValue } from '../spec/conversions.js';
import type { DataFile, FieldSummary, PartitionSpec } from '../spec/model.js';
import type { Schema } from '../spec/schema.js';
import { parseTransform } from '../spec/transforms.js';
import { isPrimitive, type PrimitiveType, type Value } from '../spec/types.js';
import type { BoundExpression, CompareOp } from './bind.js';

const isNaNValue = (v: Value): boolean => typeof v === 'number' && Number.isNaN(v);

function compareOk(op: CompareOp, c: number): boolean {
  switch (op) {
    case 'eq':
      return c === 0;
    case 'not-eq':
      return c !== 0;
    case 'lt':
      return c < 0;
    case 'lt-eq':
      return c <= 0;
    case 'gt':
      return c > 0;
    case 'gt-eq':
      return c >= 0;
  }
}

/** A predicate on one column: everything a bound expression is but true/false/and/or. */
export type LeafExpression = Exclude<BoundExpression, { op: 'true' | 'false' | 'and' | 'or' }>;

/** Evaluates the boolean structure of an expression, deferring each predicate to `leaf`. */
function evaluate(expr: BoundExpression, leaf: (e: LeafExpression) => boolean): boolean {
  switch (expr.op) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'and':
      return evaluate(expr.left, leaf) && evaluate(expr.right, leaf);
    case 'or':
      return evaluate(expr.left, leaf) || evaluate(expr.right, leaf);
    default:
      return leaf(expr);
  }
}

/** Exact evaluation of one row; `value(fieldId)` gives the row's value of a column. */
export function evaluateRow(expr: BoundExpression, value: (fieldId: number) => Value): boolean {
  return evaluate(expr, (e) => rowMatches(e, value(e.fieldId)));
}

function rowMatches(e: LeafExpression, v: Value): boolean {
  switch (e.op) {
    case 'is-null':
      return v === null;
    case 'not-null':
      return v !== null;
    case 'is-nan':
      return isNaNValue(v);
    case 'not-nan':
      return !isNaNValue(v);
  }
  if (v === null || isNaNValue(v)) return false;
  switch (e.op) {
    case 'in':
    case 'not-in': {
      const found = e.values.some((x) => compareValues(e.type, v, x) === 0);
      return e.op === 'in' ? found : !found;
    }
    default:
      return compareOk(e.op, compareValues(e.type, v, e.value));
  }
}

/** What is known of one column across a file (or a partition field across a manifest). */
interface ColumnStats {
  readonly type: PrimitiveType;
  /** Undefined when unknown. */
  readonly allNull?: boolean;
  readonly hasNull?: boolean;
  readonly hasNan?: boolean;
  readonly allNan?: boolean;
  readonly lower?: Value;
  readonly upper?: Value;
}

/** Inclusive evaluation against column statistics: false only when no row can match. */
function mightMatch(expr: BoundExpression, stats: (fieldId: number) => ColumnStats | undefined): boolean {
  return evaluate(expr, (e) => {
    const s = stats(e.fieldId);
    return s === undefined || statsMightMatch(e, s);
  });
}

function statsMightMatch(expr: LeafExpression, s: ColumnStats): boolean {
  switch (expr.op) {
    case 'is-null':
      return s.hasNull !== false;
    case 'not-null':
      return s.allNull !== true;
    case 'is-nan':
      return s.hasNan !== false;
    case 'not-nan':
      return s.allNan !== true;
    case 'not-eq':
    case 'not-in':
      return s.allNull !== true;
  }
  if (s.allNull === true || s.allNan === true) return false;
  const below = (v: Value) => s.upper !== undefined && compareValues(s.type, s.upper, v) < 0; // every value < v
  const above = (v: Value) => s.lower !== undefined && compareValues(s.type, s.lower, v) > 0; // every value > v
  switch (expr.op) {
    case 'in':
      return expr.values.some((v) => !below(v) && !above(v));
    case 'eq':
      return !below(expr.value) && !above(expr.value);
    case 'lt':
      return !(s.lower !== undefined && compareValues(s.type, s.lower, expr.value) >= 0);
    case 'lt-eq':
      return !above(expr.value);
    case 'gt':
      return !(s.upper !== undefined && compareValues(s.type, s.upper, expr.value) <= 0);
    case 'gt-eq':
      return !below(expr.value);
  }
}

/** Inclusive: might the data file hold a matching row, judging by its column metrics? */
export function fileMightMatch(expr: BoundExpression, file: DataFile, schema: Schema): boolean {
  return mightMatch(expr, (fieldId) => {
    const field = schema.field(fieldId);
    if (!field || !isPrimitive(field.type)) return undefined;
    const type = field.type;
    const values = file.valueCounts?.get(fieldId);
    const nulls = file.nullValueCounts?.get(fieldId);
    const nans = file.nanValueCounts?.get(fieldId);
    const lower = file.lowerBounds?.get(fieldId);
    const upper = file.upperBounds?.get(fieldId);
    return {
      type,
      ...(values !== undefined && nulls !== undefined ? { allNull: values === nulls } : {}),
      ...(nulls !== undefined ? { hasNull: nulls > 0n } : {}),
      ...(nans !== undefined ? { hasNan: nans > 0n } : {}),
      ...(nans !== undefined && values !== undefined ? { allNan: values === nans } : {}),
      ...(lower !== undefined ? { lower: decodeValue(type, lower) } : {}),
      ...(upper !== undefined ? { upper: decodeValue(type, upper) } : {}),
    };
  });
}

/**
 * Projects a row filter onto a partition spec (inclusive projection): each predicate on a source
 * column becomes a predicate on the partition fields derived from it, true when none is.
 * Leaves of the result refer to the partition field's POSITION in the tuple (as fieldId).
 */
export function projectToPartition(
  expr: BoundExpression,
  spec: PartitionSpec,
  schema: Schema,
): BoundExpression {
  switch (expr.op) {
    case 'true':
    case 'false':
      return expr;
    case 'and':
    case 'or':
      return {
        op: expr.op,
        left: projectToPartition(expr.left, spec, schema),
        right: projectToPartition(expr.right, spec, schema),
      };
  }
  let projected: BoundExpression = { op: 'true' };
  spec.fields.forEach((pf, pos) => {
    if (pf.sourceId !== expr.fieldId) return;
    const p = projectLeaf(expr, pf.transform, pos);
    if (p) projected = projected.op === 'true' ? p : { op: 'and', left: projected, right: p };
  });
  return projected;
}

function projectLeaf(expr: LeafExpression, transformText: string, pos: number): BoundExpression | undefined {
  const transform = parseTransform(transformText);
  if (transform.name === 'void') return undefined;
  const source = expr.type;
  const type = transform.resultType(source);
  const apply = (v: Value) => transform.apply(source, v);
  switch (expr.op) {
    case 'is-null':
    case 'not-null':
      return { op: expr.op, fieldId: pos, type };
    case 'is-nan':
    case 'not-nan':
      return transform.name === 'identity' ? { op: expr.op, fieldId: pos, type } : undefined;
    case 'not-eq':
    case 'not-in':
      // Many source values share a partition value: only identity can exclude by inequality.
      return transform.name === 'identity' ? { ...expr, fieldId: pos } : undefined;
    case 'eq':
      return { op: 'eq', fieldId: pos, type, value: apply(expr.value) };
    case 'in':
      return { op: 'in', fieldId: pos, type, values: expr.values.map(apply) };
  }
  // Range predicates survive only order-preserving transforms; x < v implies T(x) <= T(v).
  if (!transform.preservesOrder) return undefined;
  const value = apply(expr.value);
  if (transform.name === 'identity') return { op: expr.op, fieldId: pos, type, value };
  const op = expr.op === 'lt' || expr.op === 'lt-eq' ? 'lt-eq' : 'gt-eq';
  return { op, fieldId: pos, type, value };
}

/** Exact evaluation of a projected filter against one partition tuple. */
export function partitionMightMatch(projected: BoundExpression, tuple: readonly Value[]): boolean {
  // Partition values are exact, so the exact row evaluator applies to them.
  return evaluateRow(projected, (pos) => tuple[pos] ?? null);
}

/** Inclusive: might a manifest hold matching files, judging by its partition field summaries? */
export function manifestMightMatch(
  projected: BoundExpression,
  summaries: readonly FieldSummary[] | undefined,
  partitionTypes: readonly PrimitiveType[],
): boolean {
  if (!summaries) return true;
  return mightMatch(projected, (pos) => {
    const s = summaries[pos];
    const type = partitionTypes[pos];
    if (!s || !type) return undefined;
    const noValues = s.lowerBound === undefined && s.upperBound === undefined;
    return {
      type,
      hasNull: s.containsNull,
      ...(s.containsNan !== undefined ? { hasNan: s.containsNan } : {}),
      // A summary without bounds but containing nulls means every value was null (or NaN).
      ...(noValues && s.containsNull && s.containsNan !== true ? { allNull: true } : {}),
      ...(s.lowerBound !== undefined ? { lower: decodeValue(type, s.lowerBound) } : {}),
      ...(s.upperBound !== undefined ? { upper: decodeValue(type, s.upperBound) } : {}),
    };
  });
}
