import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { parseJson } from './json.js';
import { newTableMetadata, tableMetadataFromJson, tableMetadataToJson } from './metadata.js';
import type { Snapshot, SnapshotRef, TableMetadata } from './model.js';
import { parsePartitionSpec } from './partition.js';
import { Schema } from './schema.js';
import { snapshotFromJson, snapshotToJson } from './snapshot.js';
import { sortOrderFromJson, sortOrderToJson } from './sort-order.js';
import { t } from './types.js';

const schema = new Schema([
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'ts', required: false, type: t.timestamptz },
  {
    id: 3,
    name: 'tags',
    required: false,
    type: { kind: 'list', elementId: 4, elementRequired: false, element: t.string },
  },
]);

const MAX = 2n ** 63n - 1n;

describe('newTableMetadata', () => {
  it("creates an empty v2 table with the spec's defaults", () => {
    const spec = parsePartitionSpec('day(ts), bucket(8, id)', schema);
    const m = newTableMetadata({
      schema,
      spec,
      location: 's3://b/wh/ns/t/',
      nowMs: 1700000000000,
      properties: { a: 'b' },
    });
    expect(m).toMatchObject({
      formatVersion: 2,
      location: 's3://b/wh/ns/t',
      lastSequenceNumber: 0n,
      lastUpdatedMs: 1700000000000,
      lastColumnId: 4,
      currentSchemaId: 0,
      defaultSpecId: 0,
      lastPartitionId: 1001,
      properties: { a: 'b' },
      currentSnapshotId: null,
      snapshots: [],
      sortOrders: [{ orderId: 0, fields: [] }],
      defaultSortOrderId: 0,
      refs: {},
    });
    expect(m.tableUuid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(newTableMetadata({ schema, location: '/tmp/t' }).lastPartitionId).toBe(999);
  });

  it('rejects a spec that does not fit the schema', () => {
    const bad = { specId: 0, fields: [{ sourceId: 1, fieldId: 1000, name: 'id_day', transform: 'day' }] };
    expect(() => newTableMetadata({ schema, spec: bad, location: '/t' })).toThrow(
      /day cannot apply to "id" of type long/,
    );
    const missing = { specId: 0, fields: [{ sourceId: 9, fieldId: 1000, name: 'x', transform: 'identity' }] };
    expect(() => newTableMetadata({ schema, spec: missing, location: '/t' })).toThrow(
      expect.objectContaining({ kind: 'config' }),
    );
  });
});

describe('table metadata JSON', () => {
  it("writes every required v2 field, -1 for no current snapshot, in Java's order", () => {
    const m = newTableMetadata({
      schema,
      location: '/wh/t',
      tableUuid: '9c12d441-03fe-4693-9a96-a0705ddf69c1',
      nowMs: 1,
    });
    const json = parseJson(tableMetadataToJson(m)) as Record<string, unknown>;
    expect(Object.keys(json)).toEqual([
      'format-version',
      'table-uuid',
      'location',
      'last-sequence-number',
      'last-updated-ms',
      'last-column-id',
      'current-schema-id',
      'schemas',
      'default-spec-id',
      'partition-specs',
      'last-partition-id',
      'default-sort-order-id',
      'sort-orders',
      'properties',
      'current-snapshot-id',
      'refs',
      'snapshots',
      'statistics',
      'partition-statistics',
      'snapshot-log',
      'metadata-log',
    ]);
    expect(json['current-snapshot-id']).toBe(-1);
    expect(json['format-version']).toBe(2);
    expect(json['partition-specs']).toEqual([{ 'spec-id': 0, fields: [] }]);
    expect(json['sort-orders']).toEqual([{ 'order-id': 0, fields: [] }]);
    expect(tableMetadataFromJson(tableMetadataToJson(m))).toEqual(m);
  });

  it('writes snapshot ids beyond 2^53 as exact digits', () => {
    const base = newTableMetadata({ schema, location: '/wh/t', nowMs: 1 });
    const snapshot: Snapshot = {
      snapshotId: MAX,
      sequenceNumber: 9007199254740993n,
      timestampMs: 1700000000123,
      manifestList: '/wh/t/metadata/snap-1.avro',
      summary: { 'added-records': '3', operation: 'append' },
      schemaId: 0,
    };
    const m: TableMetadata = {
      ...base,
      snapshots: [snapshot],
      currentSnapshotId: MAX,
      lastSequenceNumber: 9007199254740993n,
      refs: { main: { snapshotId: MAX, type: 'branch' } },
      snapshotLog: [{ snapshotId: MAX, timestampMs: 1700000000123 }],
    };
    const text = tableMetadataToJson(m, { pretty: true });
    expect(text).toContain('"current-snapshot-id": 9223372036854775807');
    expect(text).toContain('"last-sequence-number": 9007199254740993');
    // operation is written first in the summary
    expect(text).toMatch(/"summary": \{\n\s+"operation": "append",\n\s+"added-records": "3"/);
    expect(tableMetadataFromJson(text)).toEqual(m);
  });

  it('reads metadata as Java writes it (statistics, null current snapshot, no refs)', () => {
    const java = `{
      "format-version" : 2,
      "table-uuid" : "b3c6a0b8-5a5f-4e38-8a7f-0a7a1c1e6f10",
      "location" : "s3://bucket/wh/db/t",
      "last-sequence-number" : 1,
      "last-updated-ms" : 1700000000000,
      "last-column-id" : 2,
      "current-schema-id" : 0,
      "schemas" : [ { "type" : "struct", "schema-id" : 0, "fields" : [
        { "id" : 1, "name" : "id", "required" : true, "type" : "long" },
        { "id" : 2, "name" : "d", "required" : false, "type" : "date" } ] } ],
      "default-spec-id" : 0,
      "partition-specs" : [ { "spec-id" : 0, "fields" : [ { "name" : "d_month", "transform" : "month", "source-id" : 2, "field-id" : 1000 } ] } ],
      "last-partition-id" : 1000,
      "default-sort-order-id" : 0,
      "sort-orders" : [ { "order-id" : 0, "fields" : [ ] } ],
      "properties" : { "write.parquet.compression-codec" : "zstd" },
      "current-snapshot-id" : 7723456789012345678,
      "snapshots" : [ {
        "sequence-number" : 1,
        "snapshot-id" : 7723456789012345678,
        "timestamp-ms" : 1700000000000,
        "summary" : { "operation" : "append", "added-data-files" : "1" },
        "manifest-list" : "s3://bucket/wh/db/t/metadata/snap-7723456789012345678-1-x.avro",
        "schema-id" : 0
      } ],
      "statistics" : [ ],
      "partition-statistics" : [ ],
      "snapshot-log" : [ { "timestamp-ms" : 1700000000000, "snapshot-id" : 7723456789012345678 } ],
      "metadata-log" : [ { "timestamp-ms" : 1699999999000, "metadata-file" : "s3://bucket/wh/db/t/metadata/00000-a.metadata.json" } ]
    }`;
    const m = tableMetadataFromJson(java);
    expect(m.currentSnapshotId).toBe(7723456789012345678n);
    expect(m.refs).toEqual({ main: { snapshotId: 7723456789012345678n, type: 'branch' } });
    expect(m.partitionSpecs[0]!.fields[0]).toEqual({
      sourceId: 2,
      fieldId: 1000,
      name: 'd_month',
      transform: 'month',
    });
    expect(m.metadataLog[0]!.metadataFile).toMatch(/00000-a/);
    expect(m.snapshots[0]!.summary.operation).toBe('append');

    const empty = tableMetadataFromJson(
      java.replace('"current-snapshot-id" : 7723456789012345678', '"current-snapshot-id" : null'),
    );
    expect(empty.currentSnapshotId).toBeNull();
    expect(empty.refs).toEqual({});
    const minusOne = tableMetadataFromJson(
      java.replace('"current-snapshot-id" : 7723456789012345678', '"current-snapshot-id" : -1'),
    );
    expect(minusOne.currentSnapshotId).toBeNull();
  });

  it('rejects metadata that breaks the v2 rules', () => {
    const good = tableMetadataToJson(newTableMetadata({ schema, location: '/t', nowMs: 1 }));
    const edit = (fn: (o: Record<string, unknown>) => void): string => {
      const o = JSON.parse(good) as Record<string, unknown>;
      fn(o);
      return JSON.stringify(o);
    };
    expect(() => tableMetadataFromJson(edit((o) => delete o['last-sequence-number']))).toThrow(
      /last-sequence-number/,
    );
    expect(() => tableMetadataFromJson(edit((o) => delete o['table-uuid']))).toThrow(/table-uuid/);
    expect(() => tableMetadataFromJson(edit((o) => (o['current-schema-id'] = 5)))).toThrow(
      /current-schema-id 5/,
    );
    expect(() => tableMetadataFromJson(edit((o) => (o['current-snapshot-id'] = 12)))).toThrow(
      /not among the snapshots/,
    );
    expect(() => tableMetadataFromJson(edit((o) => (o['format-version'] = 3)))).toThrow(
      expect.objectContaining({ kind: 'unsupported' }),
    );
    expect(() =>
      tableMetadataFromJson(
        edit(
          (o) =>
            (o.schemas = [{ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'x', type: 'nope' }] }]),
        ),
      ),
    ).toThrow(expect.objectContaining({ kind: 'invalid-metadata' }));
    expect(() => tableMetadataFromJson('{"format-version": 2')).toThrow(
      expect.objectContaining({ kind: 'invalid-metadata' }),
    );
  });

  it('round-trips metadata with int64 ids and sequence numbers exactly (property)', () => {
    const id = fc.bigInt({ min: 1n, max: MAX });
    const ms = fc.integer({ min: 0, max: 2 ** 45 });
    const text = fc.string({ unit: 'binary', maxLength: 12 });
    const snapshotArb = fc.record({
      snapshotId: id,
      parentSnapshotId: fc.option(id, { nil: undefined }),
      sequenceNumber: fc.bigInt({ min: 0n, max: MAX }),
      timestampMs: ms,
      manifestList: text,
      summary: fc.dictionary(text, text, { maxKeys: 4 }).map((d) => ({ ...d, operation: 'append' })),
      schemaId: fc.option(fc.integer({ min: 0, max: 10 }), { nil: undefined }),
    });
    const arb = fc
      .record({
        snapshots: fc.uniqueArray(snapshotArb, { selector: (s) => s.snapshotId, maxLength: 5 }),
        lastSequenceNumber: fc.bigInt({ min: 0n, max: MAX }),
        properties: fc.dictionary(text, text, { maxKeys: 5 }),
        pick: fc.nat(),
        log: fc.array(fc.record({ snapshotId: id, timestampMs: ms }), { maxLength: 3 }),
        mlog: fc.array(fc.record({ metadataFile: text, timestampMs: ms }), { maxLength: 3 }),
        tag: fc.option(
          fc.record({
            maxRefAgeMs: fc.option(ms, { nil: undefined }),
            minSnapshotsToKeep: fc.option(fc.nat(100), { nil: undefined }),
          }),
          {
            nil: undefined,
          },
        ),
      })
      .map(({ snapshots, lastSequenceNumber, properties, pick, log, mlog, tag }): TableMetadata => {
        const base = newTableMetadata({
          schema,
          spec: parsePartitionSpec('hour(ts)', schema),
          location: '/wh/t',
          nowMs: 5,
        });
        const current = snapshots.length > 0 ? snapshots[pick % snapshots.length]!.snapshotId : null;
        const refs: Record<string, SnapshotRef> = {};
        if (current !== null) refs.main = { snapshotId: current, type: 'branch' };
        if (current !== null && tag) refs['release-1'] = { snapshotId: current, type: 'tag', ...tag };
        // Drop undefined optionals: the reader omits absent fields rather than setting undefined.
        const clean = snapshots.map(
          (s) =>
            Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as unknown as Snapshot,
        );
        return {
          ...base,
          snapshots: clean,
          currentSnapshotId: current,
          lastSequenceNumber,
          properties,
          refs,
          snapshotLog: log,
          metadataLog: mlog,
        };
      });
    fc.assert(
      fc.property(arb, fc.boolean(), (m, pretty) => {
        const text = tableMetadataToJson(m, { pretty });
        const back = tableMetadataFromJson(text);
        // fast-check records have null prototypes, so compare structurally, then byte for byte.
        expect(back).toEqual(m);
        expect(tableMetadataToJson(back, { pretty })).toBe(text);
        expect(back.snapshots.map((s) => s.snapshotId)).toEqual(m.snapshots.map((s) => s.snapshotId));
      }),
      { numRuns: 200 },
    );
  });
});

describe('snapshot and sort order JSON', () => {
  it('writes optional snapshot fields only when set', () => {
    const s: Snapshot = {
      snapshotId: 5n,
      sequenceNumber: 1n,
      timestampMs: 2,
      manifestList: 'm',
      summary: { operation: 'append' },
    };
    expect(snapshotToJson(s)).toEqual({
      'sequence-number': 1n,
      'snapshot-id': 5n,
      'timestamp-ms': 2,
      summary: { operation: 'append' },
      'manifest-list': 'm',
    });
    expect(snapshotFromJson(snapshotToJson(s))).toEqual(s);
    expect(() =>
      snapshotFromJson({ 'snapshot-id': 1, 'timestamp-ms': 1, summary: {}, 'manifest-list': 'x' }),
    ).toThrow(/operation/);
    expect(() =>
      snapshotFromJson({
        'snapshot-id': 1,
        'timestamp-ms': 1,
        summary: { operation: 'append' },
        manifests: [],
      }),
    ).toThrow(expect.objectContaining({ kind: 'unsupported' }));
  });

  it('round-trips sort orders', () => {
    const order = {
      orderId: 1,
      fields: [
        { sourceId: 2, transform: 'bucket[4]', direction: 'desc' as const, nullOrder: 'nulls-last' as const },
      ],
    };
    expect(sortOrderToJson(order)).toEqual({
      'order-id': 1,
      fields: [{ transform: 'bucket[4]', 'source-id': 2, direction: 'desc', 'null-order': 'nulls-last' }],
    });
    expect(sortOrderFromJson(sortOrderToJson(order))).toEqual(order);
    expect(() =>
      sortOrderFromJson({
        'order-id': 1,
        fields: [{ transform: 'x', 'source-id': 1, direction: 'up', 'null-order': 'nulls-last' }],
      }),
    ).toThrow(/direction/);
  });
});

describe('members floe does not model', () => {
  it('survive a read and write (statistics from another engine, unknown keys)', () => {
    const base = newTableMetadata({
      schema: new Schema([{ id: 1, name: 'a', required: false, type: t.long }]),
      location: '/w/t',
    });
    const json = JSON.parse(tableMetadataToJson(base)) as Record<string, unknown>;
    json['statistics'] = [
      { 'snapshot-id': 1, 'statistics-path': '/w/t/stats.puffin', 'file-size-in-bytes': 10 },
    ];
    json['future-field'] = { x: [1, 2] };
    const again = JSON.parse(tableMetadataToJson(tableMetadataFromJson(JSON.stringify(json)))) as Record<
      string,
      unknown
    >;
    expect(again['statistics']).toEqual(json['statistics']);
    expect(again['future-field']).toEqual({ x: [1, 2] });
    expect(again['partition-statistics']).toEqual([]);
  });
});
