/**
 * Two OS processes commit to one file-catalog table at once. The children run the TypeScript
 * sources directly (test/catalog/ts-register.mjs transpiles them with the project's typescript),
 * so the test needs no build and always exercises the current code.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, expect, it } from 'vitest';
import { FileCatalog } from '../../src/catalog/file/index.js';
import { schema } from './catalog-contract.js';

const here = dirname(fileURLToPath(import.meta.url));
const run = promisify(execFile);
const dir = mkdtempSync(join(tmpdir(), 'floe-concurrency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('two processes × 20 commits end with 40 snapshots chained by parent ids, none lost', async () => {
  const warehouse = join(dir, 'wh');
  const catalog = new FileCatalog({ warehouse });
  const id = { namespace: ['ns'], name: 't' };
  await catalog.createTable({ identifier: id, schema });

  const child = (writer: string) =>
    run(
      process.execPath,
      ['--import', join(here, 'ts-register.mjs'), join(here, 'commit-child.ts'), warehouse, '20', writer],
      {
        timeout: 240_000,
      },
    );
  const [a, b] = await Promise.all([child('a'), child('b')]);
  const conflicts = [a, b].map((r) => (JSON.parse(r.stdout.trim()) as { conflicts: number }).conflicts);

  const { metadata } = await catalog.loadTable(id);
  expect(metadata.snapshots.length).toBe(40);
  // Walk the chain from main back to the first snapshot: every snapshot is on it exactly once.
  const byId = new Map(metadata.snapshots.map((s) => [s.snapshotId, s]));
  const seen: string[] = [];
  let cursor = metadata.currentSnapshotId;
  while (cursor !== null) {
    const s = byId.get(cursor);
    expect(s).toBeDefined();
    seen.push(`${s!.summary['floe.test.writer']}${s!.summary['floe.test.commit']}`);
    cursor = s!.parentSnapshotId ?? null;
  }
  expect(seen.length).toBe(40);
  expect(new Set(seen).size).toBe(40);
  for (const w of ['a', 'b']) for (let i = 0; i < 20; i++) expect(seen).toContain(`${w}${i}`);
  // Sequence numbers strictly increase along the chain; one metadata version per commit.
  const seqs = [...metadata.snapshots].map((s) => s.sequenceNumber).sort((x, y) => (x < y ? -1 : 1));
  expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => BigInt(i + 1)));
  expect(metadata.lastSequenceNumber).toBe(40n);
  expect(metadata.snapshotLog.length).toBe(40);
  const versions = readdirSync(join(warehouse, 'ns', 't', 'metadata')).filter((f) =>
    /^v\d+\.metadata\.json$/.test(f),
  );
  expect(versions.length).toBe(41);
  console.log(`cross-process commits: retryable conflicts a=${conflicts[0]} b=${conflicts[1]}`);
});
