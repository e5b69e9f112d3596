import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterEach, describe, expect, test } from 'vitest';
import { FileCatalog } from '../../catalog/file/index.js';
import type { Catalog, LoadedTable, TableIdentifier } from '../../iceberg/catalog.js';
import { LocalFileIO, MemoryFileIO, type FileIO } from '../../iceberg/io/index.js';
import type { TableMetadata } from '../../iceberg/spec/model.js';
import { Schema } from '../../iceberg/spec/schema.js';
import { commitAppend } from '../../iceberg/table/append.js';
import { Table } from '../../iceberg/table/index.js';
import { newSnapshotId } from '../../iceberg/table/ids.js';
import {
  committedDeadLetters,
  deadLetterPath,
  listDeadLetterFiles,
  markerPath,
  markCommitted,
  readCommittedDeadLetters,
  reconcileDeadLetters,
  replayDeadLetters,
  ReplayLedger,
  writeDeadLetters,
  type RejectedRecord,
} from './index.js';

const ident: TableIdentifier = { namespace: ['db'], name: 'events' };
const schema = new Schema([{ id: 1, name: 'id', required: false, type: { kind: 'long' } }]);

async function setup(
  io: FileIO,
  warehouse: string,
): Promise<{ catalog: Catalog; table: () => Promise<LoadedTable> }> {
  const catalog = new FileCatalog({ warehouse, io });
  await catalog.createNamespace(['db']);
  await Table.create(catalog, { identifier: ident, schema });
  return { catalog, table: () => catalog.loadTable(ident) };
}

/** One consumer "flush": dead letters first, then the commit with the same snapshot id. */
async function flush(
  ctx: { catalog: Catalog; table: () => Promise<LoadedTable> },
  io: FileIO,
  location: string,
  records: RejectedRecord[],
  opts: { crashBeforeCommit?: boolean } = {},
): Promise<bigint> {
  const snapshotId = newSnapshotId();
  await writeDeadLetters({ io, location, table: ident, snapshotId, records });
  if (opts.crashBeforeCommit) return snapshotId;
  await commitAppend({ catalog: ctx.catalog, table: await ctx.table(), files: [], snapshotId });
  return snapshotId;
}

const rec = (
  seq: number,
  reasons = ['latitude 39.2 is below 40'],
  raw: string | Uint8Array = `{"id":${seq}}`,
): RejectedRecord => ({
  raw,
  stream: 's1',
  shard: 'shardId-000000000000',
  sequenceNumber: `4960000000000000000000${seq}`,
  partitionKey: `pk-${seq}`,
  reasons,
});

describe('dead letters on the memory FileIO', () => {
  const location = 'memory://dlq';

  test('file written, commit never happened: not counted; the re-read records are counted once', async () => {
    const io = new MemoryFileIO();
    const ctx = await setup(io, 'memory://wh');
    const lost = await flush(ctx, io, location, [rec(1), rec(2)], { crashBeforeCommit: true });
    expect(await io.exists(deadLetterPath(location, ident, lost))).toBe(true);
    let metadata = (await ctx.table()).metadata;
    expect(await committedDeadLetters({ io, location, table: ident, metadata })).toEqual([]);
    // Restart: the same records are read again (positions were not committed) and committed under a new id.
    const ok = await flush(ctx, io, location, [rec(1), rec(2)]);
    metadata = (await ctx.table()).metadata;
    const letters = [];
    for await (const l of readCommittedDeadLetters({ io, location, table: ident, metadata })) letters.push(l);
    expect(letters.map((l) => [l.sequenceNumber, l.snapshotId])).toEqual([
      ['49600000000000000000001', String(ok)],
      ['49600000000000000000002', String(ok)],
    ]);
    const listing = await listDeadLetterFiles({ io, location, table: ident, metadata });
    expect(listing.uncommitted.map((f) => f.snapshotId)).toEqual([lost]);
  });

  test('committed, crash before the marker: counted exactly once; sealed by reconcile; still counted after snapshot expiry', async () => {
    const io = new MemoryFileIO();
    const ctx = await setup(io, 'memory://wh');
    const a = await flush(ctx, io, location, [rec(1)]);
    const b = await flush(ctx, io, location, [rec(2), rec(3)]);
    await markCommitted({ io, location, table: ident, snapshotId: b });
    const metadata = (await ctx.table()).metadata;
    const files = await committedDeadLetters({ io, location, table: ident, metadata });
    expect(files.map((f) => [f.snapshotId, f.inMetadata, f.marked])).toEqual([
      [a, true, false],
      [b, true, true],
    ]);
    const report = await reconcileDeadLetters({ io, location, table: ident, metadata });
    expect(report.sealed).toEqual([deadLetterPath(location, ident, a)]);
    expect(await io.exists(markerPath(location, ident, a))).toBe(true);
    // Expire both snapshots from the metadata: the markers keep the files committed.
    const expired: TableMetadata = { ...metadata, snapshots: [] };
    const after = await committedDeadLetters({ io, location, table: ident, metadata: expired });
    expect(after.map((f) => f.snapshotId).sort()).toEqual([a, b].sort());
    const all = [];
    for await (const l of readCommittedDeadLetters({ io, location, table: ident, metadata }))
      all.push(l.sequenceNumber);
    expect(all).toEqual(['49600000000000000000001', '49600000000000000000002', '49600000000000000000003']);
  });

  test('a retry writes the same snapshot id again: one file, counted once', async () => {
    const io = new MemoryFileIO();
    const ctx = await setup(io, 'memory://wh');
    const snapshotId = newSnapshotId();
    await writeDeadLetters({ io, location, table: ident, snapshotId, records: [rec(7)] });
    await writeDeadLetters({ io, location, table: ident, snapshotId, records: [rec(7)] });
    await commitAppend({ catalog: ctx.catalog, table: await ctx.table(), files: [], snapshotId });
    const metadata = (await ctx.table()).metadata;
    const seqs = [];
    for await (const l of readCommittedDeadLetters({ io, location, table: ident, metadata }))
      seqs.push(l.sequenceNumber);
    expect(seqs).toEqual(['49600000000000000000007']);
  });

  test('no records: no file', async () => {
    const io = new MemoryFileIO();
    const w = await writeDeadLetters({ io, location, table: ident, snapshotId: 5n, records: [] });
    expect(w.path).toBeUndefined();
    expect(io.paths()).toEqual([]);
  });

  test('reconcile: young orphans kept (maybe in flight), old ones deleted, older than every snapshot undecidable', async () => {
    const io = new MemoryFileIO();
    const ctx = await setup(io, 'memory://wh');
    const orphanOld = await flush(ctx, io, location, [rec(1)], { crashBeforeCommit: true });
    await new Promise((r) => setTimeout(r, 5));
    const committed = await flush(ctx, io, location, [rec(2)]);
    await new Promise((r) => setTimeout(r, 5));
    const orphanNew = await flush(ctx, io, location, [rec(3)], { crashBeforeCommit: true });
    const metadata = (await ctx.table()).metadata;
    const young = await reconcileDeadLetters({ io, location, table: ident, metadata, graceMs: 60_000 });
    expect([...young.pending].sort()).toEqual(
      [deadLetterPath(location, ident, orphanOld), deadLetterPath(location, ident, orphanNew)].sort(),
    );
    expect(young.deleted).toEqual([]);
    const later = await reconcileDeadLetters({
      io,
      location,
      table: ident,
      metadata,
      graceMs: 60_000,
      nowMs: Date.now() + 120_000,
    });
    // orphanOld was written before the table's only snapshot: it could be an expired commit.
    expect(later.undecidable).toEqual([deadLetterPath(location, ident, orphanOld)]);
    expect(later.deleted).toEqual([deadLetterPath(location, ident, orphanNew)]);
    expect(await io.exists(deadLetterPath(location, ident, orphanNew))).toBe(false);
    expect(await io.exists(deadLetterPath(location, ident, committed))).toBe(true);
    const dry = await reconcileDeadLetters({
      io,
      location,
      table: ident,
      metadata,
      nowMs: Date.now() + 2 * 86_400_000,
      dryRun: true,
    });
    expect(dry.undecidable).toEqual([deadLetterPath(location, ident, orphanOld)]);
  });

  test('payloads: text stays text, invalid UTF-8 is base64 and comes back byte for byte', async () => {
    const io = new MemoryFileIO();
    const ctx = await setup(io, 'memory://wh');
    const bad = new Uint8Array([0x7b, 0xff, 0xfe, 0x00, 0x7d]);
    await flush(ctx, io, location, [
      rec(1, ['x'], 'héllo,"quoted"\n'),
      rec(2, ['y'], bad),
      rec(3, ['z'], new TextEncoder().encode('ok ✓')),
    ]);
    const metadata = (await ctx.table()).metadata;
    const out = [];
    for await (const r of replayDeadLetters({ io, location, table: ident, metadata })) out.push(r);
    expect(out.map((r) => r.letter.encoding)).toEqual(['utf8', 'base64', 'utf8']);
    expect(new TextDecoder().decode(out[0]?.payload)).toBe('héllo,"quoted"\n');
    expect([...(out[1]?.payload ?? [])]).toEqual([...bad]);
    expect(out[2]?.letter.raw).toBe('ok ✓');
    expect(out.map((r) => r.partitionKey)).toEqual(['pk-1', 'pk-2', 'pk-3']);
  });

  test('replay filters by reason, time and shard; the ledger skips letters already replayed', async () => {
    const io = new MemoryFileIO();
    const ctx = await setup(io, 'memory://wh');
    await flush(ctx, io, location, [
      rec(1, ['latitude 39.2 is below 40', 'borough "X" is not one of A']),
      rec(2, ['longitude -75 is below -74.3']),
    ]);
    await flush(ctx, io, location, [rec(3, ['borough "Y" is not one of A'])], { crashBeforeCommit: true });
    await flush(ctx, io, location, [rec(4, ['borough "Z" is not one of A'])]);
    const metadata = (await ctx.table()).metadata;
    const base = { io, location, table: ident, metadata };
    const seqs = async (opts: object) => {
      const out: string[] = [];
      for await (const r of replayDeadLetters({ ...base, ...opts }))
        out.push(r.letter.sequenceNumber.slice(-1));
      return out;
    };
    expect(await seqs({})).toEqual(['1', '2', '4']); // 3 was never committed
    expect(await seqs({ reason: 'borough' })).toEqual(['1', '4']);
    expect(await seqs({ reason: /^longitude/ })).toEqual(['2']);
    expect(await seqs({ since: new Date(Date.now() + 60_000) })).toEqual([]);
    expect(await seqs({ until: new Date(Date.now() + 60_000), shard: 'shardId-000000000000' })).toEqual([
      '1',
      '2',
      '4',
    ]);
    expect(await seqs({ shard: 'other' })).toEqual([]);
    const ledger = new ReplayLedger(io, location, ident);
    const first = [];
    for await (const r of replayDeadLetters({ ...base, ledger, reason: 'borough' })) first.push(r.id);
    await ledger.record(first);
    expect(await seqs({ ledger })).toEqual(['2']);
    expect(await seqs({ ledger, includeReplayed: true })).toEqual(['1', '2', '4']);
    // The ledger's files are not mistaken for dead-letter files.
    const listing = await listDeadLetterFiles(base);
    expect(listing.committed.length + listing.uncommitted.length).toBe(3);
  });
});

describe('dead letters on the local FileIO', () => {
  let dir: string | undefined;
  afterEach(async () => {
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('crash before commit, restart, commit: exactly the committed file counts; the orphan is cleaned', async () => {
    dir = await mkdtemp(join(tmpdir(), 'floe-dlq-'));
    const io = new LocalFileIO();
    const ctx = await setup(io, join(dir, 'wh'));
    const location = join(dir, 'dlq');
    expect(
      await committedDeadLetters({ io, location, table: ident, metadata: (await ctx.table()).metadata }),
    ).toEqual([]);
    const lost = await flush(ctx, io, location, [rec(1)], { crashBeforeCommit: true });
    const ok = await flush(ctx, io, location, [rec(1)]);
    const metadata = (await ctx.table()).metadata;
    const files = await committedDeadLetters({ io, location, table: ident, metadata });
    expect(files.map((f) => f.path)).toEqual([join(location, 'db.events', `${ok}.ndjson`)]);
    const report = await reconcileDeadLetters({
      io,
      location,
      table: ident,
      metadata,
      graceMs: 0,
      nowMs: Date.now() + 1000,
    });
    expect(report.sealed).toEqual([join(location, 'db.events', `${ok}.ndjson`)]);
    // The orphan was written before the only snapshot: undecidable by time alone, so kept.
    expect(report.undecidable).toEqual([join(location, 'db.events', `${lost}.ndjson`)]);
    const again = await flush(ctx, io, location, [rec(9)], { crashBeforeCommit: true });
    const metadata2 = (await ctx.table()).metadata;
    const report2 = await reconcileDeadLetters({
      io,
      location,
      table: ident,
      metadata: metadata2,
      graceMs: 0,
      nowMs: Date.now() + 1000,
    });
    expect(report2.deleted).toEqual([join(location, 'db.events', `${again}.ndjson`)]);
    expect(report2.sealed).toEqual([]);
    const seqs = [];
    for await (const l of readCommittedDeadLetters({ io, location, table: ident, metadata: metadata2 }))
      seqs.push(l.sequenceNumber);
    expect(seqs).toEqual(['49600000000000000000001']);
  });
});

describe('property: crashes at any point of the flush', () => {
  type Crash = 'none' | 'before-write' | 'after-write' | 'after-commit';
  test('the committed dead letters are exactly the rejected records, each once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            take: fc.integer({ min: 0, max: 4 }),
            crash: fc.constantFrom<Crash>('none', 'before-write', 'after-write', 'after-commit'),
          }),
          { maxLength: 12 },
        ),
        async (steps) => {
          const io = new MemoryFileIO();
          const ctx = await setup(io, 'memory://wh');
          const location = 'memory://dlq';
          let committedUpTo = 0; // the "committed position": records below it are never read again
          let next = 0; // records produced so far
          for (const step of steps) {
            next = Math.max(next, committedUpTo) + step.take;
            // After a restart the consumer re-reads everything after the committed position.
            const records = [];
            for (let seq = committedUpTo; seq < next; seq++) records.push(rec(seq));
            if (step.crash === 'before-write') continue;
            const snapshotId = newSnapshotId();
            await writeDeadLetters({ io, location, table: ident, snapshotId, records });
            if (step.crash === 'after-write') continue;
            await commitAppend({ catalog: ctx.catalog, table: await ctx.table(), files: [], snapshotId });
            committedUpTo = next;
            if (step.crash === 'after-commit') continue;
            await markCommitted({ io, location, table: ident, snapshotId });
          }
          const metadata = (await ctx.table()).metadata;
          await reconcileDeadLetters({
            io,
            location,
            table: ident,
            metadata,
            graceMs: 0,
            nowMs: Date.now() + 1,
          });
          const seen: string[] = [];
          for await (const l of readCommittedDeadLetters({ io, location, table: ident, metadata }))
            seen.push(l.sequenceNumber);
          const expected = Array.from({ length: committedUpTo }, (_, seq) => rec(seq).sequenceNumber);
          expect(seen).toEqual(expected);
        },
      ),
      { numRuns: 40 },
    );
  });
});
