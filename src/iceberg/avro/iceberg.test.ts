import { describe, expect, it } from 'vitest';
import type { StructType, Value } from '../spec/types.js';
import { t } from '../spec/types.js';
import { readAvroContainer, writeAvroContainer } from './container.js';
import {
  avroName,
  decimalRequiredBytes,
  fromAvroValue,
  icebergToAvroSchema,
  toAvroValue,
} from './iceberg.js';
import { parseAvroSchema, type AvroSchemaJson } from './schema.js';

const ALL: StructType = {
  kind: 'struct',
  fields: [
    { id: 1, name: 'b', required: true, type: t.boolean },
    { id: 2, name: 'i', required: false, type: t.int },
    { id: 3, name: 'l', required: false, type: t.long },
    { id: 4, name: 'f', required: false, type: t.float },
    { id: 5, name: 'd', required: false, type: t.double },
    { id: 6, name: 'dec', required: false, type: t.decimal(9, 2) },
    { id: 7, name: 'dec2', required: false, type: t.decimal(9, 2) },
    { id: 8, name: 'big dec', required: false, type: t.decimal(38, 10) },
    { id: 9, name: 'dt', required: false, type: t.date },
    { id: 10, name: 'tm', required: false, type: t.time },
    { id: 11, name: 'ts', required: false, type: t.timestamp },
    { id: 12, name: 'tstz', required: false, type: t.timestamptz },
    { id: 13, name: 's', required: false, type: t.string },
    { id: 14, name: 'u', required: false, type: t.uuid },
    { id: 15, name: 'fx', required: false, type: t.fixed(3) },
    { id: 16, name: 'bin', required: false, type: t.binary },
    {
      id: 17,
      name: 'nested',
      required: false,
      type: { kind: 'struct', fields: [{ id: 18, name: 'x', required: true, type: t.long }] },
    },
    {
      id: 19,
      name: 'xs',
      required: false,
      type: { kind: 'list', elementId: 20, elementRequired: false, element: t.long },
    },
    {
      id: 21,
      name: 'm_int',
      required: false,
      type: { kind: 'map', keyId: 22, key: t.int, valueId: 23, valueRequired: true, value: t.binary },
    },
    {
      id: 24,
      name: 'm_str',
      required: false,
      type: { kind: 'map', keyId: 25, key: t.string, valueId: 26, valueRequired: false, value: t.long },
    },
  ],
};

describe('Iceberg <-> Avro schemas', () => {
  const schema = icebergToAvroSchema(ALL, 'row') as unknown as {
    name: string;
    fields: Record<string, unknown>[];
  };
  const field = (name: string): Record<string, unknown> => schema.fields.find((f) => f.name === name)!;

  it('writes field ids, optional unions with null defaults, and Java-style names', () => {
    expect(schema.name).toBe('row');
    expect(field('b')).toEqual({ name: 'b', type: 'boolean', 'field-id': 1 });
    expect(field('l')).toEqual({ name: 'l', type: ['null', 'long'], default: null, 'field-id': 3 });
    expect(field('dec')).toEqual({
      name: 'dec',
      type: [
        'null',
        { type: 'fixed', name: 'decimal_9_2', size: 4, logicalType: 'decimal', precision: 9, scale: 2 },
      ],
      default: null,
      'field-id': 6,
    });
    // The second decimal(9,2) refers to the first definition: Avro forbids redefining a name.
    expect(field('dec2').type).toEqual(['null', 'decimal_9_2']);
    expect(field('big_x20dec')['field-id']).toBe(8);
    expect(field('ts').type).toEqual([
      'null',
      { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false },
    ]);
    expect(field('tstz').type).toEqual([
      'null',
      { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true },
    ]);
    expect(field('u').type).toEqual([
      'null',
      { type: 'fixed', name: 'uuid_fixed', size: 16, logicalType: 'uuid' },
    ]);
    expect(field('nested').type).toEqual([
      'null',
      { type: 'record', name: 'r17', fields: [{ name: 'x', type: 'long', 'field-id': 18 }] },
    ]);
    expect(field('xs').type).toEqual(['null', { type: 'array', items: ['null', 'long'], 'element-id': 20 }]);
    expect(field('m_int').type).toEqual([
      'null',
      {
        type: 'array',
        items: {
          type: 'record',
          name: 'k22_v23',
          fields: [
            { name: 'key', type: 'int', 'field-id': 22 },
            { name: 'value', type: 'bytes', 'field-id': 23 },
          ],
        },
        logicalType: 'map',
      },
    ]);
    expect(field('m_str').type).toEqual([
      'null',
      { type: 'map', values: ['null', 'long'], 'key-id': 25, 'value-id': 26 },
    ]);
    expect(() => parseAvroSchema(schema as unknown as AvroSchemaJson)).not.toThrow();
  });

  it('sizes decimals and sanitises names like Java', () => {
    expect([1, 2, 3, 9, 10, 18, 19, 38].map(decimalRequiredBytes)).toEqual([1, 1, 2, 4, 5, 8, 9, 16]);
    expect(avroName('ok_name1')).toBe('ok_name1');
    expect(avroName('a b')).toBe('a_x20b');
    expect(avroName('1st')).toBe('_1st');
    expect(avroName('é')).toBe('_xE9');
  });
});

describe('Iceberg values through Avro', () => {
  it('round-trips every type (in-memory representation in, the same out)', () => {
    const row: { [k: string]: Value } = {
      b: true,
      i: -7,
      l: -(2n ** 63n),
      f: 1.5,
      d: -0,
      dec: -12345n,
      dec2: 99999999n,
      'big dec': 10n ** 37n + 1n,
      dt: -365,
      tm: 86_399_999_999n,
      ts: -62_135_596_800_000_000n,
      tstz: 253_402_300_799_999_999n,
      s: 'ünïcødé ☃ 𝄞',
      u: 'f79c3e09-677c-4bbd-a479-3f349cb785e7',
      fx: Uint8Array.of(1, 2, 3),
      bin: new Uint8Array(0),
      nested: { x: 2n ** 62n },
      xs: [1n, null, -1n],
      m_int: new Map<Value, Value>([
        [1, Uint8Array.of(9)],
        [-2, Uint8Array.of()],
      ]),
      m_str: new Map<Value, Value>([
        ['a', 1n],
        ['b', null],
      ]),
    };
    const nulls: { [k: string]: Value } = Object.fromEntries(
      ALL.fields.map((f) => [f.name, f.required ? false : null]),
    );
    const schema = icebergToAvroSchema(ALL, 'row');
    const bytes = writeAvroContainer(schema, [toAvroValue(ALL, row), toAvroValue(ALL, nulls)]);
    const file = readAvroContainer(bytes);
    const writer = parseAvroSchema(file.schema);
    expect(fromAvroValue(ALL, writer, file.records[0])).toEqual(row);
    expect(fromAvroValue(ALL, writer, file.records[1])).toEqual(nulls);
  });

  it('projects struct fields by field id, not by name, and fills missing fields with null', () => {
    const written: StructType = {
      kind: 'struct',
      fields: [
        { id: 1, name: 'old_name', required: true, type: t.long },
        { id: 2, name: 'gone', required: true, type: t.string },
      ],
    };
    const read: StructType = {
      kind: 'struct',
      fields: [
        { id: 3, name: 'added', required: false, type: t.string },
        { id: 1, name: 'new_name', required: true, type: t.long },
      ],
    };
    const file = readAvroContainer(
      writeAvroContainer(icebergToAvroSchema(written, 'r'), [
        toAvroValue(written, { old_name: 5n, gone: 'x' }),
      ]),
    );
    expect(fromAvroValue(read, parseAvroSchema(file.schema), file.records[0])).toEqual({
      added: null,
      new_name: 5n,
    });
  });

  it('rejects values that do not match the Iceberg type', () => {
    expect(() => toAvroValue(t.decimal(9, 2), 1.5)).toThrow(/decimal/);
    expect(() => toAvroValue(t.decimal(2, 0), 1000n)).toThrow(/does not fit/);
    expect(() => toAvroValue(t.uuid, 'nope')).toThrow(/UUID/);
  });
});
