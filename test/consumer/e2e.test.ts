/**
 * End to end, cross-process, as the proof asks: `floe produce` puts 100k records, with
 * duplicates and dirty rows, into a 4-shard stream on kinesis-local (most KPL-aggregated, some
 * plain, plus undecodable payloads put with the SDK); `floe consume --drain` with the rules, a
 * dedupe key and a dead-letter location lands them; PyIceberg and DuckDB's iceberg extension read
 * exactly the clean, deduplicated rows (values compared); the dead-letter files hold exactly the
 * dirty records, each once, with its reasons and stream position. A second --drain adds nothing.
 *
 * Time: kinesis-local costs per Kinesis record, more so as a shard fills (after 80k aggregated
 * records, 20k plain ones took 90 s at load ~10; 4k take ~15 s), and ~2 s per MB whatever the
 * record count (80k aggregated records, 6.9 MB in 8 Kinesis records, took 15 s). So 4k records go
 * plain and the rest KPL-aggregated. Measured on the shared 2-core machine: 88 s at load ~5
 * (produce 32 s, drain 25 s, PyIceberg+DuckDB 8 s, dead-letter check 13 s, second drain 2 s),
 * 149 s at load ~8.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  listDeadLetterFiles,
  readDeadLetterFile,
  type DeadLetter,
} from '../../src/consumer/deadletter/index.js';
import { FileCatalog } from '../../src/catalog/file/index.js';
import { LocalFileIO } from '../../src/iceberg/io/index.js';
import { Table } from '../../src/iceberg/table/index.js';
import { readWithBoth } from '../interop/readers.js';
import { startKinesisLocal, type Emulator } from '../setup/kinesis.js';
import { emulatorPerFile } from '../support/emulator-per-file.js';
import {
  dirtyPositions,
  expectDeadLetters,
  expectedRows,
  floe,
  logLines,
  putPayloads,
  sortById,
  streamPlan,
  writePlanFiles,
} from './helpers.js';

const N = Number(process.env.FLOE_E2E_RECORDS ?? 100_000);
/** Records sent one per Kinesis record (the rest go KPL-aggregated). */
const PLAIN = Number(process.env.FLOE_E2E_PLAIN ?? 4_000);
const BROKEN = 60;
let emu: Emulator;
let dir: string;

emulatorPerFile('floe-consume-e2e-', startKinesisLocal, (e, d) => {
  emu = e;
  dir = d;
});

function tableDir(): string {
  return join(dir, 'warehouse', 'db', 'events');
}

function currentMetadata(): string {
  const hint = readFileSync(join(tableDir(), 'metadata', 'version-hint.text'), 'utf8').trim();
  return join(tableDir(), 'metadata', `v${hint}.metadata.json`);
}

interface Audit {
  snapshotId: string;
  positions: Record<string, string>;
  records: { read: number; written: number; rejected: number; deduped: number };
}

describe('floe consume --drain on kinesis-local (4 shards)', () => {
  it(`lands ${N} records with duplicates and dirty rows: clean deduped rows in the table, dirty ones in the dead letters`, async () => {
    const plan = streamPlan({ records: N, plain: PLAIN, broken: BROKEN });
    expect(plan.sent).toBe(N);
    expect(plan.nearDuplicates).toBeGreaterThan(0);
    expect(plan.farDuplicates).toBeGreaterThan(0);
    await emu.createStream('events', 4);
    writePlanFiles(dir, plan);
    const t0 = Date.now();
    // One after the other: kinesis-local is slow, and two producers at once left PutRecords calls
    // waiting past the SDK's request timeout.
    const p1 = await floe(['produce', 'agg.ndjson', '--stream', 'events', '--aggregate', '-q'], {
      cwd: dir,
      endpoint: emu.endpoint,
    });
    const tAgg = Date.now();
    const p2 = await floe(['produce', 'plain.ndjson', '--stream', 'events', '-q'], {
      cwd: dir,
      endpoint: emu.endpoint,
    });
    await putPayloads(emu.client, 'events', plan.broken);
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
      '--rules',
      'rules.json',
      '--dedupe-key',
      'id',
      '--dead-letter',
      'dlq',
      '--warehouse',
      'warehouse',
      '--commit-interval',
      '1',
      '--no-http',
    ];
    const r = await floe(consumeArgs, { cwd: dir, endpoint: emu.endpoint });
    const t2 = Date.now();
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const logs = logLines(r.stdout);
    expect(logs.every((l) => typeof l.component === 'string')).toBe(true);
    const audits = logs.filter((l) => l.audit === true) as unknown as Audit[];
    expect(audits.length).toBeGreaterThan(0);
    const sum = (k: keyof Audit['records']): number => audits.reduce((n, a) => n + a.records[k], 0);
    expect({
      read: sum('read'),
      written: sum('written'),
      rejected: sum('rejected'),
      deduped: sum('deduped'),
    }).toEqual({
      read: N,
      written: plan.goodIds.length,
      rejected: plan.dirtyTags.length,
      deduped: plan.duplicates,
    });
    expect(Object.keys(audits[audits.length - 1]!.positions)).toHaveLength(4);

    const { pyiceberg, duckdb } = await readWithBoth(currentMetadata(), tableDir());
    const t3 = Date.now();
    const expected = expectedRows(plan.goodIds);
    expect(sortById(pyiceberg.rows)).toEqual(expected);
    expect(sortById(duckdb.rows)).toEqual(expected);

    // The dead-letter output as written: every file committed, together exactly the dirty records.
    const metadata = readFileSync(currentMetadata(), 'utf8');
    const table = await Table.load(new FileCatalog({ warehouse: join(dir, 'warehouse') }), {
      namespace: ['db'],
      name: 'events',
    });
    expect(table.metadata.snapshots.map((s) => s.snapshotId.toString())).toEqual(
      audits.map((a) => a.snapshotId),
    );
    const io = new LocalFileIO();
    const listing = await listDeadLetterFiles({
      io,
      location: join(dir, 'dlq'),
      table: 'db.events',
      metadata: table.metadata,
    });
    expect(listing.uncommitted).toEqual([]);
    const letters: DeadLetter[] = [];
    for (const f of listing.committed) letters.push(...(await readDeadLetterFile(io, f.path)));
    expectDeadLetters(letters, {
      stream: 'events',
      dirtyTags: plan.dirtyTags,
      where: await dirtyPositions(emu.client, 'events'),
      snapshotIds: new Set(audits.map((a) => a.snapshotId)),
    });
    const t4 = Date.now();
    console.log(
      `e2e ${N} records (${PLAIN} plain, ${plan.duplicates} duplicates, ${plan.dirtyTags.length} dirty): ` +
        `produce ${t1 - t0} ms (aggregated ${tAgg - t0} ms), consume --drain ${t2 - t1} ms (${audits.length} commits), ` +
        `PyIceberg+DuckDB ${t3 - t2} ms, dead letters checked ${t4 - t3} ms`,
    );

    const again = await floe(consumeArgs, { cwd: dir, endpoint: emu.endpoint });
    expect(again.code).toBe(0);
    expect(logLines(again.stdout).filter((l) => l.audit === true)).toHaveLength(0);
    expect(readFileSync(currentMetadata(), 'utf8')).toBe(metadata);
    console.log(`e2e: second drain ${Date.now() - t4} ms`);
  }, 300_000);
});
