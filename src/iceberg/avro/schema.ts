/**
 * Avro schemas as JSON (what goes verbatim into a container header) and their parsed form.
 *
 * We keep the JSON we are given untouched: Iceberg readers need the `field-id`, `element-id`,
 * `key-id` and `value-id` attributes, and generic Avro libraries drop unknown attributes when
 * they re-serialise a parsed schema. The parsed nodes keep a reference to their JSON so the
 * Iceberg layer can read those attributes back (projection by field id).
 */
import { FloeError } from '../../errors.js';

/** Any Avro schema in its JSON form. Objects may carry extra attributes (field-id, logicalType, …). */
export type AvroSchemaJson = string | AvroSchemaJson[] | AvroSchemaObject;
export interface AvroSchemaObject {
  type: AvroSchemaJson;
  [attribute: string]: unknown;
}
export interface AvroFieldJson {
  name: string;
  type: AvroSchemaJson;
  default?: unknown;
  [attribute: string]: unknown;
}

export type AvroPrimitive = 'null' | 'boolean' | 'int' | 'long' | 'float' | 'double' | 'bytes' | 'string';
const PRIMITIVES: ReadonlySet<string> = new Set<AvroPrimitive>([
  'null',
  'boolean',
  'int',
  'long',
  'float',
  'double',
  'bytes',
  'string',
]);

export interface PrimitiveNode {
  readonly kind: AvroPrimitive;
  /** The JSON object form when the schema was written as one (e.g. with a logicalType). */
  readonly json?: Readonly<Record<string, unknown>>;
}
export interface RecordField {
  readonly name: string;
  readonly type: AvroNode;
  readonly json: Readonly<AvroFieldJson>;
  readonly hasDefault: boolean;
  readonly default?: unknown;
}
export interface RecordNode {
  readonly kind: 'record';
  readonly name: string;
  /** Filled after the node is registered so that recursive records resolve. */
  readonly fields: RecordField[];
  readonly json: Readonly<Record<string, unknown>>;
}
export interface EnumNode {
  readonly kind: 'enum';
  readonly name: string;
  readonly symbols: readonly string[];
  readonly json: Readonly<Record<string, unknown>>;
}
export interface FixedNode {
  readonly kind: 'fixed';
  readonly name: string;
  readonly size: number;
  readonly json: Readonly<Record<string, unknown>>;
}
export interface ArrayNode {
  readonly kind: 'array';
  readonly items: AvroNode;
  readonly json: Readonly<Record<string, unknown>>;
}
export interface MapNode {
  readonly kind: 'map';
  readonly values: AvroNode;
  readonly json: Readonly<Record<string, unknown>>;
}
export interface UnionNode {
  readonly kind: 'union';
  readonly branches: readonly AvroNode[];
}
export type AvroNode = PrimitiveNode | RecordNode | EnumNode | FixedNode | ArrayNode | MapNode | UnionNode;

function bad(message: string): never {
  throw new FloeError('invalid-metadata', `avro schema: ${message}`);
}

function fullName(name: string, namespace: string | undefined): string {
  if (name.includes('.') || !namespace) return name;
  return `${namespace}.${name}`;
}

function namespaceOf(fullname: string): string | undefined {
  const i = fullname.lastIndexOf('.');
  return i < 0 ? undefined : fullname.slice(0, i);
}

/** Parses an Avro schema (JSON text or value) into nodes. Named types resolve within the schema. */
export function parseAvroSchema(schema: AvroSchemaJson | string): AvroNode {
  let json: unknown = schema;
  if (typeof schema === 'string' && !PRIMITIVES.has(schema)) {
    try {
      json = JSON.parse(schema);
    } catch (err) {
      bad(`not valid JSON (${(err as Error).message})`);
    }
  }
  const named = new Map<string, AvroNode>();
  return parseNode(json, undefined, named);
}

function parseNode(json: unknown, namespace: string | undefined, named: Map<string, AvroNode>): AvroNode {
  if (typeof json === 'string') {
    if (PRIMITIVES.has(json)) return { kind: json as AvroPrimitive };
    const ref = named.get(fullName(json, namespace)) ?? named.get(json);
    if (!ref) bad(`unknown type name "${json}"`);
    return ref;
  }
  if (Array.isArray(json)) {
    return { kind: 'union', branches: json.map((b) => parseNode(b, namespace, named)) };
  }
  if (json === null || typeof json !== 'object') bad(`unexpected ${JSON.stringify(json)}`);
  const o = json as Record<string, unknown>;
  const type = o.type;
  if (typeof type !== 'string') {
    // {"type": {...}} or {"type": [...]}: a wrapper around another schema.
    return parseNode(type, namespace, named);
  }
  if (PRIMITIVES.has(type)) return { kind: type as AvroPrimitive, json: o };
  switch (type) {
    case 'record':
    case 'error': {
      const name = nameOf(o, namespace);
      const node: RecordNode = { kind: 'record', name, fields: [], json: o };
      register(named, name, node);
      const ns = namespaceOf(name);
      if (!Array.isArray(o.fields)) bad(`record ${name} has no "fields"`);
      for (const f of o.fields as unknown[]) {
        if (f === null || typeof f !== 'object') bad(`record ${name} has a malformed field`);
        const fj = f as AvroFieldJson;
        if (typeof fj.name !== 'string') bad(`record ${name} has a field without a name`);
        node.fields.push({
          name: fj.name,
          type: parseNode(fj.type, ns, named),
          json: fj,
          hasDefault: Object.prototype.hasOwnProperty.call(fj, 'default'),
          default: fj.default,
        });
      }
      return node;
    }
    case 'enum': {
      const name = nameOf(o, namespace);
      if (!Array.isArray(o.symbols)) bad(`enum ${name} has no "symbols"`);
      const node: EnumNode = { kind: 'enum', name, symbols: o.symbols as string[], json: o };
      register(named, name, node);
      return node;
    }
    case 'fixed': {
      const name = nameOf(o, namespace);
      if (typeof o.size !== 'number' || !Number.isInteger(o.size) || o.size < 0)
        bad(`fixed ${name} has a bad size`);
      const node: FixedNode = { kind: 'fixed', name, size: o.size, json: o };
      register(named, name, node);
      return node;
    }
    case 'array':
      return { kind: 'array', items: parseNode(o.items, namespace, named), json: o };
    case 'map':
      return { kind: 'map', values: parseNode(o.values, namespace, named), json: o };
    default: {
      // A reference to a named type written as {"type": "name"}.
      const ref = named.get(fullName(type, namespace)) ?? named.get(type);
      if (!ref) bad(`unknown type "${type}"`);
      return ref;
    }
  }
}

function nameOf(o: Record<string, unknown>, namespace: string | undefined): string {
  if (typeof o.name !== 'string' || o.name === '') bad(`a ${String(o.type)} needs a name`);
  const ns = typeof o.namespace === 'string' ? o.namespace : namespace;
  return fullName(o.name, ns);
}

function register(named: Map<string, AvroNode>, name: string, node: AvroNode): void {
  if (named.has(name)) bad(`type name "${name}" is defined twice`);
  named.set(name, node);
}

const unwrapped = new WeakMap<UnionNode, AvroNode>();

/** The non-null branch of an optional union ([null, T] or [T, null]); other nodes unchanged. */
export function unwrapOptional(node: AvroNode): AvroNode {
  if (node.kind !== 'union') return node;
  const cached = unwrapped.get(node);
  if (cached) return cached;
  const nonNull = node.branches.filter((b) => b.kind !== 'null');
  if (nonNull.length !== 1)
    throw new FloeError('unsupported', 'avro: unions other than [null, T] are not supported here');
  unwrapped.set(node, nonNull[0]!);
  return nonNull[0]!;
}
