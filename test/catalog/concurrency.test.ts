/**
 * Two OS processes commit to one file-catalog table at once. The children run the TypeScript
 * sources directly (test/support/ts-register.mjs transpiles them with the project's typescript),
 * so the test needs no build and always exercises the current code.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { FileCatalog } from '../../src/catalog/file/index.js';
import { schema } from './catalog-contract.js';

const here = dirname(fileURLToPath(import.meta.url));

interface Child {
  ready: Promise<void>;
  done: Promise<string>;
  go(): void;
}

function startChild(warehouse: string, writer: string): Child {
  const proc = spawn(
    process.execPath,
    [
      '--import',
      join(here, '../support/ts-register.mjs'),
      join(here, 'commit-child.ts'),
      warehouse,
      '20',
      writer,
    ],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  let signalReady: () => void = () => undefined;
  const ready = new Promise<void>((resolve) => (signalReady = resolve));
  proc.stdout.on('data', (b: Buffer) => {
    stdout += b.toString();
    if (stdout.startsWith('ready\n')) signalReady();
  });
  proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const done = new Promise<string>((resolve, reject) => {
    proc.on('exit', (code) => {
      if (code === 0) resolve(stdout.slice('ready\n'.length));
      else reject(new Error(`child ${writer} exited with ${code}:\n${stderr}`));
    });
  });
  // Surface a child that dies before it is ready instead of waiting forever.
  return { ready: Promise.race([ready, done.then(() => undefined)]), done, go: () => proc.stdin.end('go\n') };
}
const dir = mkdtempSync(join(tmpdir(), 'floe-concurrency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it('two processes × 20 commits end with 40 snapshots chained by parent ids, none lost', async () => {
  const warehouse = join(dir, 'wh');
  const catalog = new FileCatalog({ warehouse });
  const id = { namespace: ['ns'], name: 't' };
  await catalog.createTable({ identifier: id, schema });

  const children = [startChild(warehouse, 'a'), startChild(warehouse, 'b')];
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.go();
  const outputs = await Promise.all(children.map((c) => c.done));
  const conflicts = outputs.map((o) => (JSON.parse(o.trim()) as { conflicts: number }).conflicts);

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
