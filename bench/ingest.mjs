#!/usr/bin/env node
/**
 * HTTP API benchmark: requests/s of the consumer's HTTP server (dist/server, with an API key, as
 * `floe consume` serves it) measured by autocannon, for
 *   (a) GET /api/v1/status/{jobId}
 *   (b) POST /api/v1/ingest with a 10-record NDJSON body, put to a 16-shard stream on an emulator
 *       (kinesalite by default; --emulator kinesis-local too, which stores ~150 records/s here),
 *       with ingest aggregation on (the default: KPL aggregates per shard) and off (one Kinesis
 *       record per record), and the Kinesis records and PutRecords calls the stream took.
 * The emulator "none" puts to an in-process stand-in that answers at once: the server's own ceiling,
 * without an emulator competing for the same cores.
 *
 *   npm run build && node bench/ingest.mjs [--duration 10] [--connections 50] [--emulator kinesalite]
 *
 * The server runs in a child process of its own (so autocannon's CPU is not the server's), with
 * a stand-in for the consumer (its metrics and one table): what is measured is the HTTP server,
 * auth, parsing, the job store and PutRecords to the emulator, not Iceberg commits. After the
 * ingest run every accepted record must be stored in the stream (floe_ingest_records_total
 * sent = accepted, failed = 0), else the case is reported as FAILED.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnEmulator } from './emulators.mjs';
import { CreateStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SELF = fileURLToPath(import.meta.url);
const MAIN = process.argv[1] === SELF;
const KEY = 'bench-key-0123456789abcdef';
const TABLE = 'bench.events';
const TARGET = 1000;
const SHARDS = 16;

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---- the server child ---------------------------------------------------------------------

async function serve(endpoint, stream, aggregate) {
  const { startHttpServer } = await import(join(ROOT, 'dist/server/index.js'));
  const { Metrics } = await import(join(ROOT, 'dist/consumer/metrics.js'));
  const { createKinesisClient, sdkKinesisApi } = await import(join(ROOT, 'dist/producer/index.js'));
  const { ShardMap, hashKeyOf } = await import(join(ROOT, 'dist/producer/hash.js'));
  const metrics = new Metrics();
  metrics.forTable(TABLE);
  const tables = [{ table: TABLE, stream, healthy: true, positions: {}, shards: {} }];
  const consumer = {
    metrics,
    health: () => ({ healthy: true, state: 'running', tables }),
    metricsSnapshot: () => metrics.snapshot(),
    positions: () => new Map(),
    tableNames: () => [TABLE],
    flushNow: async (t) => t === TABLE,
  };
  const env = { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1' };
  let seq = 0n;
  // The stand-in routes like a 16-shard stream (by explicit hash key, else the key's MD5).
  const map = ShardMap.even(SHARDS);
  map.shards.forEach((sh, i) => Object.assign(sh, { shardId: `shardId-${String(i).padStart(12, '0')}` }));
  const api =
    endpoint === 'none'
      ? {
          async putRecords(_stream, entries) {
            return entries.map((e) => {
              const hash =
                e.explicitHashKey !== undefined ? BigInt(e.explicitHashKey) : hashKeyOf(e.partitionKey);
              return { sequenceNumber: String(++seq), shardId: map.shards[map.indexOf(hash)].shardId };
            });
          },
          async listShards() {
            return map.shards;
          },
          close() {},
        }
      : sdkKinesisApi(createKinesisClient({ endpoint, maxSockets: 16, env }));
  const calls = { calls: 0, entries: 0, failedEntries: 0, bytes: 0 };
  const put = api.putRecords.bind(api);
  api.putRecords = async (stream, entries) => {
    calls.calls++;
    const r = await put(stream, entries);
    entries.forEach((e, i) => {
      if (r[i].errorCode) calls.failedEntries++;
      else {
        calls.entries++;
        calls.bytes += e.size;
      }
    });
    return r;
  };
  const server = await startHttpServer({ consumer, port: 0, apiKeys: [KEY], ingest: { api, aggregate } });
  // The benchmark asks how many Kinesis records (and calls) the stream took.
  const { createServer: httpServer } = await import('node:http');
  const stats = httpServer((_req, res) => res.end(JSON.stringify(calls)));
  await new Promise((r) => stats.listen(0, '127.0.0.1', r));
  process.stdout.write(
    JSON.stringify({ url: server.url, stats: `http://127.0.0.1:${stats.address().port}` }) + '\n',
  );
  process.once('SIGTERM', () => {
    if (process.env.FLOE_BENCH_DEBUG) process.stderr.write(`putRecords: ${JSON.stringify(calls)}\n`);
    stats.close();
    void server.close().then(() => {
      api.close();
      process.exit(0);
    });
  });
}

// ---- emulators ------------------------------------------------------------------------------

async function startEmulator(name) {
  if (name === 'none') return { endpoint: 'none', stream: 'bench-ingest', stop() {} };
  const { createKinesisClient } = await import(join(ROOT, 'dist/producer/index.js'));
  const { child, endpoint } = await spawnEmulator(name);
  const env = { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1' };
  const client = createKinesisClient({ endpoint, maxSockets: 4, env });
  const stream = 'bench-ingest';
  for (let i = 0; ; i++) {
    try {
      await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: SHARDS }));
      break;
    } catch (err) {
      if (i > 300) throw new Error(`${name} did not start: ${err.message}`);
      await sleep(200);
    }
  }
  for (;;) {
    const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    if (d.StreamDescriptionSummary.StreamStatus === 'ACTIVE') break;
    await sleep(50);
  }
  return {
    endpoint,
    stream,
    stop() {
      client.destroy();
      child.kill('SIGKILL');
    },
  };
}

// ---- measuring ------------------------------------------------------------------------------

/** CPU seconds (user + sys) of a process so far, from /proc. */
function cpuSeconds(pid) {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const parts = f.slice(f.lastIndexOf(')') + 2).split(' ');
    return (Number(parts[11]) + Number(parts[12])) / 100;
  } catch {
    return NaN;
  }
}

async function startServer(endpoint, stream, aggregate) {
  const args = [SELF, '--serve', endpoint, '--stream', stream, ...(aggregate ? [] : ['--no-aggregate'])];
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const { url, stats } = await new Promise((res, rej) => {
    let out = '';
    child.stdout.on('data', (d) => {
      out += d.toString();
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) res(JSON.parse(line));
    });
    child.once('exit', (code) => rej(new Error(`server exited (${code})`)));
  });
  return {
    url,
    stats: async () => (await fetch(stats)).json(),
    pid: child.pid,
    stop: () =>
      new Promise((r) => {
        child.once('exit', r);
        child.kill('SIGTERM');
      }),
  };
}

function body(n) {
  const lines = [];
  for (let i = 0; i < n; i++)
    lines.push(JSON.stringify({ id: i, name: `name-${i}`, ts: '2024-05-01T12:00:00Z', amount: i * 1.5 }));
  return lines.join('\n') + '\n';
}

async function cannon(opts) {
  const { default: autocannon } = await import('autocannon');
  return new Promise((res, rej) => {
    autocannon(opts, (err, result) => (err ? rej(err) : res(result)));
  });
}

async function ingestCounts(url) {
  const text = await (await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).text();
  const get = (outcome) =>
    Number(
      new RegExp(`floe_ingest_records_total\\{table="${TABLE}",outcome="${outcome}"\\} (\\d+)`).exec(
        text,
      )?.[1] ?? 0,
    );
  return { accepted: get('accepted'), sent: get('sent'), failed: get('failed') };
}

function summary(name, emulator, r, cpuS, extra = {}) {
  const ok2xx = r['2xx'];
  return {
    case: name,
    emulator,
    connections: r.connections,
    durationS: r.duration,
    requests: r.requests.total,
    ok: ok2xx,
    non2xx: r.non2xx,
    errors: r.errors + r.timeouts,
    rps: ok2xx / r.duration,
    p50ms: r.latency.p50,
    p99ms: r.latency.p99,
    serverCpuS: cpuS,
    ...extra,
  };
}

async function benchEmulator(name, o, aggregate, withStatus) {
  const emu = await startEmulator(name);
  const server = await startServer(emu.endpoint, emu.stream, aggregate);
  const headers = { authorization: `Bearer ${KEY}` };
  const out = [];
  try {
    const nd = body(10);
    // A job to ask about, and a short warm-up of both paths.
    const first = await fetch(`${server.url}/api/v1/ingest?table=${TABLE}`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'application/x-ndjson' },
      body: nd,
    });
    const { jobId } = await first.json();
    await cannon({ url: `${server.url}/api/v1/status/${jobId}`, connections: 10, duration: 1, headers });

    let cpu0 = cpuSeconds(server.pid);
    if (withStatus) {
      const st = await cannon({
        url: `${server.url}/api/v1/status/${jobId}`,
        connections: o.connections,
        duration: o.duration,
        headers,
      });
      out.push(summary('GET /api/v1/status/{id}', name, st, cpuSeconds(server.pid) - cpu0));
    }

    const before = await ingestCounts(server.url);
    const kBefore = await server.stats();
    cpu0 = cpuSeconds(server.pid);
    const t0 = performance.now();
    const ing = await cannon({
      url: `${server.url}/api/v1/ingest?table=${TABLE}`,
      method: 'POST',
      connections: o.connections,
      duration: o.duration,
      headers: { ...headers, 'content-type': 'application/x-ndjson' },
      body: nd,
    });
    // Every accepted record must reach the stream before the case counts.
    let after = await ingestCounts(server.url);
    const deadline = Date.now() + 120_000;
    while (after.sent + after.failed < after.accepted && Date.now() < deadline) {
      await sleep(100);
      after = await ingestCounts(server.url);
    }
    const drainS = (performance.now() - t0) / 1000 - ing.duration;
    const kAfter = await server.stats();
    const accepted = after.accepted - before.accepted;
    const sent = after.sent - before.sent;
    const failed = after.failed - before.failed;
    out.push(
      summary('POST /api/v1/ingest (10 NDJSON records)', name, ing, cpuSeconds(server.pid) - cpu0, {
        aggregate,
        kinesisRecords: kAfter.entries - kBefore.entries,
        calls: kAfter.calls - kBefore.calls,
        recordsAccepted: accepted,
        recordsSent: sent,
        recordsFailed: failed,
        drainS: Math.max(0, drainS),
        verified: failed === 0 && sent === accepted && accepted >= ing['2xx'] * 10,
      }),
    );
  } finally {
    await server.stop();
    emu.stop();
  }
  return out;
}

const int = (n) => Math.round(n).toLocaleString('en-US');
const fix = (n, d = 1) => (Number.isFinite(n) ? n.toFixed(d) : '–');

export function ingestMarkdown(rows) {
  const lines = [
    '| case | emulator | ingest aggregation | connections | requests/s (2xx) | p50 / p99 latency ms | non-2xx / errors | server CPU-s per 1,000 requests | records stored | Kinesis records (PutRecords calls) |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
  ];
  for (const r of rows) {
    const stored =
      r.recordsAccepted === undefined
        ? '–'
        : `${int(r.recordsSent)} of ${int(r.recordsAccepted)}, ${int(r.recordsFailed)} failed${r.verified ? '' : ' — FAILED'} (queue drained ${fix(r.drainS)} s after)`;
    const kinesis =
      r.kinesisRecords === undefined
        ? '–'
        : `${int(r.kinesisRecords)} (${int(r.calls)}): ${fix(r.recordsSent / Math.max(1, r.kinesisRecords))} records each`;
    const agg = r.aggregate === undefined ? '–' : r.aggregate ? 'on (default)' : 'off';
    lines.push(
      `| ${r.case} | ${r.emulator === 'none' ? 'none (stand-in, answers at once)' : r.emulator} | ${agg} | ${r.connections} | ${int(r.rps)}${r.rps >= TARGET ? '' : ' (below target)'} | ${r.p50ms} / ${r.p99ms} | ${int(r.non2xx)} / ${int(r.errors)} | ${fix((r.serverCpuS / r.requests) * 1000, 2)} | ${stored} | ${kinesis} |`,
    );
  }
  const agg = rows.find(
    (r) => r.aggregate === true && r.emulator !== 'none' && r.kinesisRecords !== undefined,
  );
  const plain = rows.find((r) => r.aggregate === false && r.emulator === agg?.emulator);
  lines.push(
    '',
    `- Ingest aggregation (config \`server.ingestAggregate\`, on by default) packs the records of concurrent requests into KPL aggregates, one per shard per linger window (50 ms), up to 1 MiB each, routed to their shard by its starting hash key; the consumer de-aggregates them. "Kinesis records" is what the stream stored during the case (counted at the server's PutRecords client).` +
      (agg && plain
        ? ` On ${agg.emulator}, aggregation took ${int(agg.rps)} requests/s against ${int(plain.rps)} without, with ${int(agg.kinesisRecords)} Kinesis records for ${int(agg.recordsSent)} records instead of one each.`
        : ''),
  );
  return lines.join('\n');
}

async function main() {
  const { values: opt } = parseArgs({
    options: {
      duration: { type: 'string', default: '10' },
      connections: { type: 'string', default: '50' },
      emulator: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      serve: { type: 'string' },
      stream: { type: 'string' },
      'no-aggregate': { type: 'boolean', default: false },
    },
    strict: true,
  });
  if (opt.serve) return serve(opt.serve, opt.stream, !opt['no-aggregate']);
  // kinesis-local stores ~150 plain records/s here (BENCHMARKS.md, produce section): it would measure only its own queue.
  const emulators = opt.emulator ?? ['kinesalite', 'none'];
  const rows = [];
  for (const e of emulators) {
    // Aggregation on (the default) is the headline; on an emulator, off too for comparison.
    for (const aggregate of e === 'none' ? [true] : [true, false]) {
      process.stderr.write(
        `[ingest bench] ${e}, aggregation ${aggregate ? 'on' : 'off'}: ${aggregate ? 'status and ' : ''}ingest, ${opt.duration} s each, ${opt.connections} connections\n`,
      );
      rows.push(
        ...(await benchEmulator(
          e,
          { duration: Number(opt.duration), connections: Number(opt.connections) },
          aggregate,
          aggregate,
        )),
      );
    }
  }
  if (opt.json) process.stdout.write(JSON.stringify({ rows }) + '\n');
  else process.stdout.write(ingestMarkdown(rows) + '\n');
  if (rows.some((r) => r.verified === false)) process.exitCode = 1;
}

if (MAIN) await main();
