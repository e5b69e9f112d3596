/**
 * Schema-driven Avro value encoder/decoder, compiled once per schema into closures.
 *
 * Generic value representation (what encode takes and decode returns):
 *   null -> null, boolean -> boolean, int/float/double -> number, long -> bigint (encode also takes
 *   safe-integer numbers), bytes/fixed -> Uint8Array, string/enum -> string,
 *   record -> plain object keyed by field name, array -> array, map -> Map<string, V>
 *   (encode also takes a plain object), union -> the value of the chosen branch (no wrapper).
 * Logical types are not interpreted here; the Iceberg layer maps them (see iceberg.ts).
 */
import { FloeError } from '../../errors.js';
import { AvroReader, AvroWriter } from './binary.js';
import { parseAvroSchema, type AvroNode, type AvroSchemaJson } from './schema.js';

export interface AvroCodec {
  readonly node: AvroNode;
  encode(writer: AvroWriter, value: unknown): void;
  decode(reader: AvroReader): unknown;
  /** Whether `value` has the shape this schema encodes (used to pick union branches). */
  accepts(value: unknown): boolean;
}

/** Compiles a codec for a schema (JSON, JSON text, or an already parsed node). */
export function compileCodec(schema: AvroSchemaJson | AvroNode): AvroCodec {
  const node = isNode(schema) ? schema : parseAvroSchema(schema);
  return build(node, new Map());
}

function isNode(s: unknown): s is AvroNode {
  return (
    typeof s === 'object' &&
    s !== null &&
    !Array.isArray(s) &&
    typeof (s as { kind?: unknown }).kind === 'string'
  );
}

function mismatch(what: string, value: unknown): never {
  const shown = typeof value === 'bigint' ? `${value}n` : safeShow(value);
  throw new FloeError('internal', `avro: cannot encode ${shown} as ${what}`);
}

function safeShow(value: unknown): string {
  if (value instanceof Uint8Array) return `Uint8Array(${value.length})`;
  try {
    return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? `${v}n` : v)) ?? String(value);
  } catch {
    return String(value);
  }
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return (
    typeof v === 'object' &&
    v !== null &&
    !Array.isArray(v) &&
    !(v instanceof Uint8Array) &&
    !(v instanceof Map)
  );
}

function isInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -2147483648 && v <= 2147483647;
}

function build(node: AvroNode, memo: Map<AvroNode, AvroCodec>): AvroCodec {
  const cached = memo.get(node);
  if (cached) return cached;
  switch (node.kind) {
    case 'null':
      return {
        node,
        encode: (_w, v) => {
          if (v !== null && v !== undefined) mismatch('null', v);
        },
        decode: () => null,
        accepts: (v) => v === null || v === undefined,
      };
    case 'boolean':
      return {
        node,
        encode: (w, v) => (typeof v === 'boolean' ? w.writeBoolean(v) : mismatch('boolean', v)),
        decode: (r) => r.readBoolean(),
        accepts: (v) => typeof v === 'boolean',
      };
    case 'int':
      return {
        node,
        encode: (w, v) => (isInt(v) ? w.writeInt(v) : mismatch('int', v)),
        decode: (r) => r.readInt(),
        accepts: isInt,
      };
    case 'long':
      return {
        node,
        encode: (w, v) =>
          typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v))
            ? w.writeLong(v)
            : mismatch('long', v),
        decode: (r) => r.readLong(),
        accepts: (v) => typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v)),
      };
    case 'float':
      return {
        node,
        encode: (w, v) => (typeof v === 'number' ? w.writeFloat(v) : mismatch('float', v)),
        decode: (r) => r.readFloat(),
        accepts: (v) => typeof v === 'number',
      };
    case 'double':
      return {
        node,
        encode: (w, v) => (typeof v === 'number' ? w.writeDouble(v) : mismatch('double', v)),
        decode: (r) => r.readDouble(),
        accepts: (v) => typeof v === 'number',
      };
    case 'bytes':
      return {
        node,
        encode: (w, v) => (v instanceof Uint8Array ? w.writeBytes(v) : mismatch('bytes', v)),
        decode: (r) => r.readBytes(),
        accepts: (v) => v instanceof Uint8Array,
      };
    case 'string':
      return {
        node,
        encode: (w, v) => (typeof v === 'string' ? w.writeString(v) : mismatch('string', v)),
        decode: (r) => r.readString(),
        accepts: (v) => typeof v === 'string',
      };
    case 'fixed': {
      const size = node.size;
      return {
        node,
        encode: (w, v) =>
          v instanceof Uint8Array && v.length === size
            ? w.writeFixed(v)
            : mismatch(`fixed(${size}) ${node.name}`, v),
        decode: (r) => r.readFixed(size),
        accepts: (v) => v instanceof Uint8Array && v.length === size,
      };
    }
    case 'enum': {
      const index = new Map(node.symbols.map((s, i) => [s, i]));
      return {
        node,
        encode: (w, v) => {
          const i = typeof v === 'string' ? index.get(v) : undefined;
          if (i === undefined) mismatch(`enum ${node.name}`, v);
          w.writeInt(i);
        },
        decode: (r) => {
          const i = r.readInt();
          const s = node.symbols[i];
          if (s === undefined)
            throw new FloeError('invalid-metadata', `avro: enum ${node.name} has no symbol ${i}`);
          return s;
        },
        accepts: (v) => typeof v === 'string' && index.has(v),
      };
    }
    case 'array': {
      const codec: AvroCodec = {
        node,
        encode: (w, v) => {
          if (!Array.isArray(v)) mismatch('array', v);
          if (v.length > 0) {
            w.writeLong(v.length);
            for (const item of v) items.encode(w, item);
          }
          w.writeLong(0);
        },
        decode: (r) => {
          const out: unknown[] = [];
          for (let n = r.readBlockCount(); n > 0; n = r.readBlockCount()) {
            for (let i = 0; i < n; i++) out.push(items.decode(r));
          }
          return out;
        },
        accepts: (v) => Array.isArray(v),
      };
      memo.set(node, codec);
      const items = build(node.items, memo);
      return codec;
    }
    case 'map': {
      const codec: AvroCodec = {
        node,
        encode: (w, v) => {
          const entries =
            v instanceof Map ? [...v.entries()] : isPlainObject(v) ? Object.entries(v) : mismatch('map', v);
          if (entries.length > 0) {
            w.writeLong(entries.length);
            for (const [k, item] of entries) {
              if (typeof k !== 'string') mismatch('map key (string)', k);
              w.writeString(k);
              values.encode(w, item);
            }
          }
          w.writeLong(0);
        },
        decode: (r) => {
          const out = new Map<string, unknown>();
          for (let n = r.readBlockCount(); n > 0; n = r.readBlockCount()) {
            for (let i = 0; i < n; i++) {
              const k = r.readString();
              out.set(k, values.decode(r));
            }
          }
          return out;
        },
        accepts: (v) => v instanceof Map || isPlainObject(v),
      };
      memo.set(node, codec);
      const values = build(node.values, memo);
      return codec;
    }
    case 'union': {
      const codec: AvroCodec = {
        node,
        encode: (w, v) => {
          for (let i = 0; i < branches.length; i++) {
            if (branches[i]!.accepts(v)) {
              w.writeLong(i);
              branches[i]!.encode(w, v);
              return;
            }
          }
          mismatch(`union of ${node.branches.map((b) => b.kind).join('|')}`, v);
        },
        decode: (r) => {
          const i = Number(r.readLong());
          const b = branches[i];
          if (!b) throw new FloeError('invalid-metadata', `avro: union has no branch ${i}`);
          return b.decode(r);
        },
        accepts: (v) => branches.some((b) => b.accepts(v)),
      };
      memo.set(node, codec);
      const branches = node.branches.map((b) => build(b, memo));
      return codec;
    }
    case 'record': {
      const fields: { name: string; codec: AvroCodec; fallback: () => unknown; hasDefault: boolean }[] = [];
      const codec: AvroCodec = {
        node,
        encode: (w, v) => {
          if (!isPlainObject(v)) mismatch(`record ${node.name}`, v);
          for (const f of fields) {
            let fv = v[f.name];
            if (fv === undefined && f.hasDefault) fv = f.fallback();
            try {
              f.codec.encode(w, fv);
            } catch (err) {
              if (
                err instanceof FloeError &&
                err.kind === 'internal' &&
                !err.message.includes(' in field ')
              ) {
                throw new FloeError('internal', `${err.message} in field ${node.name}.${f.name}`);
              }
              throw err;
            }
          }
        },
        decode: (r) => {
          const out: Record<string, unknown> = {};
          for (const f of fields) out[f.name] = f.codec.decode(r);
          return out;
        },
        accepts: isPlainObject,
      };
      memo.set(node, codec);
      for (const f of node.fields) {
        const fieldCodec = build(f.type, memo);
        fields.push({
          name: f.name,
          codec: fieldCodec,
          hasDefault: f.hasDefault,
          fallback: () => defaultValue(f.type, f.default),
        });
      }
      return codec;
    }
  }
}

/** A JSON default (Avro spec: for unions, the default belongs to the first branch) as a value. */
function defaultValue(node: AvroNode, json: unknown): unknown {
  switch (node.kind) {
    case 'union':
      return node.branches[0] ? defaultValue(node.branches[0], json) : null;
    case 'long':
      return typeof json === 'number' || typeof json === 'string' ? BigInt(json) : json;
    case 'bytes':
    case 'fixed':
      // JSON defaults for bytes are strings whose code points are the byte values.
      return typeof json === 'string' ? Uint8Array.from(json, (c) => c.charCodeAt(0) & 0xff) : json;
    default:
      return json;
  }
}

/** Encodes one value to a fresh byte array (convenience for tests and single-value uses). */
export function encodeAvroValue(codec: AvroCodec, value: unknown): Uint8Array {
  const w = new AvroWriter(64);
  codec.encode(w, value);
  return w.bytes().slice();
}

/** Decodes one value, requiring that it consumes all the bytes. */
export function decodeAvroValue(codec: AvroCodec, bytes: Uint8Array): unknown {
  const r = new AvroReader(bytes);
  const v = codec.decode(r);
  if (r.remaining !== 0)
    throw new FloeError('invalid-metadata', `avro: ${r.remaining} trailing bytes after value`);
  return v;
}
