/**
 * `floe produce` as a separate process against kinesis-local (kinesis-mock) with a 4-shard
 * stream: everything read back with GetRecords equals the input, record for record; records of
 * one partition key land on one shard, in input order; --aggregate round-trips through
 * aws-kinesis-agg.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { gzipSync } from 'node:zlib';
import { parse } from 'csv-parse/sync';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { referenceDeaggregate } from '../../src/producer/test-support.js';
import {
  kinesisEnv,
  readStream,
  startKinesisLocal,
  type Emulator,
  type ReadRecord,
} from '../setup/kinesis.js';

const ROOT = resolve(import.meta.dirname, '../..');

let emu: Emulator;
const dir = mkdtempSync(join(tmpdir(), 'floe-kl-'));

beforeAll(async () => {
  emu = await startKinesisLocal();
}, 120_000);
afterAll(async () => {
  await emu?.stop();
});

function floe(args: string[], input?: Buffer): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise) => {
    const child = execFile(
      process.execPath,
      [join(ROOT, 'dist/cli/main.js'), ...args],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', ...kinesisEnv(emu.endpoint) }, maxBuffer: 1 << 26 },
      (err, stdout, stderr) =>
        resolvePromise({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    );
    if (input) child.stdin?.end(input);
  });
}

/** 2,000 CSV rows: quoted fields, commas and newlines inside quotes, empty cells, 23 keys. */
function csvInput(): string {
  const rows = ['id,device,reading,note'];
  for (let i = 0; i < 2000; i++) {
    const note = i % 10 === 0 ? `"multi\nline, ""quoted"" ${i}"` : i % 7 === 0 ? '' : `plain ${i}`;
    rows.push(`${i},dev-${i % 23},${(i * 1.5).toFixed(1)},${note}`);
  }
  return rows.join('\n') + '\n';
}

function deaggregate(records: ReadRecord[]): (ReadRecord & { sub: number })[] {
  const out: (ReadRecord & { sub: number })[] = [];
  for (const r of records) {
    referenceDeaggregate(r.data, r.partitionKey).forEach((u, sub) =>
      out.push({ ...r, partitionKey: u.partitionKey, data: u.data, sub }),
    );
  }
  return out;
}

function checkPerKeyOrder(records: ReadRecord[], keyOf: (o: Record<string, string>) => string): void {
  const byKey = new Map<string, { shards: Set<string>; ids: number[] }>();
  for (const r of records) {
    const o = JSON.parse(r.data.toString()) as Record<string, string>;
    const k = keyOf(o);
    expect(r.partitionKey).toBe(k);
    const e = byKey.get(k) ?? { shards: new Set(), ids: [] };
    e.shards.add(r.shardId);
    e.ids.push(Number(o.id));
    byKey.set(k, e);
  }
  for (const [, e] of byKey) {
    expect(e.shards.size).toBe(1);
    expect(e.ids).toEqual([...e.ids].sort((a, b) => a - b));
  }
}

describe('floe produce → kinesis-local (4 shards)', () => {
  it('delivers a CSV file record for record; one key, one shard, in order', async () => {
    await emu.createStream('csv-keyed', 4);
    const text = csvInput();
    writeFileSync(join(dir, 'readings.csv'), text);
    const r = await floe([
      'produce',
      'readings.csv',
      '--stream',
      'csv-keyed',
      '--partition-key',
      'device',
      '--json',
      '-q',
    ]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(summary).toMatchObject({ read: 2000, sent: 2000, failed: 0, bad: 0, shards: 4, error: null });

    const back = await readStream(emu.client, 'csv-keyed', 2000);
    expect(back.length).toBe(2000);
    // The expected objects from an independent CSV parser; empty cells are null on the wire.
    const expected = (parse(text, { columns: true }) as Record<string, string>[]).map((o) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === '' ? null : v])),
    );
    const got = back
      .map((b) => JSON.parse(b.data.toString()) as Record<string, unknown>)
      .sort((a, b) => Number(a.id) - Number(b.id));
    expect(got).toEqual(expected);
    expect(new Set(back.map((b) => b.shardId)).size).toBe(4);
    checkPerKeyOrder(back, (o) => o.device as string);
  });

  it('spreads gzipped NDJSON from stdin over all shards with the default keys', async () => {
    await emu.createStream('ndjson-default', 4);
    const lines = Array.from({ length: 1200 }, (_, i) =>
      JSON.stringify({ id: i, big: 12345678901234567890n.toString(), v: i / 3 }),
    );
    const r = await floe(
      ['produce', '-', '--stream', 'ndjson-default', '--json', '-q'],
      gzipSync(lines.join('\n')),
    );
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ read: 1200, sent: 1200, format: 'ndjson', input: 'stdin' });
    const back = await readStream(emu.client, 'ndjson-default', 1200);
    expect(back.map((b) => b.data.toString()).sort()).toEqual([...lines].sort());
    const perShard = new Map<string, number>();
    for (const b of back) perShard.set(b.shardId, (perShard.get(b.shardId) ?? 0) + 1);
    expect(perShard.size).toBe(4);
    for (const n of perShard.values()) expect(n).toBeGreaterThan(200);
  });

  it('--aggregate round-trips through the emulator and aws-kinesis-agg', async () => {
    await emu.createStream('agg', 4);
    const text = csvInput();
    writeFileSync(join(dir, 'agg.csv'), text);
    const r = await floe([
      'produce',
      'agg.csv',
      '--stream',
      'agg',
      '--aggregate',
      '--partition-key',
      'device',
      '--json',
      '-q',
    ]);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout) as { kinesisRecords: number; sent: number };
    expect(summary.sent).toBe(2000);
    expect(summary.kinesisRecords).toBeLessThanOrEqual(8);
    const raw = await readStream(emu.client, 'agg', summary.kinesisRecords);
    expect(raw.length).toBe(summary.kinesisRecords);
    const users = deaggregate(raw);
    expect(users.length).toBe(2000);
    const expected = (parse(text, { columns: true }) as Record<string, string>[]).map((o) =>
      Object.fromEntries(Object.entries(o).map(([k, v]) => [k, v === '' ? null : v])),
    );
    const got = users
      .map((u) => JSON.parse(u.data.toString()) as Record<string, unknown>)
      .sort((a, b) => Number(a.id) - Number(b.id));
    expect(got).toEqual(expected);
    checkPerKeyOrder(users, (o) => o.device as string);
  });

  it('stops at a malformed line with a message naming it, exit 1, after sending the rows before', async () => {
    await emu.createStream('bad', 1);
    writeFileSync(join(dir, 'bad.csv'), 'a,b\n1,2\n3,4,5\n6,7\n');
    const r = await floe(['produce', 'bad.csv', '--stream', 'bad', '-q']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(
      /^floe: .*bad\.csv line 3: 3 fields, but the header has 2 .*stopped reading$/,
    );
    expect(r.stdout).toMatch(/sent +1,/);
  });

  it('names a missing stream in one line, exit 1', async () => {
    writeFileSync(join(dir, 'x.csv'), 'a\n1\n');
    const r = await floe(['produce', 'x.csv', '--stream', 'no-such-stream']);
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^floe: stream "no-such-stream" not found/),
    ]);
  });
});
