import { describe, expect, it } from 'vitest';
import { isFloeError } from '../errors.js';
import type { TableRequirement, TableUpdate } from './catalog.js';
import { applyUpdates, checkRequirements, expiredMetadataFiles } from './commit.js';
import { newTableMetadata } from './spec/metadata.js';
import type { Snapshot, TableMetadata } from './spec/model.js';
import { Schema } from './spec/schema.js';
import { t } from './spec/types.js';

const schema0 = new Schema([
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'name', required: false, type: t.string },
]);
const BIG = 9_007_199_254_740_993n; // 2^53 + 1: must survive as bigint

function base(overrides: Partial<TableMetadata> = {}): TableMetadata {
  return {
    formatVersion: 2,
    tableUuid: '11111111-2222-3333-4444-555555555555',
    location: '/wh/ns/t',
    lastSequenceNumber: 0n,
    lastUpdatedMs: 1_000,
    lastColumnId: 2,
    schemas: [schema0],
    currentSchemaId: 0,
    partitionSpecs: [{ specId: 0, fields: [] }],
    defaultSpecId: 0,
    lastPartitionId: 999,
    properties: {},
    currentSnapshotId: null,
    snapshots: [],
    snapshotLog: [],
    metadataLog: [],
    sortOrders: [{ orderId: 0, fields: [] }],
    defaultSortOrderId: 0,
    refs: {},
    ...overrides,
  };
}

function snap(id: bigint, seq: bigint, parent?: bigint, timestampMs = 5_000): Snapshot {
  return {
    snapshotId: id,
    ...(parent !== undefined ? { parentSnapshotId: parent } : {}),
    sequenceNumber: seq,
    timestampMs,
    manifestList: `/wh/ns/t/metadata/snap-${id}.avro`,
    summary: { operation: 'append' },
  };
}

function withSnapshots(): TableMetadata {
  const s1 = snap(1n, 1n, undefined, 2_000);
  const s2 = snap(BIG, 2n, 1n, 3_000);
  return base({
    lastSequenceNumber: 2n,
    snapshots: [s1, s2],
    currentSnapshotId: BIG,
    refs: { main: { snapshotId: BIG, type: 'branch' }, keep: { snapshotId: 1n, type: 'tag' } },
    snapshotLog: [
      { snapshotId: 1n, timestampMs: 2_000 },
      { snapshotId: BIG, timestampMs: 3_000 },
    ],
  });
}

function expectConflict(fn: () => unknown, pattern: RegExp, retryable: boolean): void {
  try {
    fn();
  } catch (err) {
    expect(isFloeError(err, 'commit-conflict')).toBe(true);
    expect((err as Error).message).toMatch(pattern);
    expect((err as { retryable: boolean }).retryable).toBe(retryable);
    return;
  }
  throw new Error('expected a commit-conflict');
}

describe('checkRequirements', () => {
  const m = withSnapshots();
  const ok = (reqs: TableRequirement[]): void => checkRequirements(m, reqs);
  const fails = (req: TableRequirement, pattern: RegExp, retryable = true): void =>
    expectConflict(() => checkRequirements(m, [req]), pattern, retryable);

  it('passes when every requirement holds', () => {
    expect(() =>
      ok([
        { type: 'assert-table-uuid', uuid: m.tableUuid },
        { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: BIG },
        { type: 'assert-ref-snapshot-id', ref: 'branch-x', snapshotId: null },
        { type: 'assert-last-assigned-field-id', lastAssignedFieldId: 2 },
        { type: 'assert-current-schema-id', currentSchemaId: 0 },
        { type: 'assert-last-assigned-partition-id', lastAssignedPartitionId: 999 },
        { type: 'assert-default-spec-id', defaultSpecId: 0 },
        { type: 'assert-default-sort-order-id', defaultSortOrderId: 0 },
      ]),
    ).not.toThrow();
  });

  it('assert-create fails (not retryable) when the table exists, passes when it does not', () => {
    fails({ type: 'assert-create' }, /table already exists/, false);
    expect(() => checkRequirements(null, [{ type: 'assert-create' }])).not.toThrow();
  });

  it('any other requirement fails on a missing table', () => {
    expectConflict(
      () => checkRequirements(null, [{ type: 'assert-table-uuid', uuid: 'x' }]),
      /table does not exist/,
      false,
    );
  });

  it('assert-table-uuid fails (not retryable) on another table', () => {
    fails({ type: 'assert-table-uuid', uuid: 'other' }, /uuid is 11111111.*expected other/, false);
  });

  it('assert-ref-snapshot-id compares exactly beyond 2^53', () => {
    fails(
      { type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: BIG - 1n },
      /main is at snapshot 9007199254740993, expected 9007199254740992/,
    );
  });

  it('assert-ref-snapshot-id with null fails when the ref exists', () => {
    fails({ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: null }, /main was created concurrently/);
  });

  it('assert-ref-snapshot-id fails when the ref is missing', () => {
    fails({ type: 'assert-ref-snapshot-id', ref: 'nope', snapshotId: 1n }, /ref nope is missing/);
  });

  it('assert-ref-snapshot-id null on a table without snapshots passes', () => {
    expect(() =>
      checkRequirements(base(), [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: null }]),
    ).not.toThrow();
  });

  it('assert-last-assigned-field-id', () => {
    fails(
      { type: 'assert-last-assigned-field-id', lastAssignedFieldId: 3 },
      /last assigned field id is 2, expected 3/,
    );
  });

  it('assert-current-schema-id', () => {
    fails({ type: 'assert-current-schema-id', currentSchemaId: 1 }, /current schema id is 0, expected 1/);
  });

  it('assert-last-assigned-partition-id', () => {
    fails(
      { type: 'assert-last-assigned-partition-id', lastAssignedPartitionId: 1000 },
      /partition id is 999, expected 1000/,
    );
  });

  it('assert-default-spec-id', () => {
    fails({ type: 'assert-default-spec-id', defaultSpecId: 1 }, /default partition spec id is 0, expected 1/);
  });

  it('assert-default-sort-order-id', () => {
    fails(
      { type: 'assert-default-sort-order-id', defaultSortOrderId: 1 },
      /default sort order id is 0, expected 1/,
    );
  });
});

describe('applyUpdates', () => {
  const apply = (m: TableMetadata | null, updates: TableUpdate[], nowMs = 10_000): TableMetadata =>
    applyUpdates(m, updates, { nowMs, metadataLocation: '/wh/ns/t/metadata/v1.metadata.json' });

  it('returns the base itself for a commit without updates', () => {
    const m = base();
    expect(apply(m, [])).toBe(m);
  });

  it('does not modify the base', () => {
    const m = withSnapshots();
    const copy = structuredClone({ ...m, schemas: [] });
    apply(m, [
      { action: 'set-properties', updates: { a: '1' } },
      { action: 'remove-snapshots', snapshotIds: [1n] },
    ]);
    expect({ ...m, schemas: [] }).toEqual(copy);
  });

  it('add-schema assigns the next id, raises last-column-id and set-current-schema -1 picks it', () => {
    const s = new Schema([...schema0.fields, { id: 3, name: 'ts', required: false, type: t.timestamptz }], 7);
    const next = apply(base(), [
      { action: 'add-schema', schema: s, lastColumnId: 3 },
      { action: 'set-current-schema', schemaId: -1 },
    ]);
    expect(next.schemas.map((x) => x.schemaId)).toEqual([0, 1]);
    expect(next.currentSchemaId).toBe(1);
    expect(next.lastColumnId).toBe(3);
  });

  it('add-schema takes last-column-id from the update when higher than the schema', () => {
    const s = new Schema([{ id: 1, name: 'id', required: true, type: t.long }], 0);
    const next = apply(base(), [{ action: 'add-schema', schema: s, lastColumnId: 42 }]);
    expect(next.lastColumnId).toBe(42);
    expect(next.currentSchemaId).toBe(0); // added but not made current
  });

  it('add-schema reuses the id of an identical schema', () => {
    const next = apply(base(), [
      { action: 'add-schema', schema: schema0.withSchemaId(5) },
      { action: 'set-current-schema', schemaId: -1 },
    ]);
    expect(next.schemas.length).toBe(1);
    expect(next.currentSchemaId).toBe(0);
  });

  it('set-current-schema rejects unknown ids and -1 without an added schema', () => {
    expect(() => apply(base(), [{ action: 'set-current-schema', schemaId: 9 }])).toThrow(
      /schema 9 does not exist/,
    );
    expect(() => apply(base(), [{ action: 'set-current-schema', schemaId: -1 }])).toThrow(
      /without an add-schema/,
    );
  });

  it('add-spec assigns the next id and last-partition-id; set-default-spec -1 picks it', () => {
    const next = apply(base(), [
      {
        action: 'add-spec',
        spec: {
          specId: 0,
          fields: [{ sourceId: 1, fieldId: 1000, name: 'id_bucket', transform: 'bucket[16]' }],
        },
      },
      { action: 'set-default-spec', specId: -1 },
    ]);
    expect(next.partitionSpecs.map((s) => s.specId)).toEqual([0, 1]);
    expect(next.defaultSpecId).toBe(1);
    expect(next.lastPartitionId).toBe(1000);
  });

  it('add-spec reuses an identical spec; set-default-spec rejects unknown ids', () => {
    const next = apply(base(), [
      { action: 'add-spec', spec: { specId: 3, fields: [] } },
      { action: 'set-default-spec', specId: -1 },
    ]);
    expect(next.partitionSpecs.length).toBe(1);
    expect(next.defaultSpecId).toBe(0);
    expect(() => apply(base(), [{ action: 'set-default-spec', specId: 4 }])).toThrow(
      /partition spec 4 does not exist/,
    );
    expect(() => apply(base(), [{ action: 'set-default-spec', specId: -1 }])).toThrow(/without an add-spec/);
  });

  it('add-sort-order gives sorted orders ids from 1 and set-default-sort-order -1 picks it', () => {
    const next = apply(base(), [
      {
        action: 'add-sort-order',
        sortOrder: {
          orderId: 0,
          fields: [{ sourceId: 1, transform: 'identity', direction: 'asc', nullOrder: 'nulls-first' }],
        },
      },
      { action: 'set-default-sort-order', sortOrderId: -1 },
    ]);
    expect(next.sortOrders.map((o) => o.orderId)).toEqual([0, 1]);
    expect(next.defaultSortOrderId).toBe(1);
    expect(() => apply(base(), [{ action: 'set-default-sort-order', sortOrderId: 3 }])).toThrow(
      /sort order 3 does not exist/,
    );
  });

  it('add-snapshot raises last-sequence-number; set-snapshot-ref main moves current and logs', () => {
    const m = withSnapshots();
    const s3 = snap(3n, 3n, BIG, 9_000);
    const next = apply(m, [
      { action: 'add-snapshot', snapshot: s3 },
      { action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId: 3n },
    ]);
    expect(next.lastSequenceNumber).toBe(3n);
    expect(next.currentSnapshotId).toBe(3n);
    expect(next.refs.main).toEqual({ snapshotId: 3n, type: 'branch' });
    expect(next.snapshotLog.at(-1)).toEqual({ snapshotId: 3n, timestampMs: 9_000 });
    expect(next.snapshots.length).toBe(3);
  });

  it('add-snapshot alone does not move main', () => {
    const m = withSnapshots();
    const next = apply(m, [{ action: 'add-snapshot', snapshot: snap(3n, 3n, BIG) }]);
    expect(next.currentSnapshotId).toBe(BIG);
    expect(next.snapshotLog).toEqual(m.snapshotLog);
  });

  it('add-snapshot with a stale sequence number is a retryable conflict', () => {
    expectConflict(
      () => apply(withSnapshots(), [{ action: 'add-snapshot', snapshot: snap(3n, 2n, BIG) }]),
      /sequence number 2, not above the table's last sequence number 2/,
      true,
    );
  });

  it('add-snapshot of an existing id is a non-retryable conflict', () => {
    expectConflict(
      () => apply(withSnapshots(), [{ action: 'add-snapshot', snapshot: snap(BIG, 5n, 1n) }]),
      /snapshot 9007199254740993 already exists/,
      false,
    );
  });

  it('set-snapshot-ref on a non-main branch or tag leaves current and the log alone', () => {
    const m = withSnapshots();
    const next = apply(m, [
      { action: 'set-snapshot-ref', refName: 'audit', type: 'tag', snapshotId: 1n, maxRefAgeMs: 1000 },
    ]);
    expect(next.refs.audit).toEqual({ snapshotId: 1n, type: 'tag', maxRefAgeMs: 1000 });
    expect(next.currentSnapshotId).toBe(BIG);
    expect(next.snapshotLog.length).toBe(2);
  });

  it('set-snapshot-ref of an existing snapshot logs at commit time; to the same snapshot is a no-op', () => {
    const m = withSnapshots();
    const rolled = apply(
      m,
      [{ action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId: 1n }],
      12_345,
    );
    expect(rolled.currentSnapshotId).toBe(1n);
    expect(rolled.snapshotLog.at(-1)).toEqual({ snapshotId: 1n, timestampMs: 12_345 });
    const same = apply(m, [{ action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId: BIG }]);
    expect(same.snapshotLog.length).toBe(2);
  });

  it('set-snapshot-ref rejects unknown snapshots and a main tag', () => {
    expect(() =>
      apply(withSnapshots(), [
        { action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId: 77n },
      ]),
    ).toThrow(/unknown snapshot 77/);
    expect(() =>
      apply(withSnapshots(), [{ action: 'set-snapshot-ref', refName: 'main', type: 'tag', snapshotId: 1n }]),
    ).toThrow(/main must be a branch/);
  });

  it('remove-snapshots drops the snapshots, refs to them and the log before them', () => {
    const m = withSnapshots();
    const next = apply(m, [{ action: 'remove-snapshots', snapshotIds: [1n] }]);
    expect(next.snapshots.map((s) => s.snapshotId)).toEqual([BIG]);
    expect(next.refs.keep).toBeUndefined();
    expect(next.refs.main?.snapshotId).toBe(BIG);
    expect(next.snapshotLog).toEqual([{ snapshotId: BIG, timestampMs: 3_000 }]);
  });

  it('remove-snapshots of the current snapshot clears current and main', () => {
    const next = apply(withSnapshots(), [{ action: 'remove-snapshots', snapshotIds: [BIG] }]);
    expect(next.currentSnapshotId).toBeNull();
    expect(next.refs.main).toBeUndefined();
    expect(next.snapshotLog).toEqual([]);
  });

  it('remove-snapshot-ref removes a ref; removing main clears the current snapshot', () => {
    const m = withSnapshots();
    const noTag = apply(m, [{ action: 'remove-snapshot-ref', refName: 'keep' }]);
    expect(noTag.refs.keep).toBeUndefined();
    expect(noTag.currentSnapshotId).toBe(BIG);
    const noMain = apply(m, [{ action: 'remove-snapshot-ref', refName: 'main' }]);
    expect(noMain.currentSnapshotId).toBeNull();
    expect(noMain.snapshots.length).toBe(2);
  });

  it('set-location, set-properties, remove-properties, assign-uuid, upgrade-format-version', () => {
    const next = apply(base({ properties: { a: '1', b: '2' } }), [
      { action: 'set-location', location: 's3://b/elsewhere' },
      { action: 'set-properties', updates: { b: '3', c: '4' } },
      { action: 'remove-properties', removals: ['a', 'missing'] },
      { action: 'assign-uuid', uuid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' },
      { action: 'upgrade-format-version', formatVersion: 2 },
    ]);
    expect(next.location).toBe('s3://b/elsewhere');
    expect(next.properties).toEqual({ b: '3', c: '4' });
    expect(next.tableUuid).toBe('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    expect(next.formatVersion).toBe(2);
  });

  it('appends the previous metadata file to the metadata log and bumps last-updated-ms', () => {
    const next = apply(base(), [{ action: 'set-properties', updates: { x: 'y' } }], 20_000);
    expect(next.metadataLog).toEqual([
      { metadataFile: '/wh/ns/t/metadata/v1.metadata.json', timestampMs: 1_000 },
    ]);
    expect(next.lastUpdatedMs).toBe(20_000);
  });

  it('trims the metadata log to write.metadata.previous-versions-max (default 100)', () => {
    const log = Array.from({ length: 100 }, (_, i) => ({ metadataFile: `v${i}.json`, timestampMs: i }));
    const dflt = apply(base({ metadataLog: log }), [{ action: 'set-properties', updates: { x: 'y' } }]);
    expect(dflt.metadataLog.length).toBe(100);
    expect(dflt.metadataLog[0]?.metadataFile).toBe('v1.json');
    const three = apply(base({ metadataLog: log }), [
      { action: 'set-properties', updates: { 'write.metadata.previous-versions-max': '3' } },
    ]);
    expect(three.metadataLog.map((e) => e.metadataFile)).toEqual([
      'v98.json',
      'v99.json',
      '/wh/ns/t/metadata/v1.metadata.json',
    ]);
    expect(expiredMetadataFiles(base({ metadataLog: log }), three)).toEqual([]);
    const deleting = apply(base({ metadataLog: log }), [
      {
        action: 'set-properties',
        updates: {
          'write.metadata.previous-versions-max': '3',
          'write.metadata.delete-after-commit.enabled': 'true',
        },
      },
    ]);
    expect(expiredMetadataFiles(base({ metadataLog: log }), deleting).length).toBe(98);
  });

  it('builds a new table from a null base (assert-create commits)', () => {
    const next = applyUpdates(
      null,
      [
        { action: 'assign-uuid', uuid: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee' },
        { action: 'set-location', location: '/wh/ns/new' },
        { action: 'add-schema', schema: schema0 },
        { action: 'set-current-schema', schemaId: -1 },
        { action: 'add-spec', spec: { specId: 0, fields: [] } },
        { action: 'set-default-spec', specId: -1 },
        { action: 'set-properties', updates: { owner: 'floe' } },
      ],
      { nowMs: 5 },
    );
    expect(next.tableUuid).toBe('aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee');
    expect(next.location).toBe('/wh/ns/new');
    expect(next.currentSchemaId).toBe(0);
    expect(next.lastColumnId).toBe(2);
    expect(next.defaultSortOrderId).toBe(0);
    expect(next.metadataLog).toEqual([]);
    expect(next.currentSnapshotId).toBeNull();
    expect(() => applyUpdates(null, [{ action: 'add-schema', schema: schema0 }])).toThrow(/no location/);
  });
});

describe('members floe does not model', () => {
  it('are carried through a commit unchanged', () => {
    const base = {
      ...newTableMetadata({
        schema: new Schema([{ id: 1, name: 'a', required: false, type: t.long }]),
        location: '/w/t',
      }),
      extra: { statistics: [{ 'snapshot-id': 1 }] },
    };
    const next = applyUpdates(base, [{ action: 'set-properties', updates: { k: 'v' } }], {
      nowMs: base.lastUpdatedMs + 1,
    });
    expect(next.extra).toEqual({ statistics: [{ 'snapshot-id': 1 }] });
  });
});
