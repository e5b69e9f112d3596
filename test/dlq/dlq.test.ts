/**
 * `floe dlq replay|list` cross-process against kinesalite: committed dead letters go back to the
 * stream with their payloads and partition keys, uncommitted ones never do, a second run sends
 * nothing, and bad flags exit 2.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCatalog } from '../../src/catalog/file/index.js';
import { writeDeadLetters, type RejectedRecord } from '../../src/consumer/deadletter/index.js';
import type { TableIdentifier } from '../../src/iceberg/catalog.js';
import { LocalFileIO } from '../../src/iceberg/io/index.js';
import { Schema } from '../../src/iceberg/spec/schema.js';
import { commitAppend } from '../../src/iceberg/table/append.js';
import { newSnapshotId, Table } from '../../src/iceberg/table/index.js';
import { kinesisEnv, readStream, startKinesalite, type Emulator } from '../setup/kinesis.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const ident: TableIdentifier = { namespace: ['db'], name: 'events' };
const dir = mkdtempSync(join(tmpdir(), 'floe-dlq-'));
const warehouse = join(dir, 'wh');
const location = join(dir, 'dead-letters');
let kinesis: Emulator;

function floe(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((done, fail) => {
    const child = spawn(
      process.execPath,
      ['--import', join(ROOT, 'test/support/ts-register.mjs'), join(ROOT, 'src/cli/main.ts'), 'dlq', ...args],
      {
        cwd: dir,
        env: { PATH: process.env.PATH ?? '', ...kinesisEnv(kinesis.endpoint), ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.once('error', fail);
    child.once('exit', (code) => done({ code, out, err }));
  });
}

const rec = (i: number, reasons: string[], raw: string | Uint8Array = `{"id":${i}}`): RejectedRecord => ({
  raw,
  stream: 'source',
  shard: 'shardId-000000000000',
  sequenceNumber: `4960000000000000000000${i}`,
  partitionKey: `pk-${i}`,
  reasons,
});

const committedRecords: RejectedRecord[] = [
  rec(1, ['latitude 39.2 is below 40']),
  rec(2, ['unique_key is missing']),
  rec(3, ['latitude 12 is below 40', 'borough is not a borough']),
  rec(4, ['not JSON'], new Uint8Array([0xff, 0x00, 0x7b, 0x80])),
];
const base = ['--table', 'db.events', '--warehouse', warehouse, '--dead-letter', location];

beforeAll(async () => {
  kinesis = await startKinesalite();
  await kinesis.createStream('target', 2);
  const io = new LocalFileIO();
  const catalog = new FileCatalog({ warehouse, io });
  await catalog.createNamespace(['db']);
  await Table.create(catalog, {
    identifier: ident,
    schema: new Schema([{ id: 1, name: 'id', required: false, type: { kind: 'long' } }]),
  });
  // Committed flush: dead letters first, then the commit with the same snapshot id.
  const committed = newSnapshotId();
  await writeDeadLetters({ io, location, table: ident, snapshotId: committed, records: committedRecords });
  await commitAppend({ catalog, table: await catalog.loadTable(ident), files: [], snapshotId: committed });
  // A crash before the commit: this file must never be replayed.
  await writeDeadLetters({
    io,
    location,
    table: ident,
    snapshotId: newSnapshotId(),
    records: [rec(9, ['latitude 1 is below 40'])],
  });
}, 120_000);

afterAll(async () => {
  await kinesis?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('floe dlq', () => {
  it('list counts committed letters per reason, ignoring the uncommitted file', async () => {
    const r = await floe(['list', ...base]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/1\s+latitude 39\.2 is below 40/);
    expect(r.out).toContain('4 committed dead letter(s) in 1 file(s)');
    expect(r.out).toContain('1 uncommitted file(s) ignored');
    expect(r.out).not.toContain('latitude 1 is below');
  });

  it('--dry-run prints the filtered letters and sends nothing', async () => {
    const r = await floe(['replay', ...base, '--stream', 'target', '--reason', 'latitude \\d+', '--dry-run']);
    expect(r.code).toBe(0);
    expect(r.out.match(/^would send /gm)).toHaveLength(2);
    expect(r.out).toContain('key="pk-1"');
    expect(r.out).toContain('key="pk-3"');
    expect(r.out).toContain('matched 2, would send 2');
    expect(await readStream(kinesis.client, 'target')).toEqual([]);
  });

  it('a stream that does not exist exits 1 and records nothing as replayed', async () => {
    const r = await floe(['replay', ...base, '--stream', 'no-such-stream']);
    expect(r.code).toBe(1);
    expect(r.err).toContain('ResourceNotFound');
  });

  it('replay re-sends committed letters with their keys; a second run sends nothing', async () => {
    const first = await floe(['replay', ...base, '--stream', 'target']);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toContain('matched 4, sent 4, skipped 0 (already replayed), failed 0');
    const got = await readStream(kinesis.client, 'target', 4);
    const byKey = new Map(got.map((g) => [g.partitionKey, g.data]));
    expect([...byKey.keys()].sort()).toEqual(['pk-1', 'pk-2', 'pk-3', 'pk-4']);
    for (const [i, r] of committedRecords.entries()) {
      const raw = typeof r.raw === 'string' ? Buffer.from(r.raw) : Buffer.from(r.raw);
      expect(byKey.get(`pk-${i + 1}`)).toEqual(raw);
    }
    expect(got).toHaveLength(4);

    const second = await floe(['replay', ...base, '--stream', 'target']);
    expect(second.code).toBe(0);
    expect(second.out).toContain('matched 4, sent 0, skipped 4 (already replayed), failed 0');
    expect(await readStream(kinesis.client, 'target')).toHaveLength(4);
  });

  it('an empty dead-letter location sends nothing and exits 0', async () => {
    const r = await floe(['replay', ...base, '--stream', 'target', '--dead-letter', join(dir, 'other')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('matched 0, sent 0');
  });

  it.each([
    [['replay', ...base]], // no --stream
    [['replay', '--stream', 'target', '--warehouse', warehouse]], // no --table
    [['frobnicate', ...base]],
    [['replay', ...base, '--stream', 'target', '--since', 'yesterday']],
    [['replay', ...base, '--stream', 'target', '--reason', '(']],
    [['replay', ...base, '--stream', 'target', '--endpoint', 'ftp://x']],
    [['replay', ...base, '--stream', 'target', '--bogus']],
  ])('bad flags exit 2: %j', async (args) => {
    const r = await floe(args);
    expect(r.code).toBe(2);
    expect(r.err.trim().split('\n')).toHaveLength(1);
    expect(r.err).toMatch(/^floe: /);
  });
});

describe('floe dlq replay retries (fake Kinesis, in-process)', () => {
  it('retries throttled entries, reports permanent failures (exit 1), and a re-run sends only those', async () => {
    const { PassThrough, Readable } = await import('node:stream');
    const { parseCommandArgs } = await import('../../src/cli/args.js');
    const { dlqCommand, dlqSpec } = await import('../../src/cli/dlq.js');
    const { ReplayLedger } = await import('../../src/consumer/deadletter/index.js');
    const loc = join(dir, 'retry-letters');
    const io = new LocalFileIO();
    const catalog = new FileCatalog({ warehouse, io });
    const snapshotId = newSnapshotId();
    await writeDeadLetters({ io, location: loc, table: ident, snapshotId, records: committedRecords });
    await commitAppend({ catalog, table: await catalog.loadTable(ident), files: [], snapshotId });

    const calls: string[][] = [];
    let rejectPk2 = true;
    const api = {
      async putRecords(_stream: string, entries: readonly { partitionKey: string }[]) {
        calls.push(entries.map((e) => e.partitionKey));
        return entries.map((e) =>
          // pk-1 is throttled once; pk-2 is rejected for good (while rejectPk2 holds).
          e.partitionKey === 'pk-1' && calls.length === 1
            ? { errorCode: 'ProvisionedThroughputExceededException', errorMessage: 'slow down' }
            : e.partitionKey === 'pk-2' && rejectPk2
              ? { errorCode: 'KMSAccessDeniedException', errorMessage: 'no' }
              : { sequenceNumber: '1', shardId: 'shardId-000000000000' },
        );
      },
      async listShards() {
        return [];
      },
      close() {},
    };
    const run = async (): Promise<{ code: number; out: string; err: string }> => {
      const stdout = new PassThrough();
      const stderr = new PassThrough();
      let out = '';
      let err = '';
      stdout.on('data', (d: Buffer) => (out += d.toString()));
      stderr.on('data', (d: Buffer) => (err += d.toString()));
      const ctx = { stdout, stderr, stdin: Readable.from([]), env: {}, cwd: dir };
      const argv = ['replay', '--table', 'db.events', '--warehouse', warehouse, '--dead-letter', loc];
      const code = await dlqCommand(ctx, parseCommandArgs(dlqSpec, [...argv, '--stream', 's']), {
        api,
        backoffMs: 1,
      });
      return { code, out, err };
    };
    const first = await run();
    expect(first.code).toBe(1);
    expect(first.out).toContain('matched 4, sent 3, skipped 0 (already replayed), failed 1');
    expect(first.err).toContain('KMSAccessDeniedException');
    expect(calls).toEqual([['pk-1', 'pk-2', 'pk-3', 'pk-4'], ['pk-1']]);
    expect((await new ReplayLedger(io, loc, ident).replayedIds()).size).toBe(3);

    rejectPk2 = false;
    calls.length = 0;
    const second = await run();
    expect(second.code).toBe(0);
    expect(second.out).toContain('matched 4, sent 1, skipped 3 (already replayed), failed 0');
    expect(calls).toEqual([['pk-2']]);
  });
});
