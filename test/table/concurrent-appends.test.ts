import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCatalog } from '../../src/catalog/file/index.js';
import { readManifest, readManifestList } from '../../src/iceberg/manifest/index.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { t } from '../../src/iceberg/spec/types.js';
import { Table } from '../../src/iceberg/table/index.js';

const APPENDS = 20;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-race-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function runChild(writer: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        join(import.meta.dirname, '../support/ts-register.mjs'),
        join(import.meta.dirname, 'append-child.ts'),
        dir,
        String(writer),
        String(APPENDS),
      ],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`writer ${writer} exited ${code}: ${stderr}`)),
    );
  });
}

describe('two processes appending to one file-catalog table', () => {
  it(`ends with all ${2 * APPENDS} appends' rows and no lost files`, async () => {
    const catalog = new FileCatalog({ warehouse: dir });
    await catalog.createNamespace(['db']);
    await Table.create(catalog, {
      identifier: { namespace: ['db'], name: 'race' },
      schema: new Schema([
        { id: 1, name: 'id', required: true, type: t.long },
        { id: 2, name: 'writer', required: true, type: t.string },
      ]),
      properties: { 'commit.manifest.min-count-to-merge': '5' },
    });
    await Promise.all([runChild(1), runChild(2)]);

    const table = await Table.load(catalog, { namespace: ['db'], name: 'race' });
    const expected = [1, 2].flatMap((w) => Array.from({ length: APPENDS }, (_, i) => BigInt(w * 1000 + i)));
    const rows = await table.readRows();
    expect(rows.map((r) => r.id as bigint).sort((a, b) => (a < b ? -1 : 1))).toEqual(expected);

    // Every snapshot is on one chain, and the current snapshot's manifests reference exactly the 40 data files.
    expect(table.metadata.snapshots).toHaveLength(2 * APPENDS);
    expect(table.currentSnapshot()!.sequenceNumber).toBe(BigInt(2 * APPENDS));
    const live = new Set<string>();
    for (const m of await readManifestList(table.io, table.currentSnapshot()!.manifestList)) {
      for (const e of await readManifest(table.io, m)) live.add(e.dataFile.filePath);
    }
    expect(live.size).toBe(2 * APPENDS);
    const onDisk = (await table.io.list(`${table.location}/data/`)).filter((f) =>
      f.path.endsWith('.parquet'),
    );
    expect(onDisk.length).toBe(2 * APPENDS);
  });
});
