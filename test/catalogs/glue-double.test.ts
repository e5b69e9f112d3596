/**
 * Glue commits against the VersionId-enforcing test double (moto accepts stale VersionIds): two
 * processes racing, a stale commit, and a commit whose response is lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GlueCatalog, type CatalogOptions } from '../../src/catalog/index.js';
import { isFloeError } from '../../src/errors.js';
import { Table } from '../../src/iceberg/table/index.js';
import { catalogBehaviour, rejection, rows, scanWithPyIceberg, schema } from './behaviour.js';
import { runWriters } from './children.js';
import { startGlueDouble, type GlueDouble } from './glue-double.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-glue-double-'));
let double: GlueDouble;
beforeAll(async () => {
  double = await startGlueDouble();
});
afterAll(async () => {
  await double?.stop();
  rmSync(dir, { recursive: true, force: true });
});
let n = 0;
const options = (): CatalogOptions => ({
  catalog: 'glue',
  warehouse: join(dir, 'wh'),
  endpoint: double.endpoint,
  region: 'us-east-1',
  accessKeyId: 'test',
  secretAccessKey: 'test',
});
const catalog = (): GlueCatalog =>
  new GlueCatalog({
    warehouse: join(dir, 'wh'),
    endpoint: double.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  });

describe('Glue catalog on the VersionId-enforcing double', () => {
  catalogBehaviour('glue-double', () => ({ catalog, namespace: () => [`db${n++}`] }));

  it('two processes appending 50 times each end with all 100 appends, each once', async () => {
    const c = catalog();
    const db = `race${n++}`;
    await c.createNamespace([db]);
    await Table.create(c, { identifier: { namespace: [db], name: 't' }, schema });
    const stale = double.stats.staleVersions;
    const out = await runWriters(options(), `${db}.t`, 50, [1, 2]);
    const table = await Table.load(c, { namespace: [db], name: 't' });
    expect(table.metadata.snapshots.length).toBe(100);
    const expected = [1, 2].flatMap((w) => Array.from({ length: 50 }, (_, i) => w * 1000 + i));
    expect((await table.readRows()).map((r) => Number(r.id)).sort((a, b) => a - b)).toEqual(expected);
    const py = await scanWithPyIceberg({ metadata: table.metadataLocation });
    expect(py.rows.map((r) => r[0])).toEqual(expected);
    console.log(
      `Glue 2×50 appends: stale VersionIds rejected ${double.stats.staleVersions - stale}, ` +
        `re-appends ${out.map((o) => o.reappends).join('/')}`,
    );
  });

  it('a commit with a stale VersionId is a retryable conflict and leaves no metadata file', async () => {
    const c = catalog();
    const db = `stale${n++}`;
    await c.createNamespace([db]);
    const id = { namespace: [db], name: 't' };
    const t = await Table.create(c, { identifier: id, schema });
    const a = await Table.load(c, id);
    await t.append([rows([[1, 'a']])]);
    // `a` still holds the old head: its append conflicts, re-loads, and lands on top.
    await a.append([rows([[2, 'b']])]);
    const loaded = await Table.load(c, id);
    expect(loaded.metadata.snapshots.length).toBe(2);
    const err = await rejection(
      c.commitTable({
        identifier: id,
        requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', snapshotId: null }],
        updates: [{ action: 'set-properties', updates: { x: 'y' } }],
      }),
    );
    expect(isFloeError(err, 'commit-conflict')).toBe(true);
    expect(err.retryable).toBe(true);
  });

  it('a commit whose UpdateTable response is lost is not appended twice', async () => {
    const c = new GlueCatalog({
      warehouse: join(dir, 'wh'),
      endpoint: double.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      clientConfig: { maxAttempts: 1 },
    });
    const db = `lost${n++}`;
    await c.createNamespace([db]);
    const id = { namespace: [db], name: 't' };
    const t = await Table.create(c, { identifier: id, schema });
    await t.append([rows([[1, 'a']])]);
    double.loseUpdateResponses(1);
    const snap = await t.append([rows([[2, 'b']])]);
    const loaded = await Table.load(c, id);
    expect(loaded.metadata.snapshots.length).toBe(2);
    expect(loaded.metadata.currentSnapshotId).toBe(snap.snapshotId);
    expect((await loaded.readRows()).map((r) => Number(r.id)).sort()).toEqual([1, 2]);
  });

  it('a Glue table without table_type=ICEBERG is refused with a clear error', async () => {
    const c = catalog();
    const db = `hive${n++}`;
    await c.createNamespace([db]);
    double.putTable(db, { Name: 'logs', TableType: 'EXTERNAL_TABLE', Parameters: { table_type: 'HIVE' } });
    const err = await rejection(Table.load(c, { namespace: [db], name: 'logs' }));
    expect(isFloeError(err, 'usage')).toBe(true);
    expect(err.message).toBe(`Glue table ${db}.logs is not an Iceberg table (table_type=HIVE)`);
  });
});
