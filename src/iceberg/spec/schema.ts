import { FloeError } from '../../errors.js';
import {
  fieldFromJson,
  fieldToJson,
  type FieldJson,
  type IcebergType,
  type NestedField,
  type StructType,
} from './types.js';

export interface SchemaJson {
  type: 'struct';
  'schema-id': number;
  'identifier-field-ids'?: number[];
  fields: FieldJson[];
}

/** A table schema: a struct with an id. Field lookups by id and by (dotted) name are indexed once. */
export class Schema {
  readonly schemaId: number;
  readonly fields: readonly NestedField[];
  readonly identifierFieldIds: readonly number[];
  private readonly byId = new Map<number, NestedField>();
  private readonly byName = new Map<string, NestedField>();

  constructor(fields: readonly NestedField[], schemaId = 0, identifierFieldIds: readonly number[] = []) {
    this.schemaId = schemaId;
    this.fields = fields;
    this.identifierFieldIds = identifierFieldIds;
    const visit = (fs: readonly NestedField[], prefix: string): void => {
      for (const f of fs) {
        if (this.byId.has(f.id)) throw new FloeError('config', `schema: duplicate field id ${f.id}`);
        const name = prefix + f.name;
        if (this.byName.has(name)) throw new FloeError('config', `schema: duplicate field name "${name}"`);
        this.byId.set(f.id, f);
        this.byName.set(name, f);
        visitNested(f.type, name + '.');
      }
    };
    const visitNested = (type: IcebergType, prefix: string): void => {
      if (type.kind === 'struct') visit(type.fields, prefix);
      else if (type.kind === 'list') {
        this.registerSynthetic(type.elementId, prefix + 'element', type.element, type.elementRequired);
        visitNested(type.element, prefix + 'element.');
      } else if (type.kind === 'map') {
        this.registerSynthetic(type.keyId, prefix + 'key', type.key, true);
        this.registerSynthetic(type.valueId, prefix + 'value', type.value, type.valueRequired);
        visitNested(type.key, prefix + 'key.');
        visitNested(type.value, prefix + 'value.');
      }
    };
    visit(fields, '');
  }

  private registerSynthetic(id: number, name: string, type: IcebergType, required: boolean): void {
    if (this.byId.has(id)) throw new FloeError('config', `schema: duplicate field id ${id}`);
    const field: NestedField = { id, name: name.slice(name.lastIndexOf('.') + 1), required, type };
    this.byId.set(id, field);
    this.byName.set(name, field);
  }

  get asStruct(): StructType {
    return { kind: 'struct', fields: this.fields };
  }

  field(id: number): NestedField | undefined {
    return this.byId.get(id);
  }

  /** Like field() but for ids that must exist (e.g. a partition source id). */
  fieldOrThrow(id: number): NestedField {
    const f = this.byId.get(id);
    if (!f) throw new FloeError('invalid-metadata', `schema ${this.schemaId} has no field with id ${id}`);
    return f;
  }

  findByName(name: string): NestedField | undefined {
    return this.byName.get(name);
  }

  /** The highest field id anywhere in the schema (table metadata's last-column-id). */
  get highestFieldId(): number {
    let max = 0;
    for (const id of this.byId.keys()) max = Math.max(max, id);
    return max;
  }

  toJson(): SchemaJson {
    const json: SchemaJson = {
      type: 'struct',
      'schema-id': this.schemaId,
      fields: this.fields.map(fieldToJson),
    };
    if (this.identifierFieldIds.length > 0) json['identifier-field-ids'] = [...this.identifierFieldIds];
    return json;
  }

  static fromJson(json: unknown): Schema {
    if (json === null || typeof json !== 'object')
      throw new FloeError('config', 'schema must be a JSON object');
    const o = json as Record<string, unknown>;
    if (!Array.isArray(o.fields)) throw new FloeError('config', 'schema needs a "fields" array');
    const id = o['schema-id'];
    const ids = o['identifier-field-ids'];
    return new Schema(
      o.fields.map(fieldFromJson),
      typeof id === 'number' ? id : typeof id === 'bigint' ? Number(id) : 0,
      Array.isArray(ids) ? ids.map(Number) : [],
    );
  }

  withSchemaId(schemaId: number): Schema {
    return new Schema(this.fields, schemaId, this.identifierFieldIds);
  }
}
