/**
 * Iceberg schema → Glue StorageDescriptor columns with Hive/Athena type names, as Iceberg's Java
 * GlueCatalog writes them, so Athena's and the Glue console's column listings match the table.
 * The Iceberg metadata stays the source of truth: these columns are informational.
 */
import type { Column } from '@aws-sdk/client-glue';
import type { Schema } from '../../iceberg/spec/schema.js';
import type { IcebergType, NestedField } from '../../iceberg/spec/types.js';

/** The Athena (Hive DDL) name of an Iceberg type. */
export function athenaType(type: IcebergType): string {
  switch (type.kind) {
    case 'boolean':
      return 'boolean';
    case 'int':
      return 'int';
    case 'long':
      return 'bigint';
    case 'float':
      return 'float';
    case 'double':
      return 'double';
    case 'date':
      return 'date';
    case 'timestamp':
    case 'timestamptz':
      return 'timestamp';
    case 'time':
    case 'string':
    case 'uuid':
      return 'string';
    case 'binary':
    case 'fixed':
      return 'binary';
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}:${athenaType(f.type)}`).join(',')}>`;
    case 'list':
      return `array<${athenaType(type.element)}>`;
    case 'map':
      return `map<${athenaType(type.key)},${athenaType(type.value)}>`;
  }
}

function column(f: NestedField, current: boolean): Column {
  return {
    Name: f.name,
    Type: athenaType(f.type),
    ...(f.doc ? { Comment: f.doc } : {}),
    Parameters: {
      'iceberg.field.id': String(f.id),
      'iceberg.field.optional': String(!f.required),
      'iceberg.field.current': String(current),
    },
  };
}

/** Columns of the current schema, then (as Java) columns dropped from older schemas marked not current. */
export function glueColumns(current: Schema, all: readonly Schema[] = [current]): Column[] {
  const out = current.fields.map((f) => column(f, true));
  const seen = new Set(current.fields.map((f) => f.name.toLowerCase()));
  for (const s of all) {
    for (const f of s.fields) {
      if (seen.has(f.name.toLowerCase())) continue;
      seen.add(f.name.toLowerCase());
      out.push(column(f, false));
    }
  }
  return out;
}
