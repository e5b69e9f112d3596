/**
 * The HTTP server inside a real `floe consume` (in-process runConsume) on kinesis-local: NDJSON
 * goes in through POST /api/v1/ingest (with an API key from FLOE_API_KEYS), the job is polled to
 * COMMITTED, its snapshot id is one of the table's snapshots, PyIceberg and DuckDB read exactly
 * the sent rows, and /metrics counts them as written. Twice: with ingest aggregation on (the
 * default: the records travel as KPL aggregates, far fewer Kinesis records than rows) and off
 * (one Kinesis record per row; a second server with `aggregate: false` on the same running
 * consumer, since `floe consume` builds its ingest options itself).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../src/cli/args.js';
import { consumeSettings, consumeSpec, runConsume } from '../../src/cli/consume.js';
import type { CliContext } from '../../src/cli/context.js';
import type { Consumer } from '../../src/consumer/index.js';
import { createKinesisClient, sdkKinesisApi } from '../../src/producer/index.js';
import { startHttpServer, type HttpServer } from '../../src/server/index.js';
import { EVENT_SCHEMA, expectedRows, ndjson, sortById } from '../consumer/helpers.js';
import { readWithBoth } from '../interop/readers.js';
import { kinesisEnv, startKinesisLocal, type Emulator } from '../setup/kinesis.js';
import { emulatorPerFile } from '../support/emulator-per-file.js';

const KEY = 'e2e-test-key-0123456789';
let emu: Emulator;
let dir: string;

emulatorPerFile('floe-http-e2e-', startKinesisLocal, (e, d) => {
  emu = e;
  dir = d;
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('HTTP ingest into a running consumer on kinesis-local', () => {
  it.each([
    { aggregate: true, stream: 'events' },
    { aggregate: false, stream: 'events-plain' },
  ])(
    'ingests NDJSON (aggregate: $aggregate), reports COMMITTED with the table snapshot, and the rows are in the table',
    async ({ aggregate, stream }) => {
      await emu.createStream(stream, 2);
      writeFileSync(join(dir, 'schema.json'), JSON.stringify(EVENT_SCHEMA));
      const stdout = new PassThrough();
      let out = '';
      stdout.on('data', (d: Buffer) => (out += d.toString()));
      const ctx: CliContext = {
        stdout,
        stderr: new PassThrough(),
        stdin: Readable.from([]),
        env: { ...kinesisEnv(emu.endpoint), FLOE_API_KEYS: `other,${KEY}` },
        cwd: dir,
      };
      const args = parseCommandArgs(consumeSpec, [
        '--stream',
        stream,
        '--table',
        `db.${stream.replace('-', '_')}`,
        '--schema',
        'schema.json',
        '--warehouse',
        'warehouse',
        '--commit-interval',
        '1',
        '--http-port',
        '0',
      ]);
      const settings = await consumeSettings(ctx, args);
      let consumer: Consumer | undefined;
      let resolveServer: (s: HttpServer) => void = () => undefined;
      const started = new Promise<HttpServer>((r) => (resolveServer = r));
      const run = runConsume(ctx, settings, {
        signals: false,
        readerIdleMs: 50,
        onStarted: (c) => (consumer = c),
        onHttpStarted: (s) => resolveServer(s),
      });
      run.catch(() => undefined);
      const consumeServer = await Promise.race([
        started,
        run.then((code) => {
          throw new Error(`consume ended early (${code}): ${out}`);
        }),
      ]);
      const auth = { authorization: `Bearer ${KEY}` };
      const putApi = aggregate
        ? undefined
        : sdkKinesisApi(createKinesisClient({ endpoint: emu.endpoint, env: ctx.env, maxSockets: 16 }));
      const server = putApi
        ? await startHttpServer({
            consumer: consumer!,
            port: 0,
            apiKeys: [KEY],
            ingest: { api: putApi, aggregate: false },
          })
        : consumeServer;
      const table = `db.${stream.replace('-', '_')}`;
      try {
        const N = 300;
        const noKey = await fetch(`${server.url}/api/v1/ingest?table=${table}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson' },
          body: ndjson(0, N),
        });
        expect(noKey.status).toBe(401);
        const r = await fetch(`${server.url}/api/v1/ingest?table=${table}`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-ndjson', ...auth },
          body: ndjson(0, N),
        });
        expect(r.status).toBe(202);
        const { jobId, records } = (await r.json()) as { jobId: string; records: number };
        expect(records).toBe(N);

        const states: string[] = [];
        let status: Record<string, unknown> = {};
        const deadline = Date.now() + 60_000;
        while (Date.now() < deadline) {
          status = (await (
            await fetch(`${server.url}/api/v1/status/${jobId}`, { headers: auth })
          ).json()) as Record<string, unknown>;
          if (states[states.length - 1] !== status.state) states.push(status.state as string);
          if (status.state === 'COMMITTED' || status.state === 'FAILED') break;
          await sleep(50);
        }
        expect(status.state).toBe('COMMITTED');
        expect(states.filter((s) => s !== 'ACCEPTED' && s !== 'IN_STREAM')).toEqual(['COMMITTED']);
        const seqs = status.sequenceNumbers as Record<string, string>;
        expect(Object.keys(seqs).sort()).toEqual(['shardId-000000000000', 'shardId-000000000001']);

        if (aggregate) {
          // Aggregates shared by the job's records: a sub-sequence number per shard.
          const subs = status.subSequenceNumbers as Record<string, number>;
          expect(Object.keys(subs).sort()).toEqual(Object.keys(seqs).sort());
          expect(Math.max(...Object.values(subs))).toBeGreaterThan(0);
        } else expect(status.subSequenceNumbers).toBeUndefined();

        const tableDir = join(dir, 'warehouse', 'db', stream.replace('-', '_'));
        const hint = readFileSync(join(tableDir, 'metadata', 'version-hint.text'), 'utf8').trim();
        const metadataPath = join(tableDir, 'metadata', `v${hint}.metadata.json`);
        const metadata = readFileSync(metadataPath, 'utf8');
        // The job's snapshot is one of the table's, and its summary's positions cover the job.
        const m = new RegExp(`"snapshot-id"\\s*:\\s*${status.snapshotId as string}\\b`).exec(metadata);
        expect(m).not.toBeNull();

        const { pyiceberg, duckdb } = await readWithBoth(metadataPath, tableDir);
        const expected = expectedRows(Array.from({ length: N }, (_, i) => i));
        expect(sortById(pyiceberg.rows)).toEqual(expected);
        expect(sortById(duckdb.rows)).toEqual(expected);

        const metrics = await (await fetch(`${server.url}/metrics`, { headers: auth })).text();
        expect(metrics).toContain(`floe_records_written_total{table="${table}"} ${N}`);
        expect(metrics).toContain(`floe_ingest_records_total{table="${table}",outcome="sent"} ${N}`);
        expect(metrics).toMatch(new RegExp(`floe_commit_duration_seconds_count\\{table="${table}"\\} [1-9]`));
        // What the stream stored: with aggregation a handful of Kinesis records (one per shard per
        // linger window), without it one per row.
        const kinesisRecords = Number(
          new RegExp(`floe_kinesis_records_read_total\\{table="${table}"\\} (\\d+)`).exec(metrics)?.[1],
        );
        if (aggregate) expect(kinesisRecords).toBeLessThanOrEqual(10);
        else expect(kinesisRecords).toBe(N);
        const ready = (await (await fetch(`${consumeServer.url}/ready`)).json()) as {
          ready: boolean;
          catalog: string;
        };
        expect(ready).toMatchObject({ ready: true, catalog: 'ok' });
        expect(out).toContain(`HTTP API and dashboard: ${consumeServer.url}/dashboard/`);
        expect(out).not.toContain(KEY);
      } finally {
        if (putApi) {
          await server.close();
          putApi.close();
        }
        await consumer?.stop();
      }
      expect(await run).toBe(0);
      // runConsume closed the server on the way out.
      await expect(fetch(`${consumeServer.url}/health`)).rejects.toThrow();
    },
    180_000,
  );
});
