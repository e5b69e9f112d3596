/**
 * One behaviour suite for every catalog (file, Glue, REST): create, append three times through
 * Table.append, load, list, rename, drop; PyIceberg loads the same table through the same catalog
 * and must return exactly the rows written; missing namespaces and tables get clear errors.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';
import { isFloeError } from '../../src/errors.js';
import type { Catalog, TableIdentifier } from '../../src/iceberg/catalog.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { t, type Value } from '../../src/iceberg/spec/types.js';
import { Table } from '../../src/iceberg/table/index.js';
import type { ColumnBatch } from '../../src/iceberg/writer/batch.js';
import { pythonPath } from '../interop/readers.js';

const here = dirname(fileURLToPath(import.meta.url));

export const schema = new Schema([
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'name', required: false, type: t.string },
]);

export function rows(pairs: [number, string | null][]): ColumnBatch {
  return {
    rowCount: pairs.length,
    columns: new Map<number, Value[]>([
      [1, pairs.map((p) => BigInt(p[0]))],
      [2, pairs.map((p) => p[1])],
    ]),
  };
}

export async function rejection(
  p: Promise<unknown>,
): Promise<Error & { kind?: string; retryable?: boolean }> {
  try {
    await p;
  } catch (err) {
    return err as Error & { kind?: string };
  }
  throw new Error('expected a rejection');
}

export interface PyScan {
  rows: [number, string | null][];
  snapshots: number;
  metadata_location: string;
}

/** PyIceberg: `{properties, table}` loads through a catalog, `{metadata}` reads a metadata file. */
export function scanWithPyIceberg(options: Record<string, unknown>): Promise<PyScan> {
  return new Promise((resolve, reject) => {
    const proc = spawn(pythonPath(), [join(here, 'pyiceberg_scan.py')], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    proc.stdout.on('data', (b: Buffer) => (out += b.toString()));
    proc.stderr.on('data', (b: Buffer) => (err += b.toString()));
    proc.on('exit', (code) => {
      if (code !== 0) reject(new Error(`pyiceberg_scan.py exited ${code}:\n${err.slice(-3000)}`));
      else resolve(JSON.parse(out.trim().split('\n').pop()!) as PyScan);
    });
    proc.stdin.end(JSON.stringify(options));
  });
}

export interface BehaviourContext {
  catalog: () => Catalog;
  /** A fresh namespace name for each test. */
  namespace: () => string[];
  /** How PyIceberg reaches the table: catalog properties, or undefined to read the metadata file. */
  pyiceberg?: (id: TableIdentifier, metadataLocation: string) => Record<string, unknown>;
  /**
   * The catalog creates a table's namespace implicitly: the file catalog (a directory) and the REST
   * fixture's JdbcCatalog backend (server behaviour, not the client's to second-guess).
   */
  implicitNamespaces?: boolean;
}

export function catalogBehaviour(name: string, ctx: () => BehaviourContext): void {
  it(`${name}: create, append ×3, load, list, rename, drop; PyIceberg reads exactly the rows`, async () => {
    const c = ctx();
    const catalog = c.catalog();
    const ns = c.namespace();
    await catalog.createNamespace(ns);
    expect(await catalog.namespaceExists(ns)).toBe(true);
    expect((await catalog.listNamespaces()).map((n) => n.join('.'))).toContain(ns.join('.'));
    const id: TableIdentifier = { namespace: ns, name: 'events' };
    const table = await Table.create(catalog, { identifier: id, schema });
    expect(await catalog.tableExists(id)).toBe(true);

    const written: [number, string | null][] = [];
    for (let i = 0; i < 3; i++) {
      const batch: [number, string | null][] = [
        [i * 10 + 1, `row-${i}-a`],
        [i * 10 + 2, i === 1 ? null : `row-${i}-b`],
      ];
      written.push(...batch);
      await table.append([rows(batch)]);
    }

    const loaded = await Table.load(catalog, id);
    expect(loaded.metadata.snapshots.length).toBe(3);
    expect(loaded.metadata.lastSequenceNumber).toBe(3n);
    expect(loaded.metadataLocation).toBe(table.metadataLocation);
    const read = (await loaded.readRows()).map((r) => [Number(r.id), r.name] as [number, string | null]);
    expect(read.sort((a, b) => a[0] - b[0])).toEqual(written);
    // Every commit kept the previous metadata file in the log.
    expect(loaded.metadata.metadataLog.length).toBe(3);

    const py = await scanWithPyIceberg(
      c.pyiceberg ? c.pyiceberg(id, loaded.metadataLocation) : { metadata: loaded.metadataLocation },
    );
    expect(py.rows).toEqual(written);
    expect(py.snapshots).toBe(3);

    expect(await catalog.listTables(ns)).toEqual([id]);
    const to: TableIdentifier = { namespace: ns, name: 'events_renamed' };
    await catalog.renameTable(id, to);
    expect(await catalog.tableExists(id)).toBe(false);
    expect(await catalog.listTables(ns)).toEqual([to]);
    const renamed = await Table.load(catalog, to);
    expect(renamed.metadata.tableUuid).toBe(loaded.metadata.tableUuid);
    expect((await renamed.readRows()).length).toBe(6);
    // Still writable under the new name.
    await renamed.append([rows([[99, 'after-rename']])]);
    expect((await Table.load(catalog, to)).metadata.snapshots.length).toBe(4);

    await catalog.dropTable(to);
    expect(await catalog.tableExists(to)).toBe(false);
    expect(await catalog.listTables(ns)).toEqual([]);
    const gone = await rejection(catalog.loadTable(to));
    expect(isFloeError(gone, 'not-found')).toBe(true);
    expect(gone.message).toMatch(/events_renamed|does not exist/);
  });

  it(`${name}: a missing namespace or table is a clear not-found`, async () => {
    const c = ctx();
    const catalog = c.catalog();
    const missing = c.namespace();
    expect(await catalog.namespaceExists(missing)).toBe(false);
    const err = await rejection(catalog.listTables(missing));
    expect(isFloeError(err, 'not-found')).toBe(true);
    expect(err.message).toContain(missing.join('.'));
    if (!c.implicitNamespaces) {
      const create = await rejection(
        Table.create(catalog, { identifier: { namespace: missing, name: 't' }, schema }),
      );
      expect(isFloeError(create, 'not-found')).toBe(true);
      expect(create.message.split('\n').length).toBe(1);
    }
    const ns = c.namespace();
    await catalog.createNamespace(ns);
    const load = await rejection(catalog.loadTable({ namespace: ns, name: 'nope' }));
    expect(isFloeError(load, 'not-found')).toBe(true);
    expect(load.message).toMatch(/nope/);
  });
}
