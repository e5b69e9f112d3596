/**
 * Crash test, as the proof asks: `floe consume` (rules, dedupe key, dead letters) is
 * killed with SIGKILL at least 20 times while it consumes a 4-shard stream of 200k records, and
 * restarted each time. The stream holds KPL-aggregated and plain records, duplicates (adjacent
 * and tens of thousands of records apart) and dirty records (undecodable JSON, a type error, two
 * rule violations). The final table holds every clean record exactly once, values compared, and
 * the committed dead letters hold every dirty record exactly once, with its reasons and its
 * stream position: nothing lost, nothing doubled.
 *
 * Where the kills land is steered, then checked. Round k waits until about k/(KILLS+4) of the
 * stream is committed (so the kills spread over the whole stream), then kills at one of four
 * moments in turn: at a random instant once it runs; while a data file is being written (its `.floe-tmp`
 * appears); once a data file is complete but not committed (its `.parquet` appears); right after
 * a commit (its audit line appears). After each kill the files on disk say where it really landed
 * (a temp file left = during a write; a complete data file the table does not reference = between
 * data files and commit; a commit in the table without its audit line, or an audit line just
 * before the kill = right after a commit), and the test requires each of the three moments.
 *
 * kinesalite, not kinesis-local: kinesis-local takes minutes to take 200k records and serves
 * GetRecords slowly; kinesalite takes seconds (FLOE_CRASH_EMULATOR=kinesis-local runs the test
 * there). The producer runs at --rate so that its aggregates fill for 100 ms (its linger) and hold
 * a few hundred records each, as the KPL's do with a short buffering time; with small GetRecords
 * pages and batches this makes dozens of commits, hence many points to kill at.
 */
import { existsSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FileCatalog } from '../../src/catalog/file/index.js';
import {
  listDeadLetterFiles,
  readCommittedDeadLetters,
  type DeadLetter,
} from '../../src/consumer/deadletter/index.js';
import { LocalFileIO } from '../../src/iceberg/io/index.js';
import { Table } from '../../src/iceberg/table/index.js';
import { startKinesalite, startKinesisLocal, type Emulator } from '../setup/kinesis.js';
import { emulatorPerFile } from '../support/emulator-per-file.js';
import {
  dirtyPositions,
  eventRecord,
  expectDeadLetters,
  floe,
  logLines,
  putPayloads,
  startFloe,
  streamPlan,
  writePlanFiles,
} from './helpers.js';

const N = Number(process.env.FLOE_CRASH_RECORDS ?? 200_000);
const KILLS = Number(process.env.FLOE_CRASH_KILLS ?? 20);
const PLAIN = Number(process.env.FLOE_CRASH_PLAIN ?? 4_000);
const BROKEN = 40;
/** FLOE_CRASH_EMULATOR=kinesis-local runs the same test on kinesis-local (minutes longer). */
const ON_KINESIS_LOCAL = process.env.FLOE_CRASH_EMULATOR === 'kinesis-local';
/** Each of the three moments the proof names must get at least this many kills. */
const PER_MOMENT = Math.max(1, Math.floor(KILLS / 8));
let emu: Emulator;
let dir: string;

emulatorPerFile('floe-consume-crash-', ON_KINESIS_LOCAL ? startKinesisLocal : startKinesalite, (e, d) => {
  emu = e;
  dir = d;
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

type Strategy = 'random' | 'write' | 'files' | 'commit';
const STRATEGIES: Strategy[] = ['random', 'write', 'files', 'commit'];

/** Where a kill landed, judged from the files it left. */
type Moment =
  | 'writing a data file'
  | 'writing dead letters'
  | 'data files written, not committed'
  | 'committing (metadata being written)'
  | 'commit landed, audit line not yet printed'
  | 'right after a commit (< 250 ms)'
  | 'reading (no flush in progress)'
  | 'starting up (before reading)';
const DURING_WRITES: Moment[] = ['writing a data file', 'writing dead letters'];
const BEFORE_COMMIT: Moment[] = ['data files written, not committed', 'committing (metadata being written)'];
const AFTER_COMMIT: Moment[] = [
  'commit landed, audit line not yet printed',
  'right after a commit (< 250 ms)',
];

function files(d: string): string[] {
  return existsSync(d) ? readdirSync(d, { recursive: true }).map(String) : [];
}

describe('kill -9 the consumer at random points', () => {
  it(
    `${KILLS}+ kills while consuming ${N} records: table and dead letters hold each record exactly once`,
    async () => {
      const plan = streamPlan({ records: N, plain: PLAIN, broken: BROKEN });
      await emu.createStream('crash', 4);
      writePlanFiles(dir, plan);
      const t0 = Date.now();
      const produced = await Promise.all([
        floe(['produce', 'agg.ndjson', '--stream', 'crash', '--aggregate', '--rate', '30000', '-q'], {
          cwd: dir,
          endpoint: emu.endpoint,
        }),
        // Spread over the same seconds, so the plain records sit among the aggregated ones.
        floe(['produce', 'plain.ndjson', '--stream', 'crash', '--rate', String(Math.ceil(PLAIN / 6)), '-q'], {
          cwd: dir,
          endpoint: emu.endpoint,
        }),
        putPayloads(emu.client, 'crash', plan.broken).then(() => ({ code: 0, stderr: '' })),
      ]);
      expect(produced.map((p) => p.stderr).join('')).toBe('');
      expect(produced.map((p) => p.code)).toEqual([0, 0, 0]);
      const t1 = Date.now();

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
        '--rules',
        'rules.json',
        '--dedupe-key',
        'id',
        '--dead-letter',
        'dlq',
        '--no-http',
        '--commit-interval',
        '1',
        // Small pages and batches, so that the stream takes dozens of commits.
        '--max-batch-records',
        '3000',
        '--max-buffer-bytes',
        '400000',
        '--records-per-call',
        // kinesis-local takes records more slowly than --rate asks, so its aggregates fill up to 1 MB.
        ON_KINESIS_LOCAL ? '1' : '10',
      ];
      const catalog = new FileCatalog({ warehouse: join(dir, 'warehouse') });
      const dataDir = join(dir, 'warehouse', 'db', 'crash', 'data');
      const metadataDir = join(dir, 'warehouse', 'db', 'crash', 'metadata');
      const dlqDir = join(dir, 'dlq');
      const lastLines: Record<string, number> = {};
      const moments: Record<string, number> = {};
      const log: string[] = [];
      let progress = 0; // records read by the commits so far (from the audit lines)
      let audits = 0; // audit lines seen, all runs
      let killed = 0;
      const count = (ms: Moment[]): number => ms.reduce((n, m) => n + (moments[m] ?? 0), 0);
      const covered = (): boolean =>
        count(DURING_WRITES) >= PER_MOMENT &&
        count(BEFORE_COMMIT) >= PER_MOMENT &&
        count(AFTER_COMMIT) >= PER_MOMENT;
      let round = 0;
      for (; round < KILLS * 3 && (killed < KILLS || !covered()); round++) {
        const before = {
          data: new Set(files(dataDir)),
          meta: new Set(files(metadataDir)),
          dlq: new Set(files(dlqDir)),
        };
        const run = startFloe(args, { cwd: dir, endpoint: emu.endpoint });
        let auditSeenAt = 0;
        run.child.stdout?.on('data', (d: Buffer) => {
          if (d.includes('"audit":true')) auditSeenAt = Date.now();
        });
        const runAudits = (): Record<string, unknown>[] =>
          logLines(run.output()).filter((l) => l.audit === true);
        const alive = (): boolean => run.child.exitCode === null && run.child.signalCode === null;
        const startedAt = Date.now();
        const deadline = startedAt + 45_000;
        // Steer: spread the kills over the stream, then aim at this round's moment.
        // (Rounds beyond KILLS, still looking for a moment not yet hit, stay short of the end.)
        const target = (Math.min(killed + 1, KILLS) / (KILLS + 4)) * plan.sent;
        const strategy = STRATEGIES[round % STRATEGIES.length] as Strategy;
        const committed = (): number =>
          progress + runAudits().reduce((n, a) => n + (a.records as { read: number }).read, 0);
        while (alive() && Date.now() < deadline && committed() < target) await sleep(5);
        if (strategy === 'random') {
          while (alive() && Date.now() < deadline && !run.output().includes('consumer started'))
            await sleep(5);
          await sleep(Math.random() * 1500);
        } else {
          const seen = runAudits().length;
          const base = new Set(files(dataDir));
          const fresh = (suffix: string): boolean =>
            files(dataDir).some((f) => f.endsWith(suffix) && !base.has(f));
          const until = Date.now() + 8000;
          while (alive() && Date.now() < until) {
            if (strategy === 'commit' && runAudits().length > seen) break;
            if (strategy === 'write' && fresh('.floe-tmp')) break;
            if (strategy === 'files' && fresh('.parquet') && runAudits().length === seen) break;
            await sleep(2);
          }
        }
        const seenAudits = runAudits().length;
        const lines = logLines(run.output());
        const lastMsg = (lines[lines.length - 1]?.msg as string | undefined) ?? 'none';
        const lastIsAudit = lines[lines.length - 1]?.audit === true;
        const killAt = Date.now();
        run.child.kill('SIGKILL');
        const r = await run.done;
        const runCommits = logLines(r.stdout).filter((l) => l.audit === true);
        progress += runCommits.reduce((n, a) => n + (a.records as { read: number }).read, 0);
        audits += runCommits.length;
        if (r.signal !== 'SIGKILL') {
          if (r.code === 0) break; // drained before the kill: nothing left to crash on
          throw new Error(`consumer failed: ${r.code}\n${r.stderr}\n${r.stdout.slice(-3000)}`);
        }
        killed++;
        lastLines[lastMsg] = (lastLines[lastMsg] ?? 0) + 1;

        // Where did it land? The files left behind tell.
        const table = (await catalog.tableExists({ namespace: ['db'], name: 'crash' }))
          ? await Table.load(catalog, { namespace: ['db'], name: 'crash' })
          : undefined;
        const referenced = new Set(
          (await (table?.planFiles() ?? Promise.resolve([]))).map((p) => basename(p.dataFile.filePath)),
        );
        const newData = files(dataDir).filter((f) => !before.data.has(f));
        const newMeta = files(metadataDir).filter((f) => !before.meta.has(f));
        const newDlq = files(dlqDir).filter((f) => !before.dlq.has(f));
        const snapshots = table?.metadata.snapshots.length ?? 0;
        let moment: Moment;
        if (newData.some((f) => f.endsWith('.floe-tmp'))) moment = 'writing a data file';
        else if (newDlq.some((f) => f.includes('.floe-tmp'))) moment = 'writing dead letters';
        else if (snapshots > audits) moment = 'commit landed, audit line not yet printed';
        else if (newData.some((f) => f.endsWith('.parquet') && !referenced.has(basename(f))))
          moment = 'data files written, not committed';
        else if (newMeta.some((f) => f.includes('.floe-tmp'))) moment = 'committing (metadata being written)';
        else if (lastIsAudit && seenAudits > 0 && killAt - auditSeenAt < 250)
          moment = 'right after a commit (< 250 ms)';
        else if (lines.some((l) => l.msg === 'consumer started')) moment = 'reading (no flush in progress)';
        else moment = 'starting up (before reading)';
        moments[moment] = (moments[moment] ?? 0) + 1;
        // A commit without its audit line still counts towards the progress.
        if (snapshots > audits) audits = snapshots;
        log.push(`${round} ${strategy} @${Math.round(target)}: ${moment} after ${killAt - startedAt} ms`);
        if (process.env.FLOE_CRASH_DEBUG) console.log(log[log.length - 1], lastMsg);
      }
      const t2 = Date.now();
      console.log(
        `crash test: ${killed} kills in ${round} rounds; where they landed: ${JSON.stringify(moments)}; ` +
          `last log line before each kill: ${JSON.stringify(lastLines)}`,
      );
      expect(killed).toBeGreaterThanOrEqual(KILLS);
      expect(count(DURING_WRITES), log.join('\n')).toBeGreaterThanOrEqual(PER_MOMENT);
      expect(count(BEFORE_COMMIT), log.join('\n')).toBeGreaterThanOrEqual(PER_MOMENT);
      expect(count(AFTER_COMMIT), log.join('\n')).toBeGreaterThanOrEqual(PER_MOMENT);
      // The kills spread over the stream: most of it was committed by killed runs.
      expect(progress).toBeGreaterThan(plan.sent / 2);

      // The last run at full speed: the pacing flags only served to spread the kills.
      const final = await floe(args.slice(0, -6), { cwd: dir, endpoint: emu.endpoint });
      expect(final.stderr).toBe('');
      expect(final.code).toBe(0);
      const t3 = Date.now();

      const table = await Table.load(catalog, { namespace: ['db'], name: 'crash' });
      const rows = (await table.readRows()).sort((a, b) => Number(a.id) - Number(b.id));
      expect(rows.map((r) => Number(r.id))).toEqual(plan.goodIds);
      const wrong = rows.filter((r) => {
        const want = eventRecord(Number(r.id)).canonical;
        return want.name !== r.name || want.ts !== String(r.ts) || want.amount !== r.amount;
      });
      expect(wrong.slice(0, 5)).toEqual([]);
      expect(table.metadata.snapshots.length).toBeGreaterThan(10);

      const dl = { io: new LocalFileIO(), location: dlqDir, table: 'db.crash', metadata: table.metadata };
      const letters: DeadLetter[] = [];
      for await (const l of readCommittedDeadLetters(dl)) letters.push(l);
      expectDeadLetters(letters, {
        stream: 'crash',
        dirtyTags: plan.dirtyTags,
        where: await dirtyPositions(emu.client, 'crash'),
        snapshotIds: new Set(table.metadata.snapshots.map((s) => s.snapshotId.toString())),
      });
      const listing = await listDeadLetterFiles(dl);
      console.log(
        `crash test: ${plan.sent} records (${PLAIN} plain, ${plan.duplicates} duplicates, ${plan.dirtyTags.length} dirty); ` +
          `produce ${t1 - t0} ms, ${killed} killed runs ${t2 - t1} ms, final run ${t3 - t2} ms, ` +
          `checks ${Date.now() - t3} ms; ${table.metadata.snapshots.length} snapshots; ` +
          `${letters.length} dead letters in ${listing.committed.length} committed files, ` +
          `${listing.uncommitted.length} uncommitted leftovers of killed runs ignored`,
      );
    },
    ON_KINESIS_LOCAL ? 900_000 : 300_000,
  );
});
