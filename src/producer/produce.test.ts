import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { hashKeyOf, ShardMap, type ShardRange } from './hash.js';
import { MAX_RECORD_BYTES } from './limits.js';
import { DEFAULT_AGGREGATE_BYTES, produce, type ProduceSettings } from './produce.js';
import { FakeKinesis, referenceDeaggregate, type FakeOptions } from './test-support.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-produce-'));
let n = 0;
function file(name: string, content: string | Buffer): string {
  const p = join(dir, `${n++}-${name}`);
  writeFileSync(p, content);
  return p;
}

function settings(input: string, extra: Partial<ProduceSettings> = {}): ProduceSettings {
  return {
    input,
    stream: 's',
    aggregate: false,
    maxBadRecords: 0,
    badRecordsPath: `${input}.bad.ndjson`,
    failedRecordsPath: `${input}.failed.ndjson`,
    backoffBaseMs: 1,
    backoffMaxMs: 5,
    ...extra,
  };
}

async function run(
  input: string,
  extra: Partial<ProduceSettings> = {},
  fakeOptions: FakeOptions = {},
  stdin?: Readable,
) {
  const fake = new FakeKinesis(fakeOptions);
  const summary = await produce(settings(input, extra), { api: fake, ...(stdin ? { stdin } : {}) });
  const bad = existsSync(`${input}.bad.ndjson`)
    ? readFileSync(`${input}.bad.ndjson`, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { line: number; reasons: string[]; raw: string })
    : [];
  const json = extra.aggregate
    ? []
    : fake.stored.map((r) => JSON.parse(r.data.toString()) as Record<string, unknown>);
  return { fake, summary, bad, json };
}

function deaggregate(data: Buffer): { partitionKey: string; data: Buffer }[] {
  return referenceDeaggregate(data, 'p');
}

const csvRows = (count: number): string =>
  'id,key,text\n' +
  Array.from({ length: count }, (_, i) => `${i},k${i % 13},"row ${i}, quoted"`).join('\n') +
  '\n';

describe('produce (in-memory Kinesis)', () => {
  it('sends every CSV row as a JSON object and accounts for all of them', async () => {
    const { summary, json, fake } = await run(file('a.csv', csvRows(1234)));
    expect(summary).toMatchObject({
      read: 1234,
      sent: 1234,
      failed: 0,
      bad: 0,
      retried: 0,
      unsent: 0,
      format: 'csv',
      error: null,
      shards: 4,
    });
    expect(new Set(json.map((j) => j.id)).size).toBe(1234);
    expect(json.find((j) => j.id === '5')).toEqual({ id: '5', key: 'k5', text: 'row 5, quoted' });
    // Default keys spread evenly: each of 4 shards gets roughly a quarter.
    for (const s of fake.map.shards) {
      const share = fake.stored.filter((r) => r.shardId === s.shardId).length / 1234;
      expect(share).toBeGreaterThan(0.18);
      expect(share).toBeLessThan(0.32);
    }
    expect(fake.calls.every((c) => c.entries <= 500)).toBe(true);
  });

  it('reads .gz NDJSON, JSON arrays and stdin; --format overrides the extension', async () => {
    const lines = Array.from({ length: 300 }, (_, i) => JSON.stringify({ i, big: '12345678901234567890' }));
    expect((await run(file('b.ndjson.gz', gzipSync(lines.join('\n'))))).summary.sent).toBe(300);
    expect((await run(file('c.json', `[\n${lines.join(',\n')}\n]`))).summary).toMatchObject({
      sent: 300,
      format: 'json',
    });
    const viaStdin = await run(
      '-',
      { badRecordsPath: join(dir, 'stdin.bad'), failedRecordsPath: join(dir, 'stdin.failed') },
      {},
      Readable.from([Buffer.from(lines.join('\n'))]),
    );
    expect(viaStdin.summary).toMatchObject({ sent: 300, format: 'ndjson', input: 'stdin' });
    expect((await run(file('d.txt', 'a;b\n1;2\n'), { format: 'csv', delimiter: ';' })).json).toEqual([
      { a: '1', b: '2' },
    ]);
  });

  describe('bad input', () => {
    const cases: [string, string, string, number, RegExp][] = [
      ['wrong CSV field count', 'x.csv', 'a,b\n1,2\n3\n4,5\n', 3, /1 field, but the header has 2/],
      [
        'bad CSV quoting',
        'x.csv',
        'a,b\n1,2\n"3,4\n5,6\n',
        3,
        /quote opened in the record at line 3 is never closed/,
      ],
      ['invalid NDJSON line', 'x.ndjson', '{"a":1}\n{"a":\n{"a":3}\n', 2, /invalid JSON/],
      [
        'NDJSON value not an object',
        'x.ndjson',
        '{"a":1}\n[1,2]\n',
        2,
        /expected a JSON object, got an array/,
      ],
      [
        'malformed JSON array',
        'x.json',
        '[{"a":1},\n{"a":2}}]',
        2,
        /malformed JSON array at line 2: unexpected }/,
      ],
      ['JSON array element not valid JSON', 'x.json', '[{"a":1},\n{"a":2} {"a":3}]', 2, /invalid JSON/],
      [
        'record over 1 MiB',
        'x.ndjson',
        `{"a":1}\n${JSON.stringify({ s: 'x'.repeat(MAX_RECORD_BYTES) })}\n`,
        2,
        /over the Kinesis limit/,
      ],
    ];
    for (const [what, name, content, line, reason] of cases) {
      it(`${what}: stops at the first one, naming the line, after sending what came before`, async () => {
        const path = file(name, content);
        const { summary, bad } = await run(path);
        expect(summary.error).toMatch(new RegExp(`line ${line}`));
        expect(summary.error).toMatch(reason);
        expect(summary.sent).toBe(line - 1 - (name.endsWith('.csv') ? 1 : 0));
        expect(summary.bad).toBe(1);
        expect(bad.length).toBe(1);
        expect(bad[0]?.line).toBe(line);
        expect(bad[0]?.reasons[0]).toMatch(reason);
      });
    }

    it('a missing partition key field is a bad record', async () => {
      const { summary, bad } = await run(file('k.ndjson', '{"k":"a"}\n{"j":1}\n'), {
        partitionKeyField: 'k',
      });
      expect(summary.error).toMatch(/line 2: no field "k" for the partition key/);
      expect(bad[0]).toEqual({ line: 2, reasons: ['no field "k" for the partition key'], raw: '{"j":1}' });
    });

    it('--max-bad-records N lets N through (all in the bad-records file) and stops on N+1', async () => {
      const content = 'a,b\n1,2\nx\n3,4\ny\n5,6\nz\n7,8\n';
      const ok = await run(file('m.csv', content), { maxBadRecords: 3 });
      expect(ok.summary).toMatchObject({ read: 7, sent: 4, bad: 3, error: null });
      expect(ok.bad.map((b) => [b.line, b.raw])).toEqual([
        [3, 'x'],
        [5, 'y'],
        [7, 'z'],
      ]);
      const stop = await run(file('m.csv', content), { maxBadRecords: 2 });
      expect(stop.summary.error).toMatch(/line 7: .*more than --max-bad-records 2/);
      expect(stop.summary.sent).toBe(3);
    });
  });

  it('retries throttled entries and writes what still fails to the failed-records file', async () => {
    const input = file('f.ndjson', Array.from({ length: 50 }, (_, i) => JSON.stringify({ i })).join('\n'));
    const { summary, fake } = await run(
      input,
      { maxRetries: 2 },
      {
        failEntry: (e) => {
          const i = (JSON.parse(Buffer.from(e.data).toString()) as { i: number }).i;
          // Record 7 always fails; every 4th record is throttled once.
          return i === 7
            ? 'InternalFailure'
            : i % 4 === 0 && e.attempts === 0
              ? 'ProvisionedThroughputExceededException'
              : undefined;
        },
      },
    );
    expect(summary).toMatchObject({ read: 50, sent: 49, failed: 1 });
    expect(summary.retried).toBe(fake.failedEntries - 1); // the last failure of record 7 is not retried
    const failed = readFileSync(`${input}.failed.ndjson`, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(failed).toEqual([
      {
        line: 8,
        errorCode: 'InternalFailure',
        errorMessage: 'injected',
        attempts: 3,
        partitionKey: '8',
        record: { i: 7 },
      },
    ]);
  });

  it("--aggregate packs records up to 1 MiB, aws-kinesis-agg decodes them, and each lands on its key's shard", async () => {
    const rows = Array.from({ length: 6000 }, (_, i) =>
      JSON.stringify({ i, key: `k${i % 17}`, pad: 'p'.repeat(i % 500) }),
    );
    // No lingering (here and below, where aggregates are counted): a slow machine must not flush
    // a partial aggregate between reads (seen in CI under load: 12 instead of < 10).
    const { summary, fake } = await run(file('g.ndjson', rows.join('\n')), {
      aggregate: true,
      partitionKeyField: 'key',
      lingerMs: 60_000,
    });
    expect(summary).toMatchObject({ read: 6000, sent: 6000, failed: 0 });
    expect(summary.kinesisRecords).toBeLessThan(10);
    const users: { i: number; key: string }[] = [];
    for (const r of fake.stored) {
      expect(r.data.length + Buffer.byteLength(r.partitionKey)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
      for (const u of deaggregate(r.data)) {
        const obj = JSON.parse(u.data.toString()) as { i: number; key: string };
        expect(u.partitionKey).toBe(obj.key);
        // The aggregate went to the shard that owns its user records' keys.
        const shard = fake.map.shards[fake.map.indexOf(hashKeyOf(u.partitionKey))];
        expect(r.shardId).toBe(shard?.shardId);
        users.push(obj);
      }
    }
    expect(users.map((u) => u.i).sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
    for (let k = 0; k < 17; k++) {
      const order = users.filter((u) => u.key === `k${k}`).map((u) => u.i);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });

  it('--aggregate sends one full aggregate a call by default; maxCallBytes packs more, never past 5 MiB', async () => {
    const rows = Array.from({ length: 24_000 }, (_, i) => JSON.stringify({ i, pad: 'q'.repeat(200) }));
    const input = file('calls.ndjson', rows.join('\n'));
    // No lingering: a slow machine must not flush a partial aggregate between reads.
    const one = await run(input, { aggregate: true, lingerMs: 60_000 });
    expect(one.summary).toMatchObject({ sent: 24_000, failed: 0 });
    expect(one.summary.kinesisRecords).toBeGreaterThanOrEqual(10);
    expect(one.fake.calls.every((c) => c.entries === 1 && c.bytes <= DEFAULT_AGGREGATE_BYTES)).toBe(true);
    // Full: each but the last within a record of the limit.
    expect(one.fake.calls.slice(0, -1).every((c) => c.bytes > DEFAULT_AGGREGATE_BYTES - 300)).toBe(true);
    // Bigger aggregates: calls follow them, one each.
    const big = await run(input, { aggregate: true, maxAggregateBytes: MAX_RECORD_BYTES, lingerMs: 60_000 });
    expect(big.summary).toMatchObject({ sent: 24_000, failed: 0 });
    expect(big.fake.calls.every((c) => c.entries === 1 && c.bytes <= MAX_RECORD_BYTES)).toBe(true);
    expect(big.fake.calls.length).toBeLessThan(one.fake.calls.length);
    const packed = await run(input, { aggregate: true, maxCallBytes: 64 * 1024 * 1024, lingerMs: 60_000 });
    expect(packed.summary).toMatchObject({ sent: 24_000, failed: 0 });
    expect(packed.fake.calls.length).toBeLessThan(one.fake.calls.length);
    expect(Math.max(...packed.fake.calls.map((c) => c.bytes))).toBeLessThanOrEqual(5 * 1024 * 1024);
    // Plain records still fill calls to the service limit.
    const plain = await run(input, {});
    expect(plain.fake.calls.map((c) => c.entries)).toContain(500);
  });

  it('maxAggregateBytes caps aggregates (the KPL AggregationMaxSize), and every record still arrives', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ i, pad: 'r'.repeat(100) }));
    const { summary, fake } = await run(file('small-agg.ndjson', rows.join('\n')), {
      aggregate: true,
      maxAggregateBytes: 50 * 1024,
    });
    expect(summary).toMatchObject({ sent: 3000, failed: 0 });
    expect(summary.kinesisRecords).toBeGreaterThanOrEqual(7);
    const got: number[] = [];
    for (const r of fake.stored) {
      expect(r.data.length + Buffer.byteLength(r.partitionKey)).toBeLessThanOrEqual(50 * 1024);
      for (const u of deaggregate(r.data)) got.push((JSON.parse(u.data.toString()) as { i: number }).i);
    }
    expect(got.sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
  });

  it('--aggregate with the default keys: every sub-record belongs to the shard its aggregate landed on', async () => {
    // De-aggregators such as the KCL drop sub-records whose key hashes outside their shard.
    const rows = Array.from({ length: 20_000 }, (_, i) => JSON.stringify({ i, pad: 'p'.repeat(150) }));
    const { summary, fake } = await run(
      file('d.ndjson', rows.join('\n')),
      { aggregate: true, lingerMs: 60_000 },
      { shards: 4 },
    );
    expect(summary).toMatchObject({ read: 20_000, sent: 20_000, failed: 0 });
    expect(summary.kinesisRecords).toBeLessThan(10);
    const seen: number[] = [];
    for (const r of fake.stored) {
      expect(r.data.length + Buffer.byteLength(r.partitionKey)).toBeLessThanOrEqual(MAX_RECORD_BYTES);
      for (const u of deaggregate(r.data)) {
        expect(u.partitionKey).toBe(r.partitionKey);
        const shard = fake.map.shards[fake.map.indexOf(hashKeyOf(u.partitionKey))];
        expect(r.shardId).toBe(shard?.shardId);
        seen.push((JSON.parse(u.data.toString()) as { i: number }).i);
      }
    }
    expect(seen).toEqual(rows.map((_, i) => i));
    // Aggregates still spread over the shards (their keys are distinct ordinals).
    expect(new Set(fake.stored.map((r) => r.shardId)).size).toBeGreaterThan(1);
  });

  it('reloads the shard map after a reshard: per-key order holds, later aggregates hold one shard each', async () => {
    const fake = new FakeKinesis({ shards: 2, delayMs: 1 });
    const half = 1n << 127n;
    const split = new ShardMap([
      fake.map.shards[0] as ShardRange,
      { shardId: 'shardId-000000000002', start: half, end: half + (half >> 1n) - 1n },
      { shardId: 'shardId-000000000003', start: half + (half >> 1n), end: (1n << 128n) - 1n },
    ]);
    const put = fake.putRecords.bind(fake);
    let calls = 0;
    fake.putRecords = async (stream, entries) => {
      if (++calls === 3) fake.map = split;
      return put(stream, entries);
    };
    const rows = Array.from({ length: 4000 }, (_, i) =>
      JSON.stringify({ i, key: `k${i % 23}`, pad: 'p'.repeat(300) }),
    );
    const text = Buffer.from(rows.join('\n') + '\n');
    const stdin = Readable.from(
      (async function* () {
        for (let o = 0; o < text.length; o += 32 * 1024) {
          await new Promise((r) => setTimeout(r, 3));
          yield text.subarray(o, o + 32 * 1024);
        }
      })(),
    );
    const warnings: string[] = [];
    let storedBeforeRefresh = -1;
    const summary = await produce(
      settings('-', { aggregate: true, partitionKeyField: 'key', lingerMs: 1, maxBufferedBytes: 256 * 1024 }),
      {
        api: fake,
        stdin,
        warn: (m) => {
          warnings.push(m);
          // The refresh waits until nothing is in flight: everything stored later used the new map.
          if (storedBeforeRefresh < 0) storedBeforeRefresh = fake.stored.length;
        },
      },
    );
    expect(summary).toMatchObject({ read: 4000, sent: 4000, failed: 0, shards: 3 });
    expect(summary.shardMapRefreshes).toBeGreaterThanOrEqual(1);
    expect(warnings.some((w) => /resharded; now 3 open shards/.test(w))).toBe(true);
    const users: { i: number; key: string }[] = [];
    let checked = 0;
    expect(storedBeforeRefresh).toBeGreaterThan(0);
    for (const [n, r] of fake.stored.entries()) {
      const subs = deaggregate(r.data);
      // Aggregates routed by the new map hold their shard's keys only. (Those sent before the
      // reshard was noticed may not: see docs/wire-format.md.)
      if (n >= storedBeforeRefresh) {
        for (const u of subs)
          expect(split.shards[split.indexOf(hashKeyOf(u.partitionKey))]?.shardId).toBe(r.shardId);
        checked++;
      }
      for (const u of subs) users.push(JSON.parse(u.data.toString()) as { i: number; key: string });
    }
    expect(checked).toBeGreaterThan(0);
    expect(users.map((u) => u.i).sort((a, b) => a - b)).toEqual(rows.map((_, i) => i));
    for (let k = 0; k < 23; k++) {
      const order = users.filter((u) => u.key === `k${k}`).map((u) => u.i);
      expect(order).toEqual([...order].sort((a, b) => a - b));
    }
  });

  it('--aggregate sends a record too big to wrap as a plain record', async () => {
    const big = JSON.stringify({ s: 'x'.repeat(MAX_RECORD_BYTES - 30) });
    const { summary, fake } = await run(file('h.ndjson', `{"a":1}\n${big}\n{"a":2}\n`), { aggregate: true });
    expect(summary).toMatchObject({ sent: 3, failed: 0, bad: 0 });
    expect(fake.stored.some((r) => r.data.toString() === big)).toBe(true);
  });

  it('--aggregate: every user record of an aggregate that still fails is in the failed-records file', async () => {
    const rows = Array.from({ length: 300 }, (_, i) => JSON.stringify({ i, s: i % 2 ? 'é' : 'x' }));
    // A bad line in between: the lines in the file are input lines, not record ordinals.
    const input = file('agg-fail.ndjson', [...rows.slice(0, 100), '{bad', ...rows.slice(100)].join('\n'));
    const { summary } = await run(
      input,
      { aggregate: true, maxAggregateBytes: 4096, maxBadRecords: 1, maxRetries: 1 },
      {
        failEntry: (e) =>
          referenceDeaggregate(Buffer.from(e.data), e.partitionKey).some(
            (u) => u.data.toString() === rows[150],
          )
            ? 'InternalFailure'
            : undefined,
      },
    );
    expect(summary).toMatchObject({ read: 301, bad: 1 });
    expect(summary.failed).toBeGreaterThan(1);
    expect(summary.sent + summary.failed).toBe(300);
    const failed = readFileSync(`${input}.failed.ndjson`, 'utf8')
      .trim()
      .split('\n')
      .map(
        (l) => JSON.parse(l) as { line: number; errorCode: string; attempts: number; record: { i: number } },
      );
    expect(failed).toHaveLength(summary.failed);
    const ids = failed.map((f) => f.record.i);
    expect(ids).toContain(150);
    expect(ids).toEqual(Array.from({ length: ids.length }, (_, k) => (ids[0] as number) + k));
    for (const f of failed) {
      expect(f.line).toBe(f.record.i < 100 ? f.record.i + 1 : f.record.i + 2);
      expect(f).toMatchObject({ errorCode: 'InternalFailure', attempts: 2 });
      expect(JSON.stringify(f.record)).toBe(rows[f.record.i]);
    }
  });

  it('maxCallBytes below an aggregate: each entry goes in a call of its own, in order', async () => {
    const rows = Array.from({ length: 2000 }, (_, i) => JSON.stringify({ i, pad: 'z'.repeat(100) }));
    const big = JSON.stringify({ big: 'y'.repeat(300_000) });
    const input = file('small-calls.ndjson', [...rows.slice(0, 1000), big, ...rows.slice(1000)].join('\n'));
    const { summary, fake } = await run(
      input,
      { aggregate: true, maxAggregateBytes: 64 * 1024, maxCallBytes: 16 * 1024, concurrency: 1 },
      { shards: 1 },
    );
    expect(summary).toMatchObject({ sent: 2001, failed: 0 });
    // The 300 kB record is bigger than an aggregate may be: it goes plain, alone, between its neighbours.
    expect(fake.calls.every((c) => c.entries === 1)).toBe(true);
    const order: number[] = [];
    for (const r of fake.stored) {
      if (r.data.toString() === big) order.push(-1);
      else
        for (const u of deaggregate(r.data)) order.push((JSON.parse(u.data.toString()) as { i: number }).i);
    }
    expect(order).toEqual([
      ...rows.slice(0, 1000).map((_, i) => i),
      -1,
      ...rows.slice(1000).map((_, i) => 1000 + i),
    ]);
  });

  it('keeps per-key order with --partition-key while several calls are in flight', async () => {
    const rows = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ i, key: `k${i % 11}` }));
    const { json, fake } = await run(
      file('o.ndjson', rows.join('\n')),
      { partitionKeyField: 'key', lingerMs: 1 },
      { delayMs: 2, shards: 4 },
    );
    expect(fake.maxInFlight).toBeGreaterThan(1);
    for (let k = 0; k < 11; k++) {
      const order = json.filter((j) => j.key === `k${k}`).map((j) => j.i as number);
      expect(order).toEqual([...order].sort((a, b) => a - b));
      expect(new Set(fake.stored.filter((r) => r.partitionKey === `k${k}`).map((r) => r.shardId)).size).toBe(
        1,
      );
    }
  });

  it('reads no further ahead than the buffer allows (backpressure from calls in flight)', async () => {
    const row = JSON.stringify({ pad: 'x'.repeat(180) });
    const text = Buffer.from(Array(40_000).fill(row).join('\n'));
    let pulled = 0;
    const stdin = Readable.from(
      (function* () {
        for (let o = 0; o < text.length; o += 16 * 1024) {
          const chunk = text.subarray(o, o + 16 * 1024);
          pulled += chunk.length;
          yield chunk;
        }
      })(),
    );
    let maxLag = 0;
    const fake = new FakeKinesis({ delayMs: 1 });
    const orig = fake.putRecords.bind(fake);
    fake.putRecords = async (s, entries) => {
      const delivered = fake.stored.reduce((n, r) => n + r.data.length + 1, 0);
      maxLag = Math.max(maxLag, pulled - delivered);
      return orig(s, entries);
    };
    const summary = await produce(
      settings('-', {
        maxBufferedBytes: 256 * 1024,
        badRecordsPath: join(dir, 'bp.bad'),
        failedRecordsPath: join(dir, 'bp.failed'),
      }),
      { api: fake, stdin },
    );
    expect(summary.sent).toBe(40_000);
    expect(text.length).toBeGreaterThan(7_000_000);
    expect(maxLag).toBeLessThan(2 * 1024 * 1024);
  });

  it('--rate limits records per second', async () => {
    const input = file('r.ndjson', Array.from({ length: 300 }, (_, i) => JSON.stringify({ i })).join('\n'));
    const t0 = performance.now();
    const { summary } = await run(input, { rate: 1000 });
    const elapsed = performance.now() - t0;
    expect(summary.sent).toBe(300);
    expect(elapsed).toBeGreaterThan(270);
    expect(elapsed).toBeLessThan(3000);
  });

  it('fails fast when the stream does not exist', async () => {
    const err = Object.assign(new Error('Stream s under account 000000000000 not found.'), {
      name: 'ResourceNotFoundException',
    });
    await expect(run(file('n.csv', csvRows(3)), {}, { listShardsError: err })).rejects.toThrow(
      /stream "s" not found/,
    );
  });
});
