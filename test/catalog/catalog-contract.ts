/**
 * FileCatalog behaviour run against each storage (memory, local directory, S3 on moto).
 * `warehouse()` must return a fresh, empty warehouse location for every call.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { FileCatalog } from '../../src/catalog/file/index.js';
import { isFloeError } from '../../src/errors.js';
import type { TableIdentifier, TableUpdate } from '../../src/iceberg/catalog.js';
import type { FileIO } from '../../src/iceberg/io/fileio.js';
import type { Snapshot, TableMetadata } from '../../src/iceberg/spec/model.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { t } from '../../src/iceberg/spec/types.js';

export const schema = new Schema([
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'name', required: false, type: t.string },
]);

const dec = new TextDecoder();

/** The updates of one append commit on main (what the table layer sends), with a fake manifest list. */
export function appendUpdates(metadata: TableMetadata, snapshotId: bigint): TableUpdate[] {
  const parent = metadata.currentSnapshotId;
  const snapshot: Snapshot = {
    snapshotId,
    ...(parent !== null ? { parentSnapshotId: parent } : {}),
    sequenceNumber: metadata.lastSequenceNumber + 1n,
    timestampMs: Date.now(),
    manifestList: `${metadata.location}/metadata/snap-${snapshotId}.avro`,
    summary: { operation: 'append' },
  };
  return [
    { action: 'add-snapshot', snapshot },
    { action: 'set-snapshot-ref', refName: 'main', type: 'branch', snapshotId },
  ];
}

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (err) {
    return err;
  }
  throw new Error('expected a rejection');
}

export function catalogContract(
  name: string,
  setup: () => { io: () => FileIO; warehouse: () => string },
): void {
  describe(`FileCatalog on ${name}`, () => {
    const ctx = setup();
    let catalog: FileCatalog;
    let wh: string;
    const id: TableIdentifier = { namespace: ['db', 'sub'], name: 'events' };
    beforeEach(() => {
      wh = ctx.warehouse();
      catalog = new FileCatalog({ warehouse: wh, io: ctx.io() });
    });
    const read = async (path: string): Promise<string> => dec.decode(await catalog.io.read(path));

    it('creates, lists, describes and drops namespaces', async () => {
      expect(await catalog.listNamespaces()).toEqual([]);
      await catalog.createNamespace(['db'], { owner: 'floe' });
      await catalog.createNamespace(['db', 'sub']);
      await catalog.createNamespace(['other']);
      expect(await catalog.namespaceExists(['db'])).toBe(true);
      expect(await catalog.namespaceExists(['nope'])).toBe(false);
      expect(await catalog.listNamespaces()).toEqual([['db'], ['other']]);
      expect(await catalog.listNamespaces(['db'])).toEqual([['db', 'sub']]);
      expect(await catalog.loadNamespaceProperties(['db'])).toEqual({ owner: 'floe' });
      expect(isFloeError(await rejection(catalog.createNamespace(['db'])), 'already-exists')).toBe(true);
      const notEmpty = await rejection(catalog.dropNamespace(['db']));
      expect((notEmpty as Error).message).toMatch(/not empty/);
      await catalog.dropNamespace(['db', 'sub']);
      await catalog.dropNamespace(['other']);
      expect(await catalog.namespaceExists(['other'])).toBe(false);
      expect(await catalog.listNamespaces()).toEqual([['db']]);
      expect(isFloeError(await rejection(catalog.dropNamespace(['other'])), 'not-found')).toBe(true);
      expect(isFloeError(await rejection(catalog.listTables(['other'])), 'not-found')).toBe(true);
    });

    it('creates a table as metadata/v1.metadata.json with version-hint.text = 1', async () => {
      const loaded = await catalog.createTable({ identifier: id, schema, properties: { a: 'b' } });
      expect(loaded.metadataLocation).toBe(`${wh}/db/sub/events/metadata/v1.metadata.json`);
      expect(loaded.metadata.location).toBe(`${wh}/db/sub/events`);
      expect(await read(`${wh}/db/sub/events/metadata/version-hint.text`)).toBe('1');
      expect(JSON.parse(await read(loaded.metadataLocation))['format-version']).toBe(2);
      expect(await catalog.tableExists(id)).toBe(true);
      expect(await catalog.listTables(['db', 'sub'])).toEqual([id]);
      // The table's namespaces exist implicitly, and a table is not a namespace.
      expect(await catalog.namespaceExists(['db'])).toBe(true);
      expect(await catalog.listNamespaces(['db'])).toEqual([['db', 'sub']]);
      expect(await catalog.listNamespaces(['db', 'sub'])).toEqual([]);
      const again = await catalog.loadTable(id);
      expect(again.metadata.tableUuid).toBe(loaded.metadata.tableUuid);
      expect(again.metadata.properties).toEqual({ a: 'b' });
      const dup = await rejection(catalog.createTable({ identifier: id, schema }));
      expect(isFloeError(dup, 'already-exists')).toBe(true);
    });

    it('reports a missing table as not-found', async () => {
      expect(isFloeError(await rejection(catalog.loadTable(id)), 'not-found')).toBe(true);
      expect(await catalog.tableExists(id)).toBe(false);
      const commit = catalog.commitTable({ identifier: id, requirements: [], updates: [] });
      expect(isFloeError(await rejection(commit), 'not-found')).toBe(true);
    });

    it('commits as v2, moves the hint and logs v1 in the metadata log', async () => {
      const v1 = await catalog.createTable({ identifier: id, schema });
      const snapshotId = 9_007_199_254_740_993n;
      const v2 = await catalog.commitTable({
        identifier: id,
        requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: null }],
        updates: appendUpdates(v1.metadata, snapshotId),
      });
      expect(v2.metadataLocation).toBe(`${wh}/db/sub/events/metadata/v2.metadata.json`);
      expect(await read(`${wh}/db/sub/events/metadata/version-hint.text`)).toBe('2');
      const loaded = await catalog.loadTable(id);
      expect(loaded.metadataLocation).toBe(v2.metadataLocation);
      expect(loaded.metadata.currentSnapshotId).toBe(snapshotId);
      expect(loaded.metadata.metadataLog.map((e) => e.metadataFile)).toEqual([v1.metadataLocation]);
    });

    it('rejects a commit whose requirement no longer holds with a retryable conflict and writes nothing', async () => {
      const v1 = await catalog.createTable({ identifier: id, schema });
      await catalog.commitTable({
        identifier: id,
        requirements: [],
        updates: appendUpdates(v1.metadata, 1n),
      });
      const err = await rejection(
        catalog.commitTable({
          identifier: id,
          requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: null }],
          updates: appendUpdates(v1.metadata, 2n),
        }),
      );
      expect(isFloeError(err, 'commit-conflict')).toBe(true);
      expect((err as { retryable: boolean }).retryable).toBe(true);
      expect(await catalog.io.exists(catalog.metadataFilePath(id, 3))).toBe(false);
    });

    it('lets exactly one of two racing commits from the same version win', async () => {
      const v1 = await catalog.createTable({ identifier: id, schema });
      // Both commit on top of the empty table. Whether they overlap (the exclusive create decides) or
      // run one after the other (the requirement decides), exactly one may win.
      const onEmptyMain = [{ type: 'assert-ref-snapshot-id' as const, ref: 'main', snapshotId: null }];
      const results = await Promise.allSettled([
        catalog.commitTable({
          identifier: id,
          requirements: onEmptyMain,
          updates: appendUpdates(v1.metadata, 11n),
        }),
        catalog.commitTable({
          identifier: id,
          requirements: onEmptyMain,
          updates: appendUpdates(v1.metadata, 12n),
        }),
      ]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      expect(ok.length).toBe(1);
      const failed = results.find((r) => r.status === 'rejected');
      expect(isFloeError(failed?.reason, 'commit-conflict')).toBe(true);
      expect((failed?.reason as { retryable: boolean }).retryable).toBe(true);
      expect((await catalog.loadTable(id)).metadata.snapshots.length).toBe(1);
    });

    it('finds the newest version when the hint lags, is missing or is garbage', async () => {
      const v1 = await catalog.createTable({ identifier: id, schema });
      const v2 = await catalog.commitTable({
        identifier: id,
        requirements: [],
        updates: appendUpdates(v1.metadata, 1n),
      });
      await catalog.commitTable({
        identifier: id,
        requirements: [],
        updates: appendUpdates(v2.metadata, 2n),
      });
      const hint = `${wh}/db/sub/events/metadata/version-hint.text`;
      await catalog.io.write(hint, new TextEncoder().encode('1'));
      expect((await catalog.loadTable(id)).metadataLocation).toMatch(/v3\.metadata\.json$/);
      await catalog.io.delete(hint);
      expect((await catalog.loadTable(id)).metadataLocation).toMatch(/v3\.metadata\.json$/);
      expect(await catalog.tableExists(id)).toBe(true);
      await catalog.io.write(hint, new TextEncoder().encode('garbage'));
      expect((await catalog.loadTable(id)).metadataLocation).toMatch(/v3\.metadata\.json$/);
      await catalog.io.write(hint, new TextEncoder().encode('7'));
      expect((await catalog.loadTable(id)).metadataLocation).toMatch(/v3\.metadata\.json$/);
    });

    it('returns the current table for a commit without updates and writes no new version', async () => {
      await catalog.createTable({ identifier: id, schema });
      const same = await catalog.commitTable({
        identifier: id,
        requirements: [{ type: 'assert-current-schema-id', currentSchemaId: 0 }],
        updates: [],
      });
      expect(same.metadataLocation).toMatch(/v1\.metadata\.json$/);
      expect(await catalog.io.exists(catalog.metadataFilePath(id, 2))).toBe(false);
    });

    it('creates a table through an assert-create commit', async () => {
      const created = await catalog.commitTable({
        identifier: id,
        requirements: [{ type: 'assert-create' }],
        updates: [
          { action: 'add-schema', schema },
          { action: 'set-current-schema', schemaId: -1 },
          { action: 'set-properties', updates: { via: 'commit' } },
        ],
      });
      expect(created.metadataLocation).toMatch(/v1\.metadata\.json$/);
      expect(created.metadata.location).toBe(`${wh}/db/sub/events`);
      expect((await catalog.loadTable(id)).metadata.properties).toEqual({ via: 'commit' });
      const again = await rejection(
        catalog.commitTable({
          identifier: id,
          requirements: [{ type: 'assert-create' }],
          updates: [{ action: 'add-schema', schema }],
        }),
      );
      expect(isFloeError(again, 'commit-conflict')).toBe(true);
    });

    it('deletes metadata files that fall off the log when delete-after-commit is enabled', async () => {
      let m = await catalog.createTable({
        identifier: id,
        schema,
        properties: {
          'write.metadata.previous-versions-max': '1',
          'write.metadata.delete-after-commit.enabled': 'true',
        },
      });
      for (let i = 1n; i <= 3n; i++)
        m = await catalog.commitTable({
          identifier: id,
          requirements: [],
          updates: appendUpdates(m.metadata, i),
        });
      const files = (await catalog.io.list(`${wh}/db/sub/events/metadata/`)).map((f) =>
        f.path.split('/').pop(),
      );
      expect(files.sort()).toEqual(['v3.metadata.json', 'v4.metadata.json', 'version-hint.text']);
      expect(
        (await catalog.loadTable(id)).metadata.metadataLog.map((e) => e.metadataFile.split('/').pop()),
      ).toEqual(['v3.metadata.json']);
    });

    it('renames a table: metadata moves, files stay, the old name is gone', async () => {
      const v1 = await catalog.createTable({ identifier: id, schema });
      await catalog.io.write(`${wh}/db/sub/events/data/f.parquet`, new Uint8Array([1]));
      const v2 = await catalog.commitTable({
        identifier: id,
        requirements: [],
        updates: appendUpdates(v1.metadata, 5n),
      });
      const to: TableIdentifier = { namespace: ['db2'], name: 'renamed' };
      await catalog.renameTable(id, to);
      expect(await catalog.tableExists(id)).toBe(false);
      const moved = await catalog.loadTable(to);
      expect(moved.metadataLocation).toBe(`${wh}/db2/renamed/metadata/v2.metadata.json`);
      expect(moved.metadata.tableUuid).toBe(v2.metadata.tableUuid);
      expect(moved.metadata.location).toBe(`${wh}/db/sub/events`);
      expect(moved.metadata.metadataLog.map((e) => e.metadataFile)).toEqual([
        `${wh}/db2/renamed/metadata/v1.metadata.json`,
      ]);
      expect(await catalog.io.exists(`${wh}/db2/renamed/metadata/v1.metadata.json`)).toBe(true);
      expect(await catalog.io.exists(`${wh}/db/sub/events/data/f.parquet`)).toBe(true);
      expect(await catalog.listTables(['db', 'sub'])).toEqual([]);
      expect(await catalog.listNamespaces(['db'])).toEqual([['db', 'sub']]);
      expect(await catalog.listNamespaces(['db', 'sub'])).toEqual([]);
      expect(await read(`${wh}/db/sub/events/metadata/renamed.txt`)).toMatch(/renamed to db2\.renamed/);
      const missing = await rejection(catalog.renameTable(id, { namespace: ['x'], name: 'y' }));
      expect(isFloeError(missing, 'not-found')).toBe(true);
      await catalog.createTable({ identifier: { namespace: ['x'], name: 'y' }, schema });
      const taken = await rejection(catalog.renameTable(to, { namespace: ['x'], name: 'y' }));
      expect(isFloeError(taken, 'already-exists')).toBe(true);
    });

    it('drops a table keeping its data, or purges everything', async () => {
      await catalog.createTable({ identifier: id, schema });
      await catalog.io.write(`${wh}/db/sub/events/data/f.parquet`, new Uint8Array([1]));
      await catalog.dropTable(id);
      expect(await catalog.tableExists(id)).toBe(false);
      expect(await catalog.io.exists(`${wh}/db/sub/events/data/f.parquet`)).toBe(true);
      expect(await catalog.listNamespaces(['db', 'sub'])).toEqual([]);
      expect(
        JSON.parse(await read(`${wh}/db/sub/events/metadata/v1.metadata.json.dropped`))['format-version'],
      ).toBe(2);
      await catalog.createTable({ identifier: id, schema });
      await catalog.dropTable(id, { purge: true });
      expect(await catalog.io.list(`${wh}/db/sub/events/`)).toEqual([]);
      expect(isFloeError(await rejection(catalog.dropTable(id)), 'not-found')).toBe(true);
    });

    it('rejects names that would escape or collide with the layout', async () => {
      for (const bad of ['', '..', '.hidden', 'a/b']) {
        const err = await rejection(
          catalog.createTable({ identifier: { namespace: ['db'], name: bad }, schema }),
        );
        expect(isFloeError(err, 'usage')).toBe(true);
      }
      expect(
        isFloeError(
          await rejection(catalog.createTable({ identifier: { namespace: [], name: 't' }, schema })),
          'usage',
        ),
      ).toBe(true);
    });
  });
}
