/**
 * Crash test: `floe consume` is killed with SIGKILL at random instants (while reading, writing
 * data files, committing, right after a commit) at least 20 times while it consumes a 4-shard
 * stream of plain and KPL-aggregated records, and restarted each time. The final table holds
 * every good record exactly once, and the committed dead letters hold every bad one (undecodable
 * JSON, a type error, two rule violations) exactly once, with its reasons and its stream position:
 * nothing lost, nothing doubled.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PutRecordsCommand } from '@aws-sdk/client-kinesis';
import { FileCatalog } from '../../src/catalog/file/index.js';
import { listDeadLetterFiles, readCommittedDeadLetters } from '../../src/consumer/deadletter/index.js';
import { LocalFileIO } from '../../src/iceberg/io/index.js';
import { Table } from '../../src/iceberg/table/index.js';
import { deaggregate } from '../../src/records/kpl.js';
import { readStream, startKinesisLocal, type Emulator } from '../setup/kinesis.js';
import { EVENT_RULES, EVENT_SCHEMA, badRecord, floe, logLines, ndjsonWithBad, startFloe } from './helpers.js';

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
/** About 1% of the produced records are bad (they go through `floe produce`, plain and aggregated). */
const isBad = (i: number): boolean => i % 97 === 13;
/** Payloads that are not JSON at all (the producer would refuse them): put with the SDK. */
const BROKEN = 40;
const brokenPayload = (j: number): string => `{"id": ${j}, "name": "bad-broken-${j}"`;

describe('kill -9 the consumer at random points', () => {
  it(`${KILLS} kills while consuming ${N} records: the final table holds each record exactly once`, async () => {
    await emu.createStream('crash', 4);
    writeFileSync(join(dir, 'schema.json'), JSON.stringify(EVENT_SCHEMA));
    const half = Math.floor((N * 3) / 4);
    writeFileSync(join(dir, 'rules.json'), JSON.stringify(EVENT_RULES));
    writeFileSync(join(dir, 'plain.ndjson'), ndjsonWithBad(0, half, isBad));
    writeFileSync(join(dir, 'agg.ndjson'), ndjsonWithBad(half, N, isBad));
    const broken = (async () => {
      for (let j = 0; j < BROKEN; j += 10) {
        const Records = Array.from({ length: 10 }, (_, k) => ({
          PartitionKey: `broken-${j + k}`,
          Data: Buffer.from(brokenPayload(j + k)),
        }));
        const r = await emu.client.send(new PutRecordsCommand({ StreamName: 'crash', Records }));
        expect(r.FailedRecordCount ?? 0).toBe(0);
      }
      return { code: 0 };
    })();
    const produced = await Promise.all([
      broken,
      floe(['produce', 'plain.ndjson', '--stream', 'crash', '-q'], { cwd: dir, endpoint: emu.endpoint }),
      floe(['produce', 'agg.ndjson', '--stream', 'crash', '--aggregate', '-q'], {
        cwd: dir,
        endpoint: emu.endpoint,
      }),
    ]);
    expect(produced.map((p) => p.code)).toEqual([0, 0, 0]);

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
      '--rules',
      'rules.json',
      '--dead-letter',
      'dlq',
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
      // Every other round first waits for a commit of its own, so that kills also land right after
      // commits and the run makes progress even when a loaded machine starts the process slowly.
      if (round % 2 === 1)
        while (!run.output().includes('"audit":true') && Date.now() < deadline && run.child.exitCode === null)
          await sleep(20);
      await sleep(Math.random() * (round % 2 === 1 ? 1000 : 2000));
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
    const good = Array.from({ length: N }, (_, i) => i).filter((i) => !isBad(i));
    expect(ids.length).toBe(good.length);
    expect(ids).toEqual(good);
    expect(table.metadata.snapshots.length).toBeGreaterThan(3);

    // Where each bad record sits in the stream (shard, sequence number, sub-sequence if aggregated).
    const where = new Map<string, { shard: string; seq: string; sub: number | null }>();
    const tagOf = (raw: string): string => /bad-(broken-)?\d+/.exec(raw)?.[0] ?? `untagged: ${raw}`;
    for (const rec of await readStream(emu.client, 'crash')) {
      const users = deaggregate(rec.data);
      const parts = users ? users.map((u, sub) => ({ data: u.data, sub })) : [{ data: rec.data, sub: null }];
      for (const u of parts) {
        const text = Buffer.from(u.data).toString('utf8');
        if (text.includes('"bad-'))
          where.set(tagOf(text), { shard: rec.shardId, seq: rec.sequenceNumber, sub: u.sub });
      }
    }
    const expectedTags = [
      ...Array.from({ length: N }, (_, i) => i)
        .filter(isBad)
        .map((i) => `bad-${i}`),
      ...Array.from({ length: BROKEN }, (_, j) => `bad-broken-${j}`),
    ].sort();
    expect([...where.keys()].sort()).toEqual(expectedTags);

    // Committed dead letters: each bad record exactly once, with its reasons and position.
    const dl = {
      io: new LocalFileIO(),
      location: join(dir, 'dlq'),
      table: 'db.crash',
      metadata: table.metadata,
    };
    const letters = [];
    for await (const l of readCommittedDeadLetters(dl)) letters.push(l);
    const tags = letters.map((l) => tagOf(l.raw)).sort();
    expect(tags).toEqual(expectedTags); // none lost, none doubled, nothing else
    for (const l of letters) {
      const tag = tagOf(l.raw);
      expect({ stream: l.stream, shard: l.shard, seq: l.sequenceNumber, sub: l.subSequenceNumber }).toEqual({
        stream: 'crash',
        shard: where.get(tag)?.shard,
        seq: where.get(tag)?.seq,
        sub: where.get(tag)?.sub,
      });
      const m = /^bad-(\d+)$/.exec(tag);
      expect(l.reasons.length, `${tag}: ${l.reasons.join('; ')}`).toBe(
        m ? badRecord(Number(m[1])).reasons : 1,
      );
      expect(table.metadata.snapshots.some((s) => s.snapshotId.toString() === l.snapshotId)).toBe(true);
    }
    const listing = await listDeadLetterFiles(dl);
    console.log(
      `crash test: ${letters.length} dead letters in ${listing.committed.length} committed files; ` +
        `${listing.uncommitted.length} uncommitted leftovers of killed runs ignored`,
    );
  }, 300_000);
});
