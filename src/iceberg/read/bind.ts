/**
 * Binding row filters to a schema: NOT is pushed down to the leaves first (so every later
 * evaluator only sees positive predicates), column names resolve to field ids and literals are
 * coerced to the column's in-memory representation.
 */
import { FloeError } from '../../errors.js';
import type { Schema } from '../spec/schema.js';
import { isPrimitive, type PrimitiveType, type Value } from '../spec/types.js';
import type { Expression } from './expressions.js';

export type CompareOp = 'eq' | 'not-eq' | 'lt' | 'lt-eq' | 'gt' | 'gt-eq';
export type UnaryOp = 'is-null' | 'not-null' | 'is-nan' | 'not-nan';

export type BoundExpression =
  | { op: 'true' }
  | { op: 'false' }
  | { op: 'and' | 'or'; left: BoundExpression; right: BoundExpression }
  | { op: UnaryOp; fieldId: number; type: PrimitiveType }
  | { op: CompareOp; fieldId: number; type: PrimitiveType; value: Value }
  | { op: 'in' | 'not-in'; fieldId: number; type: PrimitiveType; values: Value[] };

const NEGATED: Record<string, string> = {
  'is-null': 'not-null',
  'not-null': 'is-null',
  'is-nan': 'not-nan',
  'not-nan': 'is-nan',
  eq: 'not-eq',
  'not-eq': 'eq',
  lt: 'gt-eq',
  'lt-eq': 'gt',
  gt: 'lt-eq',
  'gt-eq': 'lt',
  in: 'not-in',
  'not-in': 'in',
};

export function rewriteNot(expr: Expression, negate = false): Expression {
  switch (expr.op) {
    case 'true':
      return negate ? { op: 'false' } : expr;
    case 'false':
      return negate ? { op: 'true' } : expr;
    case 'not':
      return rewriteNot(expr.child, !negate);
    case 'and':
    case 'or': {
      const op = negate ? (expr.op === 'and' ? 'or' : 'and') : expr.op;
      return { op, left: rewriteNot(expr.left, negate), right: rewriteNot(expr.right, negate) };
    }
    default:
      return negate ? ({ ...expr, op: NEGATED[expr.op] } as Expression) : expr;
  }
}

export function bind(expr: Expression, schema: Schema): BoundExpression {
  const e = rewriteNot(expr);
  switch (e.op) {
    case 'true':
    case 'false':
      return e;
    case 'not':
      throw new FloeError('internal', 'NOT survived rewriteNot');
    case 'and':
    case 'or':
      return { op: e.op, left: bind(e.left, schema), right: bind(e.right, schema) };
    default: {
      const field = schema.findByName(e.column);
      if (!field) throw new FloeError('usage', `filter refers to unknown column "${e.column}"`);
      if (!isPrimitive(field.type))
        throw new FloeError('unsupported', `cannot filter on nested column "${e.column}"`);
      const type = field.type;
      if (e.op === 'in' || e.op === 'not-in') {
        return {
          op: e.op,
          fieldId: field.id,
          type,
          values: e.values.map((v) => coerceLiteral(type, v, e.column)),
        };
      }
      if ('value' in e)
        return { op: e.op, fieldId: field.id, type, value: coerceLiteral(type, e.value, e.column) };
      return { op: e.op, fieldId: field.id, type };
    }
  }
}

const MICROS_PER_MS = 1000n;

/** Literal values are given in floe's representation, with a few conveniences for hand-written filters. */
export function coerceLiteral(type: PrimitiveType, value: Value, column: string): Value {
  const bad = (): never => {
    throw new FloeError(
      'usage',
      `filter value ${String(value)} does not fit column "${column}" of type ${type.kind}`,
    );
  };
  switch (type.kind) {
    case 'long':
    case 'time':
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
      return bad();
    case 'timestamp':
    case 'timestamptz':
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value);
      if (typeof value === 'string') {
        const ms = Date.parse(
          type.kind === 'timestamp' && !/[zZ]|[+-]\d\d:?\d\d$/.test(value) ? value + 'Z' : value,
        );
        if (Number.isNaN(ms)) return bad();
        return BigInt(ms) * MICROS_PER_MS;
      }
      return bad();
    case 'date':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'string' && /^\d{4}-\d\d-\d\d$/.test(value))
        return Date.parse(value + 'T00:00:00Z') / 86_400_000;
      return bad();
    case 'int':
      if (typeof value === 'number' && Number.isInteger(value)) return value;
      if (typeof value === 'bigint') return Number(value);
      return bad();
    case 'float':
    case 'double':
      if (typeof value === 'number') return value;
      return bad();
    case 'decimal':
      if (typeof value === 'bigint') return value;
      return bad();
    case 'boolean':
      if (typeof value === 'boolean') return value;
      return bad();
    case 'string':
    case 'uuid':
      if (typeof value === 'string') return value;
      return bad();
    case 'binary':
    case 'fixed':
      if (value instanceof Uint8Array) return value;
      return bad();
  }
}
