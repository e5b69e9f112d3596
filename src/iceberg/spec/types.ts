/**
 * The Iceberg type model (format v2) and its JSON form from the table spec.
 *
 * In-memory value representation used everywhere in floe (rows, column batches, bounds):
 *   boolean -> boolean            int -> number             long -> bigint
 *   float, double -> number       decimal(P,S) -> bigint (the unscaled value)
 *   date -> number (days from 1970-01-01)
 *   time -> bigint (microseconds from midnight)
 *   timestamp, timestamptz -> bigint (microseconds from 1970-01-01T00:00:00Z)
 *   string -> string              uuid -> string (canonical lower-case 8-4-4-4-12)
 *   fixed(L), binary -> Uint8Array
 *   null -> null
 * Nested values: struct -> object keyed by field name, list -> array, map -> Map.
 */
import { FloeError } from '../../errors.js';

export type PrimitiveTypeName =
  | 'boolean'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'string'
  | 'uuid'
  | 'binary';

export interface SimplePrimitive {
  readonly kind: PrimitiveTypeName;
}
export interface DecimalType {
  readonly kind: 'decimal';
  readonly precision: number;
  readonly scale: number;
}
export interface FixedType {
  readonly kind: 'fixed';
  readonly length: number;
}
export type PrimitiveType = SimplePrimitive | DecimalType | FixedType;

export interface NestedField {
  readonly id: number;
  readonly name: string;
  readonly required: boolean;
  readonly type: IcebergType;
  readonly doc?: string;
}
export interface StructType {
  readonly kind: 'struct';
  readonly fields: readonly NestedField[];
}
export interface ListType {
  readonly kind: 'list';
  readonly elementId: number;
  readonly elementRequired: boolean;
  readonly element: IcebergType;
}
export interface MapType {
  readonly kind: 'map';
  readonly keyId: number;
  readonly key: IcebergType;
  readonly valueId: number;
  readonly valueRequired: boolean;
  readonly value: IcebergType;
}
export type IcebergType = PrimitiveType | StructType | ListType | MapType;

export type Value =
  | null
  | boolean
  | number
  | bigint
  | string
  | Uint8Array
  | { [name: string]: Value }
  | Value[]
  | Map<Value, Value>;

const SIMPLE: ReadonlySet<string> = new Set<PrimitiveTypeName>([
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'date',
  'time',
  'timestamp',
  'timestamptz',
  'string',
  'uuid',
  'binary',
]);

export const t = {
  boolean: { kind: 'boolean' } as SimplePrimitive,
  int: { kind: 'int' } as SimplePrimitive,
  long: { kind: 'long' } as SimplePrimitive,
  float: { kind: 'float' } as SimplePrimitive,
  double: { kind: 'double' } as SimplePrimitive,
  date: { kind: 'date' } as SimplePrimitive,
  time: { kind: 'time' } as SimplePrimitive,
  timestamp: { kind: 'timestamp' } as SimplePrimitive,
  timestamptz: { kind: 'timestamptz' } as SimplePrimitive,
  string: { kind: 'string' } as SimplePrimitive,
  uuid: { kind: 'uuid' } as SimplePrimitive,
  binary: { kind: 'binary' } as SimplePrimitive,
  decimal: (precision: number, scale: number): DecimalType => ({ kind: 'decimal', precision, scale }),
  fixed: (length: number): FixedType => ({ kind: 'fixed', length }),
} as const;

export function isPrimitive(type: IcebergType): type is PrimitiveType {
  return type.kind !== 'struct' && type.kind !== 'list' && type.kind !== 'map';
}

/** The spec's string form of a primitive type: `long`, `decimal(9,2)`, `fixed[16]`. */
export function primitiveToString(type: PrimitiveType): string {
  switch (type.kind) {
    case 'decimal':
      return `decimal(${type.precision},${type.scale})`;
    case 'fixed':
      return `fixed[${type.length}]`;
    default:
      return type.kind;
  }
}

export function typeToString(type: IcebergType): string {
  if (isPrimitive(type)) return primitiveToString(type);
  switch (type.kind) {
    case 'struct':
      return `struct<${type.fields.map((f) => `${f.name}: ${typeToString(f.type)}`).join(', ')}>`;
    case 'list':
      return `list<${typeToString(type.element)}>`;
    case 'map':
      return `map<${typeToString(type.key)}, ${typeToString(type.value)}>`;
  }
}

export function parsePrimitive(text: string): PrimitiveType {
  const s = text.trim().toLowerCase();
  if (SIMPLE.has(s)) return { kind: s as PrimitiveTypeName };
  const dec = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(s);
  if (dec) {
    const precision = Number(dec[1]);
    const scale = Number(dec[2]);
    if (precision < 1 || precision > 38 || scale > precision) {
      throw new FloeError(
        'config',
        `invalid decimal type "${text}": precision must be 1-38 and scale <= precision`,
      );
    }
    return { kind: 'decimal', precision, scale };
  }
  const fixed = /^fixed\[\s*(\d+)\s*\]$/.exec(s);
  if (fixed) {
    const length = Number(fixed[1]);
    if (length < 1) throw new FloeError('config', `invalid fixed type "${text}"`);
    return { kind: 'fixed', length };
  }
  throw new FloeError('config', `unknown Iceberg type "${text}"`);
}

// ---- JSON form (table spec, "Schemas" appendix C) ----

export type TypeJson = string | StructJson | ListJson | MapJson;
export interface FieldJson {
  id: number;
  name: string;
  required: boolean;
  type: TypeJson;
  doc?: string;
}
export interface StructJson {
  type: 'struct';
  fields: FieldJson[];
}
export interface ListJson {
  type: 'list';
  'element-id': number;
  'element-required': boolean;
  element: TypeJson;
}
export interface MapJson {
  type: 'map';
  'key-id': number;
  key: TypeJson;
  'value-id': number;
  'value-required': boolean;
  value: TypeJson;
}

export function typeToJson(type: IcebergType): TypeJson {
  if (isPrimitive(type)) return primitiveToString(type);
  switch (type.kind) {
    case 'struct':
      return { type: 'struct', fields: type.fields.map(fieldToJson) };
    case 'list':
      return {
        type: 'list',
        'element-id': type.elementId,
        'element-required': type.elementRequired,
        element: typeToJson(type.element),
      };
    case 'map':
      return {
        type: 'map',
        'key-id': type.keyId,
        key: typeToJson(type.key),
        'value-id': type.valueId,
        'value-required': type.valueRequired,
        value: typeToJson(type.value),
      };
  }
}

export function fieldToJson(field: NestedField): FieldJson {
  const json: FieldJson = {
    id: field.id,
    name: field.name,
    required: field.required,
    type: typeToJson(field.type),
  };
  if (field.doc !== undefined) json.doc = field.doc;
  return json;
}

function expectNumber(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint') return Number(v);
  throw new FloeError('config', `schema: ${what} must be an integer`);
}

export function typeFromJson(json: unknown): IcebergType {
  if (typeof json === 'string') return parsePrimitive(json);
  if (json === null || typeof json !== 'object')
    throw new FloeError('config', 'schema: a type must be a string or object');
  const o = json as Record<string, unknown>;
  switch (o.type) {
    case 'struct': {
      if (!Array.isArray(o.fields)) throw new FloeError('config', 'schema: struct needs "fields"');
      return { kind: 'struct', fields: o.fields.map(fieldFromJson) };
    }
    case 'list':
      return {
        kind: 'list',
        elementId: expectNumber(o['element-id'], 'element-id'),
        elementRequired: o['element-required'] === true,
        element: typeFromJson(o.element),
      };
    case 'map':
      return {
        kind: 'map',
        keyId: expectNumber(o['key-id'], 'key-id'),
        key: typeFromJson(o.key),
        valueId: expectNumber(o['value-id'], 'value-id'),
        valueRequired: o['value-required'] === true,
        value: typeFromJson(o.value),
      };
    default:
      throw new FloeError('config', `schema: unknown nested type ${JSON.stringify(o.type)}`);
  }
}

export function fieldFromJson(json: unknown): NestedField {
  if (json === null || typeof json !== 'object')
    throw new FloeError('config', 'schema: a field must be an object');
  const o = json as Record<string, unknown>;
  if (typeof o.name !== 'string' || o.name === '')
    throw new FloeError('config', 'schema: every field needs a "name"');
  const field: NestedField = {
    id: expectNumber(o.id, `id of field "${o.name}"`),
    name: o.name,
    required: o.required === true,
    type: typeFromJson(o.type),
    ...(typeof o.doc === 'string' ? { doc: o.doc } : {}),
  };
  return field;
}
