import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../errors.js';
import { MemoryFileIO } from '../io/memory.js';
import { UNPARTITIONED } from '../spec/partition.js';
import { Schema } from '../spec/schema.js';
import { t } from '../spec/types.js';
import { createDataWriter } from './index.js';
import { decimalRequiredBytes, parquetSchemaFor } from './parquet-schema.js';
import { ALL_TYPES, allTypesBatch, allTypesSchema, footer } from './test-support.js';

describe('Parquet schema of an Iceberg schema', () => {
  it('decimal byte widths are the minimum that hold the precision', () => {
    expect(decimalRequiredBytes(1)).toBe(1);
    expect(decimalRequiredBytes(2)).toBe(1);
    expect(decimalRequiredBytes(3)).toBe(2);
    expect(decimalRequiredBytes(9)).toBe(4);
    expect(decimalRequiredBytes(10)).toBe(5);
    expect(decimalRequiredBytes(18)).toBe(8);
    expect(decimalRequiredBytes(19)).toBe(9);
    expect(decimalRequiredBytes(38)).toBe(16);
  });

  it('rejects nested columns as unsupported', () => {
    const schema = new Schema([
      {
        id: 1,
        name: 'tags',
        required: false,
        type: { kind: 'list', elementId: 2, elementRequired: false, element: t.string },
      },
    ]);
    let caught: unknown;
    try {
      parquetSchemaFor(schema);
    } catch (err) {
      caught = err;
    }
    expect(isFloeError(caught, 'unsupported')).toBe(true);
  });

  it('the written footer carries field ids, repetition and logical types on every element', async () => {
    const io = new MemoryFileIO();
    const schema = allTypesSchema();
    const writer = createDataWriter({ io, schema, spec: UNPARTITIONED, dataLocation: 'mem://t/data' });
    await writer.write(allTypesBatch(50));
    const [file] = await writer.close();
    const meta = await footer(io, file!.filePath);
    const [root, ...leaves] = meta.schema;
    expect(root!.name).toBe('table');
    expect(root!.num_children).toBe(ALL_TYPES.length);
    expect(leaves.map((e) => e.field_id)).toEqual(ALL_TYPES.map((f) => f.id));
    expect(leaves.map((e) => e.name)).toEqual(ALL_TYPES.map((f) => f.name));
    expect(leaves.map((e) => e.repetition_type)).toEqual(
      ALL_TYPES.map((f) => (f.required ? 'REQUIRED' : 'OPTIONAL')),
    );
    const byName = new Map(leaves.map((e) => [e.name, e]));
    const el = (n: string) => byName.get(n)!;
    expect(el('b').type).toBe('BOOLEAN');
    expect(el('i').type).toBe('INT32');
    expect(el('l').type).toBe('INT64');
    expect(el('f').type).toBe('FLOAT');
    expect(el('d').type).toBe('DOUBLE');
    expect(el('dt')).toMatchObject({ type: 'INT32', logical_type: { type: 'DATE' } });
    expect(el('tm')).toMatchObject({
      type: 'INT64',
      logical_type: { type: 'TIME', isAdjustedToUTC: false, unit: 'MICROS' },
    });
    expect(el('tm').converted_type).toBeUndefined();
    expect(el('ts')).toMatchObject({
      type: 'INT64',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: false, unit: 'MICROS' },
    });
    // The legacy annotation would claim UTC adjustment for a local timestamp.
    expect(el('ts').converted_type).toBeUndefined();
    expect(el('tstz')).toMatchObject({
      type: 'INT64',
      converted_type: 'TIMESTAMP_MICROS',
      logical_type: { type: 'TIMESTAMP', isAdjustedToUTC: true, unit: 'MICROS' },
    });
    expect(el('s')).toMatchObject({ type: 'BYTE_ARRAY', logical_type: { type: 'STRING' } });
    expect(el('u')).toMatchObject({
      type: 'FIXED_LEN_BYTE_ARRAY',
      type_length: 16,
      logical_type: { type: 'UUID' },
    });
    expect(el('fx')).toMatchObject({ type: 'FIXED_LEN_BYTE_ARRAY', type_length: 3 });
    expect(el('fx').logical_type).toBeUndefined();
    expect(el('bin').type).toBe('BYTE_ARRAY');
    expect(el('bin').logical_type).toBeUndefined();
    expect(el('dec9')).toMatchObject({
      type: 'INT32',
      precision: 9,
      scale: 2,
      logical_type: { type: 'DECIMAL', precision: 9, scale: 2 },
    });
    expect(el('dec18')).toMatchObject({
      type: 'INT64',
      logical_type: { type: 'DECIMAL', precision: 18, scale: 6 },
    });
    expect(el('dec38')).toMatchObject({
      type: 'FIXED_LEN_BYTE_ARRAY',
      type_length: 16,
      logical_type: { type: 'DECIMAL', precision: 38, scale: 10 },
    });
    expect(meta.created_by).toMatch(/^floe version \S+ \(build [^)]+\)$/);
    // Java Iceberg's footer key: the write schema as JSON.
    const kv = new Map(meta.key_value_metadata?.map((e) => [e.key, e.value]));
    expect(JSON.parse(kv.get('iceberg.schema')!)).toEqual(JSON.parse(JSON.stringify(schema.toJson())));
  });

  it('dictionary-encodes low-cardinality strings and leaves unique ones plain', async () => {
    const io = new MemoryFileIO();
    const schema = new Schema([
      { id: 1, name: 'borough', required: false, type: t.string },
      { id: 2, name: 'address', required: false, type: t.string },
    ]);
    const boroughs = ['BROOKLYN', 'QUEENS', 'MANHATTAN', 'BRONX', 'STATEN ISLAND', null];
    const n = 20_000;
    const writer = createDataWriter({ io, schema, spec: UNPARTITIONED, dataLocation: 'mem://t/data' });
    await writer.write({
      rowCount: n,
      columns: new Map([
        [1, Array.from({ length: n }, (_, i) => boroughs[i % boroughs.length]!)],
        [2, Array.from({ length: n }, (_, i) => `${i} Some Street, apartment ${(i * 7919) % 10007}`)],
      ]),
    });
    const [file] = await writer.close();
    const meta = await footer(io, file!.filePath);
    const [borough, address] = meta.row_groups[0]!.columns;
    expect(borough!.meta_data!.encodings).toContain('RLE_DICTIONARY');
    expect(borough!.meta_data!.dictionary_page_offset).toBeDefined();
    expect(address!.meta_data!.encodings).not.toContain('RLE_DICTIONARY');
  });
});
