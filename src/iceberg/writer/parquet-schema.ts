/**
 * Iceberg schema -> Parquet schema, as the Iceberg spec's "Parquet" appendix maps types. Every
 * element carries its Iceberg field id: that is how every engine maps columns back to the table
 * schema (names may be renamed later; ids never change).
 */
import type { SchemaElement } from 'hyparquet';
import { FloeError } from '../../errors.js';
import type { Schema } from '../spec/schema.js';
import { isPrimitive, typeToString, type NestedField, type PrimitiveType } from '../spec/types.js';

/** Java Iceberg names the root message 'table'. */
export const ROOT_NAME = 'table';

/**
 * Bytes of the smallest two's-complement integer that holds every unscaled value of a decimal of
 * this precision (spec: "minimum number of bytes to store the unscaled value").
 */
export function decimalRequiredBytes(precision: number): number {
  const max = 10n ** BigInt(precision) - 1n;
  let bytes = 1;
  while (max > (1n << BigInt(bytes * 8 - 1)) - 1n) bytes++;
  return bytes;
}

/** The Parquet element of one top-level primitive column. */
export function primitiveElement(field: NestedField): SchemaElement {
  if (!isPrimitive(field.type)) {
    throw new FloeError(
      'unsupported',
      `column "${field.name}" has type ${typeToString(field.type)}; writing nested (struct/list/map) columns to Parquet is not supported yet`,
    );
  }
  const base: SchemaElement = {
    name: field.name,
    repetition_type: field.required ? 'REQUIRED' : 'OPTIONAL',
    field_id: field.id,
  };
  return { ...base, ...physical(field.type) };
}

function physical(type: PrimitiveType): Omit<SchemaElement, 'name'> {
  switch (type.kind) {
    case 'boolean':
      return { type: 'BOOLEAN' };
    case 'int':
      return { type: 'INT32' };
    case 'long':
      return { type: 'INT64' };
    case 'float':
      return { type: 'FLOAT' };
    case 'double':
      return { type: 'DOUBLE' };
    case 'date':
      return { type: 'INT32', converted_type: 'DATE', logical_type: { type: 'DATE' } };
    case 'time':
      // No converted type: TIME_MICROS would declare isAdjustedToUTC=true, which Iceberg's time is not.
      return { type: 'INT64', logical_type: { type: 'TIME', isAdjustedToUTC: false, unit: 'MICROS' } };
    case 'timestamp':
      // Same reason: the legacy TIMESTAMP_MICROS means UTC-adjusted, so a local timestamp gets only
      // the logical type (what pyarrow and parquet-java write for a timestamp without zone).
      return { type: 'INT64', logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' } };
    case 'timestamptz':
      return {
        type: 'INT64',
        converted_type: 'TIMESTAMP_MICROS',
        logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
      };
    case 'string':
      // converted_type UTF8 as well: older readers know strings only by it.
      return { type: 'BYTE_ARRAY', converted_type: 'UTF8', logical_type: { type: 'STRING' } };
    case 'uuid':
      return { type: 'FIXED_LEN_BYTE_ARRAY', type_length: 16, logical_type: { type: 'UUID' } };
    case 'fixed':
      return { type: 'FIXED_LEN_BYTE_ARRAY', type_length: type.length };
    case 'binary':
      return { type: 'BYTE_ARRAY' };
    case 'decimal': {
      const decimal = {
        converted_type: 'DECIMAL' as const,
        logical_type: { type: 'DECIMAL' as const, precision: type.precision, scale: type.scale },
        precision: type.precision,
        scale: type.scale,
      };
      if (type.precision <= 9) return { type: 'INT32', ...decimal };
      if (type.precision <= 18) return { type: 'INT64', ...decimal };
      return { type: 'FIXED_LEN_BYTE_ARRAY', type_length: decimalRequiredBytes(type.precision), ...decimal };
    }
  }
}

/** The flat (depth-first) Parquet schema of a table schema: root 'table' then one leaf per column. */
export function parquetSchemaFor(schema: Schema): SchemaElement[] {
  const columns = schema.fields.map(primitiveElement);
  return [{ name: ROOT_NAME, num_children: columns.length }, ...columns];
}
