/**
 * Dedupe keys: one JS value per row that Sets compare by value (SameValueZero).
 * One column: the value itself (number, boolean, string; a bigint as a number when it is a safe
 * integer; binary as hex). Several columns:
 * one string of length-prefixed parts, which is injective (no separator can be forged by a value).
 * A key with a null part is `undefined`: such rows are never treated as duplicates.
 */
import { FloeError } from '../../errors.js';
import type { Schema } from '../../iceberg/spec/schema.js';
import type { NestedField, Value } from '../../iceberg/spec/types.js';
import type { ColumnBatch } from '../../iceberg/writer/batch.js';

export type DedupeKey = string | number | bigint | boolean;

const KEY_KINDS = new Set([
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'decimal',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'string',
  'uuid',
  'binary',
  'fixed',
]);

/** Resolves key column names to top-level fields; FloeError('config') for unknown or nested columns. */
export function keyFields(schema: Schema, names: readonly string[]): NestedField[] {
  if (names.length === 0) throw new FloeError('config', 'dedupe: the key needs at least one column');
  return names.map((name) => {
    const field = schema.fields.find((f) => f.name === name);
    if (!field) throw new FloeError('config', `dedupe: key column "${name}" is not a column of the schema`);
    if (!KEY_KINDS.has(field.type.kind)) {
      throw new FloeError(
        'config',
        `dedupe: key column "${name}" is a ${field.type.kind}; keys must be primitive columns`,
      );
    }
    return field;
  });
}

/**
 * V8 keeps a substring (13+ characters) as a slice of its parent: a key cut from a decoded
 * payload or CSV chunk would pin the whole chunk for as long as the window remembers it. Copying
 * through UTF-8 gives a flat string of its own, so the window's memory is what its keys weigh.
 */
export function ownString(s: string): string {
  return s.length < 13 ? s : Buffer.from(s, 'utf8').toString('utf8');
}

function part(v: Value): string {
  if (typeof v === 'string') return v;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('hex');
  if (typeof v === 'boolean') return v ? '1' : '0';
  return String(v);
}

/**
 * A bigint key as a number when it is exact: a column holds one kind of value, so safe values
 * as numbers and unsafe ones as bigints stay one-to-one. A small integer is then stored in the
 * Set without an object of its own, and hashes faster: 21 instead of 45 bytes per key for ids
 * below 2^31 (1M keys, Node 20). `Number(v)` is a safe integer exactly when |v| <= 2^53 - 1:
 * beyond that it rounds to at least 2^53 in magnitude, which is not safe (one conversion instead
 * of two bigint comparisons and the conversion).
 */
function bigintKey(v: bigint): DedupeKey {
  const n = Number(v);
  return Number.isSafeInteger(n) ? n : v;
}

function single(v: Value): DedupeKey {
  // A long (or decimal, time, timestamp) key: see bigintKey.
  if (typeof v === 'bigint') return bigintKey(v);
  if (typeof v === 'string') return ownString(v);
  if (v instanceof Uint8Array) return ownString(Buffer.from(v).toString('hex'));
  return v as number | bigint | boolean;
}

/** A function from row index to key (undefined when a key column is null) for one batch. */
export function keyReader(
  batch: ColumnBatch,
  fields: readonly NestedField[],
): (row: number) => DedupeKey | undefined {
  const cols = fields.map((f) => {
    const col = batch.columns.get(f.id);
    if (!col) throw new FloeError('internal', `dedupe: the batch has no column ${f.name} (field id ${f.id})`);
    return col;
  });
  if (cols.length === 1) {
    const col = cols[0] as readonly Value[];
    return (row) => {
      const v = col[row] ?? null;
      return v === null ? undefined : single(v);
    };
  }
  return (row) => {
    let key = '';
    for (const col of cols) {
      const v = col[row] ?? null;
      if (v === null) return undefined;
      const p = part(v);
      key += `${p.length}:${p}`;
    }
    return ownString(key);
  };
}
