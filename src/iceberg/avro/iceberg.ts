/**
 * Iceberg <-> Avro: schema conversion with Iceberg's attributes (spec appendix A) and value
 * conversion between floe's in-memory representation (spec/types.ts header) and Avro values.
 *
 * Conventions follow what Java's AvroSchemaUtil writes, because engines compare notes by it:
 *   - optional = union ["null", T] with "default": null;
 *   - nested records are named "r<field id>" unless a name is given (manifest_entry, manifest_file);
 *   - maps with string keys are Avro maps carrying key-id/value-id; other maps are arrays of
 *     records "k<key id>_v<value id>" {key, value} with logicalType "map";
 *   - lists carry element-id; fields carry field-id;
 *   - decimal(P,S) = fixed "decimal_P_S" of the minimal size, uuid = fixed "uuid_fixed"(16),
 *     fixed[L] = fixed "fixed_L", timestamps = long timestamp-micros with adjust-to-utc.
 * Reading projects by field id, so files whose record or field names differ (older Java versions,
 * other writers) still resolve.
 */
import { FloeError } from '../../errors.js';
import { bigintFromBytes, uuidFromBytes, uuidToBytes } from '../spec/conversions.js';
import type { IcebergType, NestedField, PrimitiveType, StructType, Value } from '../spec/types.js';
import {
  unwrapOptional,
  type AvroNode,
  type AvroSchemaJson,
  type RecordField,
  type RecordNode,
} from './schema.js';

export interface IcebergToAvroOptions {
  /** Record names by the id of the field (or element/key/value) that holds the struct. Default "r<id>". */
  readonly recordNames?: ReadonlyMap<number, string>;
}

/** Converts an Iceberg struct (a table schema, a manifest entry, …) to an Avro record schema JSON. */
export function icebergToAvroSchema(
  struct: StructType,
  recordName: string,
  options: IcebergToAvroOptions = {},
): AvroSchemaJson {
  const ctx: Ctx = { names: options.recordNames ?? new Map(), defined: new Set() };
  return recordSchema(struct, recordName, ctx);
}

interface Ctx {
  readonly names: ReadonlyMap<number, string>;
  readonly defined: Set<string>;
}

function recordSchema(struct: StructType, name: string, ctx: Ctx): AvroSchemaJson {
  ctx.defined.add(name);
  return {
    type: 'record',
    name,
    fields: struct.fields.map((f) => fieldSchema(f, ctx)),
  };
}

function fieldSchema(field: NestedField, ctx: Ctx): Record<string, unknown> {
  const type = typeSchema(field.type, field.id, ctx);
  const json: Record<string, unknown> = {
    name: avroName(field.name),
    type: field.required ? type : ['null', type],
  };
  if (field.doc !== undefined) json.doc = field.doc;
  if (!field.required) json.default = null;
  json['field-id'] = field.id;
  return json;
}

function named(ctx: Ctx, name: string, make: () => AvroSchemaJson): AvroSchemaJson {
  // Avro forbids defining a name twice: later uses refer to the first definition by name.
  if (ctx.defined.has(name)) return name;
  ctx.defined.add(name);
  return make();
}

function typeSchema(type: IcebergType, id: number, ctx: Ctx): AvroSchemaJson {
  switch (type.kind) {
    case 'struct':
      return recordSchema(type, ctx.names.get(id) ?? `r${id}`, ctx);
    case 'list': {
      const element = typeSchema(type.element, type.elementId, ctx);
      return {
        type: 'array',
        items: type.elementRequired ? element : ['null', element],
        'element-id': type.elementId,
      };
    }
    case 'map': {
      const value = typeSchema(type.value, type.valueId, ctx);
      const optValue = type.valueRequired ? value : ['null', value];
      if (type.key.kind === 'string') {
        return { type: 'map', values: optValue, 'key-id': type.keyId, 'value-id': type.valueId };
      }
      const key = typeSchema(type.key, type.keyId, ctx);
      const valueField: Record<string, unknown> = { name: 'value', type: optValue };
      if (!type.valueRequired) valueField.default = null;
      valueField['field-id'] = type.valueId;
      return {
        type: 'array',
        items: {
          type: 'record',
          name: ctx.names.get(type.keyId) ?? `k${type.keyId}_v${type.valueId}`,
          fields: [{ name: 'key', type: key, 'field-id': type.keyId }, valueField],
        },
        logicalType: 'map',
      };
    }
    case 'boolean':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
    case 'string':
      return type.kind;
    case 'binary':
      return 'bytes';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'time':
      return { type: 'long', logicalType: 'time-micros' };
    case 'timestamp':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false };
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true };
    case 'uuid':
      return named(ctx, 'uuid_fixed', () => ({
        type: 'fixed',
        name: 'uuid_fixed',
        size: 16,
        logicalType: 'uuid',
      }));
    case 'fixed': {
      const name = `fixed_${type.length}`;
      return named(ctx, name, () => ({ type: 'fixed', name, size: type.length }));
    }
    case 'decimal': {
      const name = `decimal_${type.precision}_${type.scale}`;
      return named(ctx, name, () => ({
        type: 'fixed',
        name,
        size: decimalRequiredBytes(type.precision),
        logicalType: 'decimal',
        precision: type.precision,
        scale: type.scale,
      }));
    }
  }
}

/**
 * Avro names allow [A-Za-z_][A-Za-z0-9_]*. Like Java's AvroSchemaUtil.makeCompatibleName, other
 * characters become "_x" + upper-case hex code point, and a leading digit gets a "_" prefix.
 */
export function avroName(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return name;
  let out = '';
  let first = true;
  for (const ch of name) {
    const valid = first ? /[A-Za-z_]/.test(ch) : /[A-Za-z0-9_]/.test(ch);
    if (valid) out += ch;
    else if (first && /[0-9]/.test(ch)) out += '_' + ch;
    else out += '_x' + ch.codePointAt(0)!.toString(16).toUpperCase();
    first = false;
  }
  return out;
}

/** Minimal bytes of a two's-complement fixed holding any unscaled decimal of `precision` digits. */
export function decimalRequiredBytes(precision: number): number {
  const max = 10n ** BigInt(precision) - 1n;
  let n = 1;
  while (max >= 1n << BigInt(8 * n - 1)) n++;
  return n;
}

// ---- values: floe in-memory -> Avro ----
//
// Converters are compiled once per Iceberg type (and writer schema, for reading) into closures
// and cached on the type object: manifests repeat the same shape thousands of times, and a
// per-value walk of the type tree cost as much as the Avro decoding itself.

type ToAvro = (value: Value | undefined) => unknown;
type FromAvro = (value: unknown) => Value;

function badValue(type: IcebergType, value: unknown): never {
  const shown =
    typeof value === 'bigint'
      ? `${value}n`
      : value instanceof Uint8Array
        ? `bytes(${value.length})`
        : String(value);
  throw new FloeError('internal', `cannot write ${shown} as Iceberg ${type.kind}`);
}

function isStructValue(v: unknown): v is { [name: string]: Value } {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    !(v instanceof Map)
  );
}

const toAvroCache = new WeakMap<IcebergType, ToAvro>();

/** A converter from floe values of `type` to Avro values of icebergToAvroSchema's schema. */
export function compileToAvro(type: IcebergType): ToAvro {
  let fn = toAvroCache.get(type);
  if (!fn) {
    fn = buildToAvro(type);
    toAvroCache.set(type, fn);
  }
  return fn;
}

/** Converts a value of Iceberg type `type` to the Avro value of icebergToAvroSchema's schema. */
export function toAvroValue(type: IcebergType, value: Value | undefined): unknown {
  return compileToAvro(type)(value);
}

function buildToAvro(type: IcebergType): ToAvro {
  switch (type.kind) {
    case 'struct': {
      const fields = type.fields.map((f) => ({
        name: f.name,
        avro: avroName(f.name),
        conv: compileToAvro(f.type),
      }));
      return (value) => {
        if (value === null || value === undefined) return null;
        if (!isStructValue(value)) badValue(type, value);
        const out: Record<string, unknown> = {};
        for (const f of fields) out[f.avro] = f.conv(value[f.name]);
        return out;
      };
    }
    case 'list': {
      const element = compileToAvro(type.element);
      return (value) => {
        if (value === null || value === undefined) return null;
        if (!Array.isArray(value)) badValue(type, value);
        return value.map(element);
      };
    }
    case 'map': {
      const key = compileToAvro(type.key);
      const val = compileToAvro(type.value);
      const stringKeys = type.key.kind === 'string';
      return (value) => {
        if (value === null || value === undefined) return null;
        const entries: Iterable<[Value, Value]> =
          value instanceof Map
            ? value.entries()
            : isStructValue(value)
              ? Object.entries(value)
              : badValue(type, value);
        if (stringKeys) {
          const out = new Map<string, unknown>();
          for (const [k, v] of entries) out.set(k as string, val(v));
          return out;
        }
        const out: { key: unknown; value: unknown }[] = [];
        for (const [k, v] of entries) out.push({ key: key(k), value: val(v) });
        return out;
      };
    }
    case 'decimal': {
      const size = decimalRequiredBytes(type.precision);
      return (value) => {
        if (value === null || value === undefined) return null;
        if (typeof value !== 'bigint') badValue(type, value);
        return bigintToTwosComplement(value, size);
      };
    }
    case 'uuid':
      return (value) => {
        if (value === null || value === undefined) return null;
        if (typeof value !== 'string') badValue(type, value);
        return uuidToBytes(value);
      };
    default:
      // Same representation in floe and Avro; the Avro encoder checks the shape.
      return (value) => (value === undefined ? null : value);
  }
}

export function bigintToTwosComplement(value: bigint, size: number): Uint8Array {
  const bits = BigInt(size * 8);
  if (value >= 1n << (bits - 1n) || value < -(1n << (bits - 1n))) {
    throw new FloeError('internal', `decimal unscaled value ${value} does not fit ${size} bytes`);
  }
  let v = BigInt.asUintN(size * 8, value);
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Big-endian two's complement of any length (decimal bytes). */
export const twosComplementToBigint = bigintFromBytes;

// ---- values: Avro (decoded with the writer schema) -> floe in-memory, projected by field id ----

/** The writer record's field for an Iceberg field: by field-id, else by (Avro-compatible) name. */
function writerField(node: RecordNode, field: NestedField): RecordField | undefined {
  return (
    node.fields.find((f) => f.json['field-id'] === field.id) ??
    node.fields.find((f) => f.name === avroName(field.name))
  );
}

function invalid(message: string): never {
  throw new FloeError('invalid-metadata', message);
}

const fromAvroCache = new WeakMap<IcebergType, WeakMap<AvroNode, FromAvro>>();

/**
 * A converter from Avro values decoded with writer schema `writer` to floe's representation of
 * Iceberg type `type`. Struct fields are matched by field id; fields the writer lacks read as null.
 */
export function compileFromAvro(type: IcebergType, writer: AvroNode): FromAvro {
  let byWriter = fromAvroCache.get(type);
  if (!byWriter) {
    byWriter = new WeakMap();
    fromAvroCache.set(type, byWriter);
  }
  let fn = byWriter.get(writer);
  if (!fn) {
    fn = buildFromAvro(type, writer);
    byWriter.set(writer, fn);
  }
  return fn;
}

/** Converts one Avro value (decoded with writer schema `writer`) to floe's representation of `type`. */
export function fromAvroValue(type: IcebergType, writer: AvroNode, value: unknown): Value {
  return compileFromAvro(type, writer)(value);
}

const nullValue: FromAvro = () => null;
const STRING_NODE: AvroNode = { kind: 'string' };

function buildFromAvro(type: IcebergType, writer: AvroNode): FromAvro {
  const w = unwrapOptional(writer);
  switch (type.kind) {
    case 'struct': {
      if (w.kind !== 'record') return invalid(`expected an Avro record for a struct, found ${w.kind}`);
      const fields = type.fields.map((f) => {
        const wf = writerField(w, f);
        return { name: f.name, from: wf?.name, conv: wf ? compileFromAvro(f.type, wf.type) : nullValue };
      });
      return (value) => {
        if (value === null || value === undefined) return null;
        const rec = value as Record<string, unknown>;
        const out: { [name: string]: Value } = {};
        for (const f of fields) out[f.name] = f.from === undefined ? null : f.conv(rec[f.from]);
        return out;
      };
    }
    case 'list': {
      if (w.kind !== 'array') return invalid(`expected an Avro array for a list, found ${w.kind}`);
      const element = compileFromAvro(type.element, w.items);
      return (value) => (value === null || value === undefined ? null : (value as unknown[]).map(element));
    }
    case 'map': {
      if (w.kind === 'map') {
        const key = compileFromAvro(type.key, STRING_NODE);
        const val = compileFromAvro(type.value, w.values);
        return (value) => {
          if (value === null || value === undefined) return null;
          const out = new Map<Value, Value>();
          for (const [k, v] of value as Map<string, unknown>) out.set(key(k), val(v));
          return out;
        };
      }
      const item = w.kind === 'array' ? unwrapOptional(w.items) : undefined;
      if (item?.kind !== 'record' || item.fields.length !== 2) {
        return invalid(`expected an Avro map or an array of {key, value} records for a map, found ${w.kind}`);
      }
      const [kf, vf] = [item.fields[0]!, item.fields[1]!];
      const key = compileFromAvro(type.key, kf.type);
      const val = compileFromAvro(type.value, vf.type);
      return (value) => {
        if (value === null || value === undefined) return null;
        const out = new Map<Value, Value>();
        for (const rec of value as Record<string, unknown>[]) out.set(key(rec[kf.name]), val(rec[vf.name]));
        return out;
      };
    }
    default: {
      const prim = type;
      return (value) => (value === null || value === undefined ? null : primitiveFromAvro(prim, value));
    }
  }
}

function primitiveFromAvro(type: PrimitiveType, value: unknown): Value {
  switch (type.kind) {
    case 'boolean':
      if (typeof value === 'boolean') return value;
      break;
    case 'int':
    case 'date':
      if (typeof value === 'number') return value;
      if (typeof value === 'bigint') return Number(value);
      break;
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      if (typeof value === 'bigint') return value;
      if (typeof value === 'number' && Number.isInteger(value)) return BigInt(value); // promoted from int
      break;
    case 'float':
    case 'double':
      if (typeof value === 'number') return value;
      break;
    case 'string':
      if (typeof value === 'string') return value;
      if (value instanceof Uint8Array) return new TextDecoder().decode(value);
      break;
    case 'uuid':
      if (value instanceof Uint8Array) return uuidFromBytes(value);
      if (typeof value === 'string') return value.toLowerCase();
      break;
    case 'binary':
    case 'fixed':
      if (value instanceof Uint8Array) return value;
      if (typeof value === 'string') return new TextEncoder().encode(value);
      break;
    case 'decimal':
      if (value instanceof Uint8Array) return twosComplementToBigint(value);
      break;
  }
  return invalid(
    `cannot read Avro value ${typeof value === 'bigint' ? `${value}n` : String(value)} as Iceberg ${type.kind}`,
  );
}
