/**
 * Partition specs: JSON serde, the CLI syntax ('day(created_date), bucket(16, id)'), the partition
 * struct type, partition tuples of rows and partition paths.
 */
import { FloeError } from '../../errors.js';
import type { PartitionField, PartitionSpec } from './model.js';
import type { Schema } from './schema.js';
import { parseTransform, type Transform } from './transforms.js';
import {
  isPrimitive,
  typeToString,
  type IcebergType,
  type NestedField,
  type PrimitiveType,
  type StructType,
  type Value,
} from './types.js';

export const UNPARTITIONED: PartitionSpec = { specId: 0, fields: [] };
export const PARTITION_FIELD_ID_START = 1000;

export interface PartitionSpecJson {
  'spec-id': number;
  fields: { 'source-id': number; 'field-id': number; name: string; transform: string }[];
}

// ---- JSON ----

export function partitionSpecToJson(spec: PartitionSpec): PartitionSpecJson {
  return {
    'spec-id': spec.specId,
    fields: spec.fields.map((f) => ({
      name: f.name,
      transform: f.transform,
      'source-id': f.sourceId,
      'field-id': f.fieldId,
    })),
  };
}

function intField(o: Record<string, unknown>, key: string, what: string): number {
  const v = o[key];
  if (typeof v === 'number' && Number.isInteger(v)) return v;
  if (typeof v === 'bigint' && v >= -(2n ** 31n) && v < 2n ** 31n) return Number(v);
  throw new FloeError('invalid-metadata', `${what}: "${key}" must be an integer`);
}

export function partitionSpecFromJson(json: unknown): PartitionSpec {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new FloeError('invalid-metadata', 'partition spec must be a JSON object');
  }
  const o = json as Record<string, unknown>;
  if (!Array.isArray(o.fields))
    throw new FloeError('invalid-metadata', 'partition spec needs a "fields" array');
  const specId = intField(o, 'spec-id', 'partition spec');
  const fields = o.fields.map((f, i): PartitionField => {
    if (f === null || typeof f !== 'object')
      throw new FloeError('invalid-metadata', `partition field ${i} must be an object`);
    const fo = f as Record<string, unknown>;
    if (typeof fo.name !== 'string')
      throw new FloeError('invalid-metadata', `partition field ${i} needs a "name"`);
    if (typeof fo.transform !== 'string')
      throw new FloeError('invalid-metadata', `partition field "${fo.name}" needs a "transform"`);
    return {
      sourceId: intField(fo, 'source-id', `partition field "${fo.name}"`),
      // v1 metadata may lack field ids; the reference implementation numbered them from 1000.
      fieldId:
        fo['field-id'] === undefined
          ? PARTITION_FIELD_ID_START + i
          : intField(fo, 'field-id', `partition field "${fo.name}"`),
      name: fo.name,
      transform: fo.transform,
    };
  });
  return { specId, fields };
}

/** The highest partition field id of a spec, or 999 when it has none (Java's lastAssignedFieldId). */
export function lastAssignedFieldId(spec: PartitionSpec): number {
  return spec.fields.reduce((max, f) => Math.max(max, f.fieldId), PARTITION_FIELD_ID_START - 1);
}

// ---- CLI syntax ----

const TIME_TRANSFORMS = new Set(['year', 'month', 'day', 'hour']);
/** Spark SQL spells these in the plural; accept both. */
const ALIASES: Record<string, string> = { years: 'year', months: 'month', days: 'day', hours: 'hour' };
const NAME_SUFFIX: Record<string, string> = {
  bucket: 'bucket',
  truncate: 'trunc',
  year: 'year',
  month: 'month',
  day: 'day',
  hour: 'hour',
  void: 'null',
};

/** Splits on commas that are not inside parentheses or quotes. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quote = '';
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quote) {
      if (c === quote) quote = '';
    } else if (c === '"' || c === '`') quote = c;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === ',' && depth === 0) {
      parts.push(text.slice(start, i));
      start = i + 1;
    }
    if (depth < 0) throw new FloeError('usage', `partition spec "${text}": unbalanced ")"`);
  }
  if (depth !== 0 || quote)
    throw new FloeError('usage', `partition spec "${text}": unbalanced parentheses or quotes`);
  parts.push(text.slice(start));
  return parts.map((p) => p.trim());
}

function unquote(s: string): string {
  const t = s.trim();
  if (t.length >= 2 && (t[0] === '"' || t[0] === '`') && t[t.length - 1] === t[0]) return t.slice(1, -1);
  return t;
}

interface Resolved {
  field: NestedField;
  name: string; // the full (dotted) name as resolved
}

/** Finds a column by dotted path through structs only (partition sources cannot be inside lists or maps). */
function resolveColumn(schema: Schema, name: string, term: string): Resolved {
  const walk = (
    fields: readonly NestedField[],
    parts: string[],
    caseInsensitive: boolean,
  ): NestedField[] | undefined => {
    const [head, ...rest] = parts;
    const matches = fields.filter((f) =>
      caseInsensitive ? f.name.toLowerCase() === head!.toLowerCase() : f.name === head,
    );
    if (matches.length !== 1) return undefined;
    const f = matches[0]!;
    if (rest.length === 0) return [f];
    if (f.type.kind !== 'struct') return undefined;
    const below = walk(f.type.fields, rest, caseInsensitive);
    return below ? [f, ...below] : undefined;
  };
  // The whole name first (column names may contain dots), then as a path; exact case, then any case.
  for (const caseInsensitive of [false, true]) {
    for (const parts of [[name], name.split('.')]) {
      const path = walk(schema.fields, parts, caseInsensitive);
      if (path) return { field: path[path.length - 1]!, name: path.map((f) => f.name).join('.') };
    }
  }
  if (schema.findByName(name)) {
    throw new FloeError(
      'usage',
      `partition "${term}": column "${name}" is inside a list or map; partition sources must not be`,
    );
  }
  const known = schema.fields.map((f) => f.name);
  const shown = known.length > 20 ? `${known.slice(0, 20).join(', ')}, …` : known.join(', ');
  throw new FloeError('usage', `partition "${term}": unknown column "${name}" (columns: ${shown})`);
}

function sourceKinds(transform: Transform): string {
  const all: PrimitiveType[] = [
    { kind: 'boolean' },
    { kind: 'int' },
    { kind: 'long' },
    { kind: 'float' },
    { kind: 'double' },
    { kind: 'decimal', precision: 9, scale: 2 },
    { kind: 'date' },
    { kind: 'time' },
    { kind: 'timestamp' },
    { kind: 'timestamptz' },
    { kind: 'string' },
    { kind: 'uuid' },
    { kind: 'fixed', length: 1 },
    { kind: 'binary' },
  ];
  return all
    .filter((t) => transform.canTransform(t))
    .map((t) => t.kind)
    .join(', ');
}

interface ParsedTerm {
  transform: string; // the spec string form
  column: string;
  term: string;
}

function parseTerm(term: string, whole: string): ParsedTerm {
  if (term === '') throw new FloeError('usage', `partition spec "${whole}": empty term`);
  const call = /^([A-Za-z_]+)\s*\(([\s\S]*)\)$/.exec(term);
  if (!call) {
    if (/[()[\]]/.test(term))
      throw new FloeError('usage', `partition "${term}": expected a column or transform(column)`);
    return { transform: 'identity', column: unquote(term), term };
  }
  const fn = call[1]!.toLowerCase();
  const args = splitTopLevel(call[2]!).map(unquote);
  const name = ALIASES[fn] ?? fn;
  if (name === 'bucket' || name === 'truncate') {
    if (args.length !== 2) throw new FloeError('usage', `partition "${term}": ${name} takes (N, column)`);
    // Spark writes bucket(16, id); accept the column first too, the number is unambiguous.
    const [a, b] = args as [string, string];
    const numFirst = /^\d+$/.test(a);
    const n = numFirst ? a : b;
    const column = numFirst ? b : a;
    if (!/^\d+$/.test(n) || Number(n) < 1) {
      throw new FloeError(
        'usage',
        `partition "${term}": ${name} needs a positive integer ${name === 'bucket' ? 'bucket count' : 'width'}`,
      );
    }
    return { transform: `${name}[${Number(n)}]`, column, term };
  }
  if (name === 'identity' || name === 'void' || TIME_TRANSFORMS.has(name)) {
    if (args.length !== 1 || args[0] === '')
      throw new FloeError('usage', `partition "${term}": ${fn} takes one column`);
    return { transform: name, column: args[0]!, term };
  }
  throw new FloeError(
    'usage',
    `partition "${term}": unknown transform "${call[1]}" (use identity, bucket, truncate, year, month, day, hour or void)`,
  );
}

/**
 * Parses 'day(created_date), bucket(16, id), truncate(4, name), borough' (identity) into a spec,
 * assigning field ids from `lastPartitionId + 1` (default 1000) and names like 'created_date_day'.
 */
export function parsePartitionSpec(
  text: string,
  schema: Schema,
  specId = 0,
  lastPartitionId = 999,
): PartitionSpec {
  const trimmed = text.trim();
  if (trimmed === '') return { specId, fields: [] };
  const fields: PartitionField[] = [];
  const timeSources = new Map<number, string>();
  let nextId = lastPartitionId + 1;
  for (const termText of splitTopLevel(trimmed)) {
    const term = parseTerm(termText, trimmed);
    const { field, name: columnName } = resolveColumn(schema, term.column, term.term);
    if (!isPrimitive(field.type)) {
      throw new FloeError(
        'usage',
        `partition "${term.term}": column "${columnName}" is a ${typeToString(field.type)}; partition sources must be primitive`,
      );
    }
    const transform = parseTransform(term.transform);
    if (!transform.canTransform(field.type)) {
      throw new FloeError(
        'usage',
        `partition "${term.term}": ${transform.name} cannot apply to column "${columnName}" of type ${typeToString(field.type)} (${transform.name} applies to ${sourceKinds(transform)})`,
      );
    }
    if (TIME_TRANSFORMS.has(transform.name)) {
      const other = timeSources.get(field.id);
      if (other) {
        throw new FloeError(
          'usage',
          `partition "${term.term}": column "${columnName}" is already partitioned by ${other}; use one time transform per column`,
        );
      }
      timeSources.set(field.id, transform.name);
    }
    if (fields.some((f) => f.sourceId === field.id && f.transform === transform.toString())) {
      throw new FloeError(
        'usage',
        `partition "${term.term}": ${transform.toString()} of "${columnName}" is listed twice`,
      );
    }
    const name = transform.name === 'identity' ? columnName : `${columnName}_${NAME_SUFFIX[transform.name]!}`;
    if (fields.some((f) => f.name === name)) {
      throw new FloeError('usage', `partition "${term.term}": partition field name "${name}" is used twice`);
    }
    // A derived partition name may not shadow a real column (engines resolve names against both).
    const clash = schema.findByName(name);
    if (clash && !(transform.name === 'identity' && clash.id === field.id)) {
      throw new FloeError(
        'usage',
        `partition "${term.term}": partition field name "${name}" conflicts with a column of that name`,
      );
    }
    fields.push({ sourceId: field.id, fieldId: nextId++, name, transform: transform.toString() });
  }
  return { specId, fields };
}

// ---- partition type, tuples, paths ----

/** A partition field with its transform parsed and its source column's type (checked primitive). */
export interface CompiledField {
  readonly field: PartitionField;
  readonly transform: Transform;
  readonly sourceType: PrimitiveType;
}

export function compilePartitionFields(spec: PartitionSpec, schema: Schema): CompiledField[] {
  return spec.fields.map((field) => {
    const source = schema.fieldOrThrow(field.sourceId);
    const type: IcebergType = source.type;
    if (!isPrimitive(type)) {
      throw new FloeError(
        'invalid-metadata',
        `partition field "${field.name}": source ${source.name} is not primitive`,
      );
    }
    return { field, transform: parseTransform(field.transform), sourceType: type };
  });
}

/** Checks that every partition field has a primitive source column its transform can apply to ('config' errors). */
export function validatePartitionSpec(spec: PartitionSpec, schema: Schema): void {
  const ids = new Set<number>();
  for (const f of spec.fields) {
    const source = schema.field(f.sourceId);
    if (!source)
      throw new FloeError('config', `partition field "${f.name}": no column with id ${f.sourceId}`);
    if (!isPrimitive(source.type))
      throw new FloeError(
        'config',
        `partition field "${f.name}": source column "${source.name}" is not primitive`,
      );
    let transform: Transform;
    try {
      transform = parseTransform(f.transform);
    } catch (cause) {
      throw new FloeError('config', `partition field "${f.name}": unknown transform "${f.transform}"`, {
        cause,
      });
    }
    if (!transform.canTransform(source.type)) {
      throw new FloeError(
        'config',
        `partition field "${f.name}": ${f.transform} cannot apply to "${source.name}" of type ${typeToString(source.type)}`,
      );
    }
    if (ids.has(f.fieldId)) throw new FloeError('config', `partition field id ${f.fieldId} is used twice`);
    ids.add(f.fieldId);
  }
}

/** The struct type of partition tuples (field ids = partition field ids, all optional). */
export function partitionType(spec: PartitionSpec, schema: Schema): StructType {
  return {
    kind: 'struct',
    fields: compilePartitionFields(spec, schema).map((c): NestedField => ({
      id: c.field.fieldId,
      name: c.field.name,
      required: false,
      type: c.transform.resultType(c.sourceType),
    })),
  };
}

/**
 * Resolves a spec once and returns a function from a row's source values to its partition tuple:
 * the per-row path of writers (no transform parsing or schema lookups per row).
 */
export function compilePartitioner(
  spec: PartitionSpec,
  schema: Schema,
): (sourceValue: (fieldId: number) => Value) => Value[] {
  const compiled = compilePartitionFields(spec, schema);
  return (sourceValue) => {
    const out = new Array<Value>(compiled.length);
    for (let i = 0; i < compiled.length; i++) {
      const c = compiled[i]!;
      out[i] = c.transform.apply(c.sourceType, sourceValue(c.field.sourceId));
    }
    return out;
  };
}

/** The partition tuple of one row, given the source column values by field id. */
export function partitionTuple(
  spec: PartitionSpec,
  schema: Schema,
  sourceValue: (fieldId: number) => Value,
): Value[] {
  return compilePartitioner(spec, schema)(sourceValue);
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

/**
 * Java's URLEncoder.encode(s, UTF-8) (HTML form encoding): letters, digits and `.-*_` stay,
 * space becomes '+', everything else %XX of its UTF-8 bytes.
 */
export function urlFormEncode(s: string): string {
  return encodeURIComponent(s.replace(LONE_SURROGATE, '\uFFFD'))
    .replace(/[!'()~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase())
    .replace(/%20/g, '+');
}

/** 'created_date_day=2024-03-01/borough=QUEENS' (URL-escaped values, as Java's PartitionSpec.partitionToPath). */
export function partitionPath(spec: PartitionSpec, schema: Schema, tuple: readonly Value[]): string {
  const compiled = compilePartitionFields(spec, schema);
  if (tuple.length !== compiled.length) {
    throw new FloeError(
      'internal',
      `partition tuple has ${tuple.length} values, spec ${spec.specId} has ${compiled.length} fields`,
    );
  }
  return compiled
    .map(
      (c, i) =>
        `${urlFormEncode(c.field.name)}=${urlFormEncode(c.transform.toHumanString(c.sourceType, tuple[i] ?? null))}`,
    )
    .join('/');
}
