/**
 * One DuckDB view per Iceberg table, over the Parquet data files of its current snapshot.
 *
 * Columns are bound BY FIELD ID: read_parquet's `schema` parameter maps Parquet field ids to
 * (name, type), so a renamed column still finds its data in files written under the old name, a
 * column added later reads as NULL from older files, and every column gets the table's current
 * Iceberg type (a widened int reads as BIGINT, decimals keep their precision and scale).
 */
import type { Schema } from '../iceberg/spec/schema.js';
import { duckdbType, quoteIdent, quoteString } from './types.js';

/** `"a"."b"` for a DuckDB catalog/schema path. */
export function qualified(parts: readonly string[]): string {
  return parts.map(quoteIdent).join('.');
}

/** The SELECT a table's view is defined as: by field id over the files, or typed NULLs with no rows. */
export function viewSelect(schema: Schema, files: readonly string[]): string {
  const fields = schema.fields;
  if (files.length === 0) {
    const cols = fields.map((f) => `CAST(NULL AS ${duckdbType(f.type)}) AS ${quoteIdent(f.name)}`);
    return `SELECT ${cols.join(', ')} WHERE false`;
  }
  const mapping = fields
    .map(
      (f) =>
        `${f.id}: {name: ${quoteString(f.name)}, type: ${quoteString(duckdbType(f.type))}, default_value: NULL}`,
    )
    .join(', ');
  const list = files.map(quoteString).join(', ');
  const names = fields.map((f) => quoteIdent(f.name)).join(', ');
  return `SELECT ${names} FROM read_parquet([${list}], schema = MAP {${mapping}})`;
}
