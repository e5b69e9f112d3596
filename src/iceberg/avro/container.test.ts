import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../errors.js';
import { AvroReader } from './binary.js';
import { readAvroContainer, readAvroHeader, writeAvroContainer } from './container.js';
import type { AvroSchemaJson } from './schema.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '__fixtures__');

const SCHEMA: AvroSchemaJson = {
  type: 'record',
  name: 'manifest_entry',
  fields: [
    { name: 'status', type: 'int', 'field-id': 0 },
    { name: 'snapshot_id', type: ['null', 'long'], default: null, 'field-id': 1 },
    {
      name: 'data_file',
      type: {
        type: 'record',
        name: 'r2',
        fields: [
          { name: 'file_path', type: 'string', 'field-id': 100 },
          {
            name: 'value_counts',
            type: [
              'null',
              {
                type: 'array',
                items: {
                  type: 'record',
                  name: 'k119_v120',
                  fields: [
                    { name: 'key', type: 'int', 'field-id': 119 },
                    { name: 'value', type: 'long', 'field-id': 120 },
                  ],
                },
                logicalType: 'map',
              },
            ],
            default: null,
            'field-id': 109,
          },
          {
            name: 'split_offsets',
            type: ['null', { type: 'array', items: 'long', 'element-id': 133 }],
            default: null,
            'field-id': 132,
          },
          {
            name: 'props',
            type: { type: 'map', values: 'string', 'key-id': 7, 'value-id': 8 },
            'field-id': 6,
          },
        ],
      },
      'field-id': 2,
    },
  ],
};

function record(i: number): Record<string, unknown> {
  return {
    status: i % 3,
    snapshot_id: i % 4 === 0 ? null : 9_000_000_000_000_000_000n + BigInt(i),
    data_file: {
      file_path: `s3://b/t/data/part-${i}-ü.parquet`,
      value_counts:
        i % 5 === 0
          ? null
          : [
              { key: 1, value: -(2n ** 62n) - BigInt(i) },
              { key: 2, value: BigInt(i) },
            ],
      split_offsets: i % 2 === 0 ? [4n, 2n ** 60n] : null,
      props: new Map([['k', `v${i}`]]),
    },
  };
}

/** Counts data blocks by walking them (count, size, data, sync). */
function countBlocks(bytes: Uint8Array): number {
  const header = readAvroHeader(bytes);
  const r = new AvroReader(bytes, header.dataOffset);
  let blocks = 0;
  while (r.remaining > 0) {
    r.readLength();
    const size = r.readLength();
    r.pos += size + 16;
    blocks++;
  }
  return blocks;
}

describe('avro container files', () => {
  for (const codec of ['deflate', 'null'] as const) {
    it(`round-trips records with ${codec}: bigint longs beyond 2^53, nulls, maps, nested records, many blocks`, () => {
      const records = Array.from({ length: 100 }, (_, i) => record(i));
      const bytes = writeAvroContainer(SCHEMA, records, {
        codec,
        maxBlockRecords: 7,
        metadata: { 'format-version': '2' },
      });
      const file = readAvroContainer<Record<string, unknown>>(bytes);
      expect(file.codec).toBe(codec);
      expect(file.records).toEqual(records.map((r) => ({ ...r, data_file: { ...(r.data_file as object) } })));
      expect(countBlocks(bytes)).toBe(Math.ceil(100 / 7));
      expect((file.records[1]!.snapshot_id as bigint) > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    });
  }

  it('stores the exact schema JSON we pass, with field-id/element-id/key-id attributes, and extra metadata', () => {
    const bytes = writeAvroContainer(SCHEMA, [record(1)], {
      metadata: { schema: '{"a":1}', 'snapshot-id': '7234567890123456789', raw: Uint8Array.of(0, 255) },
    });
    const header = readAvroHeader(bytes);
    expect(header.schemaText).toBe(JSON.stringify(SCHEMA));
    expect(header.schemaText).toContain('"field-id":109');
    expect(header.schemaText).toContain('"element-id":133');
    expect(header.schemaText).toContain('"key-id":7');
    expect(header.metadata['avro.codec']).toBe('deflate');
    expect(header.metadata.schema).toBe('{"a":1}');
    expect(header.metadata['snapshot-id']).toBe('7234567890123456789');
    expect(header.rawMetadata.get('raw')).toEqual(Uint8Array.of(0, 255));

    // A schema given as text is embedded verbatim, whitespace included.
    const text = ' {"type": "record", "name": "x", "fields": [{"name": "a", "type": "long", "field-id": 1}]}';
    const header2 = readAvroHeader(writeAvroContainer(text, [{ a: 1n }]));
    expect(header2.schemaText).toBe(text);
  });

  it('is deterministic given a sync marker and writes an empty file with only a header', () => {
    const sync = new Uint8Array(16).fill(7);
    const a = writeAvroContainer(SCHEMA, [record(3)], { syncMarker: sync });
    const b = writeAvroContainer(SCHEMA, [record(3)], { syncMarker: sync });
    expect(a).toEqual(b);
    const empty = writeAvroContainer(SCHEMA, [], { syncMarker: sync });
    expect(readAvroContainer(empty).records).toEqual([]);
    expect(readAvroHeader(empty).dataOffset).toBe(empty.length);
  });

  it('splits blocks by size (syncInterval)', () => {
    const records = Array.from({ length: 200 }, (_, i) => record(i));
    const bytes = writeAvroContainer(SCHEMA, records, { syncInterval: 1000 });
    expect(countBlocks(bytes)).toBeGreaterThan(5);
    expect(readAvroContainer(bytes).records).toHaveLength(200);
  });

  for (const codec of ['null', 'deflate', 'snappy']) {
    it(`reads a ${codec} file written by fastavro (field ids, metadata, int64 extremes)`, () => {
      const file = readAvroContainer<Record<string, unknown>>(
        readFileSync(join(FIXTURES, `fastavro-${codec}.avro`)),
      );
      expect(file.codec).toBe(codec);
      expect(file.metadata['iceberg.test']).toBe('from fastavro');
      expect(file.schemaText).toContain('"field-id": 8');
      expect(file.records).toHaveLength(300);
      const r7 = file.records[7]!;
      expect(r7.id).toBe(-(2n ** 62n + 7n * 7919n));
      expect(r7.name).toBe('ünïcødé-7');
      expect(r7.tags).toEqual(
        new Map([
          ['a', 7n],
          ['b', -(2n ** 63n)],
        ]),
      );
      expect(r7.blob).toEqual(Uint8Array.of(7, 0, 255));
      expect(r7.score).toBe(7 / 8);
      expect(r7.pairs).toEqual([{ key: 7, value: 2n ** 63n - 1n }]);
      expect(file.records[9]!.name).toBeNull();
    });
  }

  it('detects a snappy CRC mismatch', () => {
    const bytes = new Uint8Array(readFileSync(join(FIXTURES, 'fastavro-snappy.avro')));
    const header = readAvroHeader(bytes);
    const r = new AvroReader(bytes, header.dataOffset);
    r.readLength();
    const size = r.readLength();
    bytes[r.pos + size - 1]! ^= 0xff; // last CRC byte of the first block
    expect(() => readAvroContainer(bytes)).toThrow(/CRC/);
  });

  it('rejects non-Avro data, unknown codecs and corrupt files with FloeErrors', () => {
    expect(() => readAvroContainer(new TextEncoder().encode('PAR1 not avro at all, sorry'))).toThrow(/magic/);
    expect(() => writeAvroContainer(SCHEMA, [], { codec: 'bzip2' as 'null' })).toThrow(/codec/);
    expect(() => writeAvroContainer(SCHEMA, [], { metadata: { 'avro.codec': 'x' } })).toThrow(/reserved/);
    const good = writeAvroContainer(
      SCHEMA,
      Array.from({ length: 20 }, (_, i) => record(i)),
      { maxBlockRecords: 5 },
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: good.length - 1 }),
        fc.integer({ min: 1, max: 255 }),
        (at, flip) => {
          const bad = good.slice();
          bad[at]! ^= flip;
          try {
            readAvroContainer(bad);
          } catch (err) {
            expect(isFloeError(err)).toBe(true);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
