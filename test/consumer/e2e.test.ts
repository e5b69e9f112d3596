/**
 * End to end, cross-process: `floe produce` (plain and KPL-aggregated) into a 4-shard stream on
 * kinesis-local, `floe consume --drain` into a file-catalog table, then PyIceberg and DuckDB
 * read exactly the produced rows (values compared). A second --drain adds no snapshot.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readWithBoth } from '../interop/readers.js';
import { startKinesisLocal, type Emulator } from '../setup/kinesis.js';
import { EVENT_SCHEMA, expectedRows, floe, logLines, ndjson, sortById } from './helpers.js';

const N = Number(process.env.FLOE_E2E_RECORDS ?? 10_000);
let emu: Emulator;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floe-consume-e2e-'));
  emu = await startKinesisLocal();
}, 120_000);
afterAll(async () => {
  await emu?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function tableDir(): string {
  return join(dir, 'warehouse', 'db', 'events');
}

function currentMetadata(): string {
  const hint = readFileSync(join(tableDir(), 'metadata', 'version-hint.text'), 'utf8').trim();
  return join(tableDir(), 'metadata', `v${hint}.metadata.json`);
}

describe('floe consume --drain on kinesis-local (4 shards)', () => {
  it(`lands ${N} produced records exactly once; PyIceberg and DuckDB read them; a second drain adds nothing`, async () => {
    await emu.createStream('events', 4);
    writeFileSync(join(dir, 'schema.json'), JSON.stringify(EVENT_SCHEMA));
    const half = Math.floor(N / 2);
    writeFileSync(join(dir, 'plain.ndjson'), ndjson(0, half));
    writeFileSync(join(dir, 'agg.ndjson'), ndjson(half, N));
    const [p1, p2] = await Promise.all([
      floe(['produce', 'plain.ndjson', '--stream', 'events', '-q', '--json'], {
        cwd: dir,
        endpoint: emu.endpoint,
      }),
      floe(['produce', 'agg.ndjson', '--stream', 'events', '--aggregate', '-q', '--json'], {
        cwd: dir,
        endpoint: emu.endpoint,
      }),
    ]);
    expect(p1.stderr + p2.stderr).toBe('');
    expect([p1.code, p2.code]).toEqual([0, 0]);

    const consumeArgs = [
      'consume',
      '--drain',
      '--stream',
      'events',
      '--table',
      'db.events',
      '--schema',
      'schema.json',
      '--warehouse',
      'warehouse',
      '--commit-interval',
      '1',
    ];
    const r = await floe(consumeArgs, { cwd: dir, endpoint: emu.endpoint });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const logs = logLines(r.stdout);
    expect(logs.every((l) => typeof l.component === 'string')).toBe(true);
    const audits = logs.filter((l) => l.audit === true);
    expect(audits.length).toBeGreaterThan(0);
    const written = audits.reduce((n, a) => n + (a.records as { written: number }).written, 0);
    expect(written).toBe(N);
    const last = audits[audits.length - 1] as { positions: Record<string, string>; snapshotId: string };
    expect(Object.keys(last.positions)).toHaveLength(4);

    const { pyiceberg, duckdb } = await readWithBoth(currentMetadata(), tableDir());
    const expected = expectedRows(Array.from({ length: N }, (_, i) => i));
    expect(sortById(pyiceberg.rows)).toEqual(expected);
    expect(sortById(duckdb.rows)).toEqual(expected);

    const metadata = readFileSync(currentMetadata(), 'utf8');
    const again = await floe(consumeArgs, { cwd: dir, endpoint: emu.endpoint });
    expect(again.code).toBe(0);
    expect(logLines(again.stdout).filter((l) => l.audit === true)).toHaveLength(0);
    expect(readFileSync(currentMetadata(), 'utf8')).toBe(metadata);
  }, 180_000);
});
