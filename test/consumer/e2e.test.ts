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

/**
 * 50k by default: the issue asks for 100k, which passes (FLOE_E2E_RECORDS=100000) but took 173 s
 * on the shared 2-core machine (load ~15: produce 128 s, drain 24 s, readers 9 s), against 87 s
 * for 50k at load ~12 (produce 39 s, drain 18 s, readers 9 s). kinesis-local is the bottleneck.
 */
const N = Number(process.env.FLOE_E2E_RECORDS ?? 50_000);
/**
 * The share of records put one per Kinesis record; the rest go KPL-aggregated. kinesis-local's
 * PutRecords slows down as a stream fills (20k plain records took 12 s, 50k took 59 s on the
 * 2-core CI machine), so 100k plain records would not fit the test's budget.
 */
const PLAIN_SHARE = Number(process.env.FLOE_E2E_PLAIN_SHARE ?? 0.2);
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
    const t0 = Date.now();
    const plain = Math.floor(N * PLAIN_SHARE);
    writeFileSync(join(dir, 'plain.ndjson'), ndjson(0, plain));
    writeFileSync(join(dir, 'agg.ndjson'), ndjson(plain, N));
    // One after the other: kinesis-local moves only a few hundred KB/s, and two producers at once
    // left PutRecords calls waiting past the SDK's 60 s request timeout.
    const p1 = await floe(['produce', 'plain.ndjson', '--stream', 'events', '-q', '--json'], {
      cwd: dir,
      endpoint: emu.endpoint,
    });
    const p2 = await floe(['produce', 'agg.ndjson', '--stream', 'events', '--aggregate', '-q', '--json'], {
      cwd: dir,
      endpoint: emu.endpoint,
    });
    expect(p1.stderr + p2.stderr).toBe('');
    expect([p1.code, p2.code]).toEqual([0, 0]);
    const t1 = Date.now();

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
    const t2 = Date.now();
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
    const t3 = Date.now();
    console.log(
      `e2e ${N}: produce ${t1 - t0} ms, consume --drain ${t2 - t1} ms, PyIceberg+DuckDB ${t3 - t2} ms`,
    );
    const expected = expectedRows(Array.from({ length: N }, (_, i) => i));
    expect(sortById(pyiceberg.rows)).toEqual(expected);
    expect(sortById(duckdb.rows)).toEqual(expected);

    const metadata = readFileSync(currentMetadata(), 'utf8');
    const again = await floe(consumeArgs, { cwd: dir, endpoint: emu.endpoint });
    expect(again.code).toBe(0);
    expect(logLines(again.stdout).filter((l) => l.audit === true)).toHaveLength(0);
    expect(readFileSync(currentMetadata(), 'utf8')).toBe(metadata);
  }, 300_000);
});
