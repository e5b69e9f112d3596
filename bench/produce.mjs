#!/usr/bin/env node
/**
 * Producer benchmark: user records/s into kinesalite and kinesis-local (each a child process on
 * 127.0.0.1), with and without --aggregate, for 200-byte and 2 KB NDJSON records, through the
 * real SDK client (`produce()` from dist/, as `floe produce` runs it).
 *
 *   npm run build && node bench/produce.mjs [--quick] [--emulator NAME]… [--size 200|2048]…
 *       [--mode plain|aggregate]… [--scale X] [--json]
 *       [--max-aggregate-bytes N]… [--max-call-bytes N]… [--dist DIR] [--repeat N]
 *
 * Prints a Markdown table. Emulators are the bottleneck without aggregation (every PutRecords
 * entry is a stored record); with it, one Kinesis record (512 KiB by default) carries ~2,500
 * 200-byte records.
 *
 * Each emulator first gets an unmeasured warm-up round (a tenth of every case's records), so
 * plain and aggregated runs alike meet an emulator whose JIT has warmed up: measured cold, the
 * plain run paid the emulator's warm-up alone (kinesalite stores a plain record in ~73 µs of CPU
 * cold, ~55 µs warm), which flattered the aggregation ratio. --cold skips it.
 *
 * --max-aggregate-bytes / --max-call-bytes (each may repeat; `k`/`m` suffixes are KiB/MiB) run
 * the aggregate mode once per combination and print a second table of the emulator's CPU per
 * user record and per Kinesis record, to choose those defaults on evidence. --dist loads
 * produce() from another build of the project (default dist/). --repeat N runs every case N
 * times (a fresh stream each) and reports the fastest run, plain and aggregated alike: on a
 * machine shared with other work, neighbours only ever slow a run down.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { spawnEmulator } from './emulators.mjs';
import { CreateStreamCommand, DescribeStreamSummaryCommand } from '@aws-sdk/client-kinesis';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MAIN = process.argv[1] === fileURLToPath(import.meta.url);
const { values: opt } = parseArgs({
  args: MAIN ? process.argv.slice(2) : [],
  options: {
    quick: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
    emulator: { type: 'string', multiple: true },
    size: { type: 'string', multiple: true },
    mode: { type: 'string', multiple: true },
    scale: { type: 'string' },
    'max-aggregate-bytes': { type: 'string', multiple: true },
    'max-call-bytes': { type: 'string', multiple: true },
    dist: { type: 'string' },
    repeat: { type: 'string' },
    // Skip the unmeasured warm-up round that each emulator gets before the measured runs.
    cold: { type: 'boolean', default: false },
  },
  strict: true,
});
const { produce, createKinesisClient, sdkKinesisApi } = await import(
  join(opt.dist ? resolve(opt.dist) : join(ROOT, 'dist'), 'producer/index.js')
);
/** `25k` → 25600, `1m` → 1048576, `51200` → 51200. */
const bytesOption = (s) => {
  const m = /^(\d+(?:\.\d+)?)([kKmM]?)$/.exec(s);
  if (!m) throw new Error(`not a byte count: ${s}`);
  return Math.round(Number(m[1]) * (m[2] === '' ? 1 : /k/i.test(m[2]) ? 1024 : 1024 * 1024));
};
const AGG_SIZES = (opt['max-aggregate-bytes'] ?? []).map(bytesOption);
const CALL_SIZES = (opt['max-call-bytes'] ?? []).map(bytesOption);
const SWEEP = AGG_SIZES.length > 0 || CALL_SIZES.length > 0;
/** Runs per case; the fastest is reported (its CPU figures are that run's). */
const REPEAT = Math.max(1, Number(opt.repeat ?? 1));
const quick = opt.quick;
const pickList = (given, all) => (given ? all.filter((x) => given.includes(String(x))) : all);
const EMULATORS = pickList(opt.emulator, ['kinesalite', 'kinesis-local']);
const SIZES = pickList(opt.size, [200, 2048]);
const MODES = pickList(opt.mode, ['plain', 'aggregate']);
const SCALE = (opt.scale ? Number(opt.scale) : 1) / (quick ? 10 : 1);

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** CPU seconds (user + sys) a child process has used so far; NaN where /proc is not there. */
function processCpuS(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

async function startEmulator(name) {
  const { child, endpoint } = await spawnEmulator(name);
  const env = { AWS_ACCESS_KEY_ID: 'bench', AWS_SECRET_ACCESS_KEY: 'bench', AWS_REGION: 'us-east-1' };
  const client = createKinesisClient({ endpoint, maxSockets: 8, env });
  for (let i = 0; ; i++) {
    try {
      await sdkKinesisApi(client).listShards('none');
      break;
    } catch (err) {
      if (err.$metadata?.httpStatusCode) break;
      if (i > 300) throw new Error(`${name} did not start`);
      await sleep(200);
    }
  }
  let streams = 0;
  return {
    name,
    client,
    cpuS: () => processCpuS(child.pid),
    async stream(shards) {
      const s = `bench-${streams++}`;
      await client.send(new CreateStreamCommand({ StreamName: s, ShardCount: shards }));
      for (;;) {
        const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: s }));
        if (d.StreamDescriptionSummary.StreamStatus === 'ACTIVE') return s;
        await sleep(50);
      }
    },
    stop() {
      client.destroy();
      child.kill('SIGKILL');
    },
  };
}

/** produce() of one input file into a stream of the emulator, as `floe produce` runs it. */
function produceInto(emu, stream, path, mode, settings = {}) {
  return produce(
    {
      input: path,
      stream,
      aggregate: mode === 'aggregate',
      maxBadRecords: 0,
      badRecordsPath: `${path}.bad`,
      failedRecordsPath: `${path}.failed`,
      ...settings,
    },
    { api: sdkKinesisApi(emu.client) },
  );
}

if (MAIN) await main();

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'floe-bench-produce-'));
  function input(recordBytes, count) {
    const path = join(dir, `r${recordBytes}-${count}.ndjson`);
    const lines = [];
    for (let i = 0; i < count; i++) {
      const head = `{"id":${i},"ts":"2024-05-01T12:00:00Z","pad":"`;
      lines.push(head + 'x'.repeat(Math.max(0, recordBytes - head.length - 2)) + '"}');
    }
    writeFileSync(path, lines.join('\n') + '\n');
    return path;
  }

  // User records per run: enough for a few seconds each on this machine.
  const COUNTS = {
    kinesalite: { plain: { 200: 20_000, 2048: 10_000 }, aggregate: { 200: 400_000, 2048: 60_000 } },
    'kinesis-local': { plain: { 200: 5_000, 2048: 3_000 }, aggregate: { 200: 200_000, 2048: 30_000 } },
  };

  const rows = [];
  for (const name of EMULATORS) {
    const emu = await startEmulator(name);
    try {
      if (!opt.cold) {
        for (const size of SIZES) {
          for (const mode of MODES) {
            const count = Math.max(1, Math.round((COUNTS[name][mode][size] * SCALE) / 10));
            const path = input(size, count);
            const s = await produceInto(emu, await emu.stream(4), path, mode);
            if (s.sent !== count)
              throw new Error(`${name} warm-up ${mode} ${size}: sent ${s.sent} of ${count}`);
          }
        }
        console.error(`${name}: warmed up`);
      }
      for (const size of SIZES) {
        for (const mode of MODES) {
          const count = Math.max(1, Math.round(COUNTS[name][mode][size] * SCALE));
          const path = input(size, count);
          const variants =
            SWEEP && mode === 'aggregate'
              ? (AGG_SIZES.length ? AGG_SIZES : [undefined]).flatMap((a) =>
                  (CALL_SIZES.length ? CALL_SIZES : [undefined]).map((c) => ({ a, c })),
                )
              : [{ a: undefined, c: undefined }];
          for (const { a: maxAggregateBytes, c: maxCallBytes } of variants) {
            let best;
            for (let run = 0; run < REPEAT; run++) {
              const stream = await emu.stream(4);
              const cpu0 = process.cpuUsage();
              const emu0 = emu.cpuS();
              const s = await produceInto(emu, stream, path, mode, {
                ...(maxAggregateBytes !== undefined ? { maxAggregateBytes } : {}),
                ...(maxCallBytes !== undefined ? { maxCallBytes } : {}),
              });
              const cpu = process.cpuUsage(cpu0);
              const emuS = emu.cpuS() - emu0;
              if (s.sent !== count || s.failed > 0)
                throw new Error(`${name} ${mode} ${size}: sent ${s.sent} of ${count}, failed ${s.failed}`);
              const row = {
                emulator: name,
                size,
                mode,
                count,
                rps: s.recordsPerSecond,
                mbs: s.mbPerSecond,
                kinesisRecords: s.kinesisRecords,
                calls: s.calls,
                retried: s.retried,
                userS: cpu.user / 1e6,
                sysS: cpu.system / 1e6,
                wallS: s.elapsedMs / 1000,
                emuS,
                maxAggregateBytes,
                maxCallBytes,
                runs: REPEAT,
              };
              // Best of the runs: neighbours on a shared machine only ever slow a run down.
              if (!best || row.rps > best.rps) best = row;
              console.error(
                `${name} ${size} B ${mode}${maxAggregateBytes ? ` agg ${maxAggregateBytes}` : ''}${maxCallBytes ? ` call ${maxCallBytes}` : ''}: ${count} records, ${Math.round(s.recordsPerSecond)} records/s, ${s.mbPerSecond.toFixed(1)} MB/s, user CPU ${(cpu.user / 1e6).toFixed(2)} s of ${(s.elapsedMs / 1000).toFixed(2)} s, emulator CPU ${emuS.toFixed(2)} s (${s.kinesisRecords} Kinesis records, ${s.calls} calls, ${s.retried} retried)`,
              );
            }
            rows.push(best);
          }
        }
      }
    } finally {
      emu.stop();
    }
  }
  rmSync(dir, { recursive: true, force: true });

  if (opt.json) console.log(JSON.stringify({ rows }));
  else if (SWEEP) console.log(sweepMarkdown(rows));
  else console.log(produceMarkdown(rows));
}

/** The aggregate/call size sweep: what each case cost the emulator per user and Kinesis record. */
function sweepMarkdown(results) {
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const kib = (n) => (n === undefined ? 'default' : `${fmt(n / 1024)} KiB`);
  const out = [
    '| emulator | record size | mode | aggregate max | call max | user records | Kinesis records | calls | records/s (wall) | producer CPU s | emulator CPU s | emulator µs per user record | emulator ms per Kinesis record |',
    '| --- | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    out.push(
      `| ${r.emulator} | ${r.size} B | ${r.mode} | ${r.mode === 'plain' ? '–' : kib(r.maxAggregateBytes)} | ${kib(r.maxCallBytes)} | ${fmt(r.count)} | ${fmt(r.kinesisRecords)} | ${fmt(r.calls)} | ${fmt(r.rps)} | ${(r.userS + r.sysS).toFixed(2)} | ${r.emuS.toFixed(2)} | ${((r.emuS / r.count) * 1e6).toFixed(2)} | ${((r.emuS / r.kinesisRecords) * 1e3).toFixed(2)} |`,
    );
  }
  return out.join('\n');
}

/** The results as a Markdown table plus the aggregation factors (bench/run.js prints the same). */
export function produceMarkdown(results) {
  const fmt = (n) => Math.round(n).toLocaleString('en-US');
  const sizeName = (size) => (size === 200 ? '200 B' : '2 KB');
  const out = [
    '| emulator | record size | mode | user records | records/s (wall) | MB/s | producer CPU s (user+sys) | records per producer CPU-s | emulator CPU s | Kinesis records | calls |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of results) {
    const cpu = r.userS + r.sysS;
    out.push(
      `| ${r.emulator} | ${sizeName(r.size)} | ${r.mode} | ${fmt(r.count)} | ${fmt(r.rps)} | ${r.mbs.toFixed(1)} | ${cpu.toFixed(2)} | ${fmt(r.count / cpu)} | ${Number.isFinite(r.emuS) ? r.emuS.toFixed(2) : '–'} | ${fmt(r.kinesisRecords)} | ${fmt(r.calls)} |`,
    );
  }
  out.push('');
  const runs = Math.max(...results.map((r) => r.runs ?? 1));
  if (runs > 1) out.push(`- Each case was run ${runs} times; the table shows the fastest run of each.`);
  for (const name of ['kinesalite', 'kinesis-local']) {
    for (const size of [200, 2048]) {
      const p = results.find((r) => r.emulator === name && r.size === size && r.mode === 'plain');
      const a = results.find((r) => r.emulator === name && r.size === size && r.mode === 'aggregate');
      if (!p || !a) continue;
      const target = size === 200 ? ` (target ≥ 20×: ${a.rps / p.rps >= 20 ? 'MET' : 'NOT MET'})` : '';
      out.push(
        `- ${name}, ${sizeName(size)}: aggregation raises user records/s ×${(a.rps / p.rps).toFixed(1)}${target}; the producer's own CPU would allow ${fmt(a.count / (a.userS + a.sysS))} records/s` +
          (Number.isFinite(a.emuS) && Number.isFinite(p.emuS) && a.emuS > 0 && p.emuS > 0
            ? `, the emulator's own CPU ${fmt(a.count / a.emuS)} aggregated vs ${fmt(p.count / p.emuS)} plain records/s (×${(a.count / a.emuS / (p.count / p.emuS)).toFixed(1)})`
            : ''),
      );
    }
  }
  return out.join('\n');
}
