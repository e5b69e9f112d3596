/**
 * Crash test: `floe consume` is killed with SIGKILL at random instants (while reading, writing
 * data files, committing, right after a commit) at least 20 times while it consumes a 4-shard
 * stream of plain and KPL-aggregated records, and restarted each time. The final table holds
 * every produced record exactly once: nothing lost, nothing doubled.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FileCatalog } from '../../src/catalog/file/index.js';
import { Table } from '../../src/iceberg/table/index.js';
import { startKinesisLocal, type Emulator } from '../setup/kinesis.js';
import { EVENT_SCHEMA, floe, logLines, ndjson, startFloe } from './helpers.js';

const N = Number(process.env.FLOE_CRASH_RECORDS ?? 12_000);
const KILLS = Number(process.env.FLOE_CRASH_KILLS ?? 20);
let emu: Emulator;
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'floe-consume-crash-'));
  emu = await startKinesisLocal();
}, 120_000);
afterAll(async () => {
  await emu?.stop();
  rmSync(dir, { recursive: true, force: true });
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('kill -9 the consumer at random points', () => {
  it(`${KILLS} kills while consuming ${N} records: the final table holds each record exactly once`, async () => {
    await emu.createStream('crash', 4);
    writeFileSync(join(dir, 'schema.json'), JSON.stringify(EVENT_SCHEMA));
    const half = Math.floor((N * 3) / 4);
    writeFileSync(join(dir, 'plain.ndjson'), ndjson(0, half));
    writeFileSync(join(dir, 'agg.ndjson'), ndjson(half, N));
    const produced = await Promise.all([
      floe(['produce', 'plain.ndjson', '--stream', 'crash', '-q'], { cwd: dir, endpoint: emu.endpoint }),
      floe(['produce', 'agg.ndjson', '--stream', 'crash', '--aggregate', '-q'], {
        cwd: dir,
        endpoint: emu.endpoint,
      }),
    ]);
    expect(produced.map((p) => p.code)).toEqual([0, 0]);

    // Small batches and small GetRecords pages (~300 records/s) so that the stream takes many runs and commits.
    const args = [
      'consume',
      '--drain',
      '--stream',
      'crash',
      '--table',
      'db.crash',
      '--schema',
      'schema.json',
      '--warehouse',
      'warehouse',
      '--commit-interval',
      '1',
      '--max-batch-records',
      '200',
      '--records-per-call',
      '15',
    ];
    const catalog = new FileCatalog({ warehouse: join(dir, 'warehouse') });
    const phases: Record<string, number> = {};
    let killed = 0;
    let commitsBeforeKills = 0;
    for (let round = 0; round < KILLS * 3 && killed < KILLS; round++) {
      const run = startFloe(args, { cwd: dir, endpoint: emu.endpoint });
      // Wait for the consumer to be up, then kill at a random instant.
      const deadline = Date.now() + 20_000;
      while (
        !run.output().includes('consumer started') &&
        Date.now() < deadline &&
        run.child.exitCode === null
      )
        await sleep(20);
      await sleep(Math.random() * 2000);
      const lines = logLines(run.output());
      const lastMsg = (lines[lines.length - 1]?.msg as string | undefined) ?? 'none';
      run.child.kill('SIGKILL');
      const r = await run.done;
      if (process.env.FLOE_CRASH_DEBUG)
        console.log(round, Date.now(), r.signal, r.code, lastMsg, lines.length);
      if (r.signal === 'SIGKILL') {
        killed++;
        phases[lastMsg] = (phases[lastMsg] ?? 0) + 1;
        commitsBeforeKills += lines.filter((l) => l.audit === true).length;
      } else if (r.code === 0)
        break; // drained before the kill: nothing left to crash on
      else throw new Error(`consumer failed: ${r.code}\n${r.stderr}\n${r.stdout.slice(-3000)}`);
    }
    expect(killed).toBeGreaterThanOrEqual(KILLS);
    // Kills must have landed mid-stream, with commits between them.
    expect(commitsBeforeKills).toBeGreaterThan(0);
    console.log(`crash test: ${killed} kills; last log line before each kill: ${JSON.stringify(phases)}`);

    // The last run at full speed: the pacing flags only served to spread the kills.
    const final = await floe(args.slice(0, -4), { cwd: dir, endpoint: emu.endpoint });
    expect(final.stderr).toBe('');
    expect(final.code).toBe(0);

    const table = await Table.load(catalog, { namespace: ['db'], name: 'crash' });
    const ids = (await table.readRows({ select: ['id'] })).map((r) => Number(r.id)).sort((a, b) => a - b);
    expect(ids.length).toBe(N);
    expect(ids).toEqual(Array.from({ length: N }, (_, i) => i));
    expect(table.metadata.snapshots.length).toBeGreaterThan(3);
  }, 300_000);
});
