import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { isFloeError } from '../errors.js';
import { FakeKinesis } from '../producer/test-support.js';
import { deaggregate } from '../records/kpl.js';
import { startHttpServer, type HttpServer, type HttpServerOptions } from './server.js';
import { stubConsumer, type StubConsumer } from './test-support.js';

let servers: HttpServer[] = [];
afterEach(async () => {
  await Promise.all(servers.map((s) => s.close()));
  servers = [];
});

async function start(
  o: Partial<HttpServerOptions> & { consumer?: StubConsumer } = {},
): Promise<{ s: HttpServer; c: StubConsumer; kinesis: FakeKinesis }> {
  const c = o.consumer ?? stubConsumer();
  const kinesis = new FakeKinesis({ shards: 2 });
  const s = await startHttpServer({ port: 0, ingest: { api: kinesis }, ...o, consumer: c });
  servers.push(s);
  return { s, c, kinesis };
}

const json = async (r: Response): Promise<Record<string, unknown>> =>
  (await r.json()) as Record<string, unknown>;

async function waitFor<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 5000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await f();
    if (ok(v) || Date.now() > end) return v;
    await new Promise((r) => setTimeout(r, 10));
  }
}

/** The user records the fake stream holds (aggregates unpacked), as text. */
const userData = (kinesis: FakeKinesis): string[] =>
  kinesis.stored.flatMap((x) =>
    (deaggregate(x.data) ?? [{ data: x.data }]).map((u) => Buffer.from(u.data).toString()),
  );

const ndjsonHeaders = { 'content-type': 'application/x-ndjson' };

/** POSTs a body of the given content type to db.events's ingest endpoint. */
const postIngest = (s: HttpServer, type: string, body: string): Promise<Response> =>
  fetch(`${s.url}/api/v1/ingest?table=db.events`, {
    method: 'POST',
    headers: { 'content-type': type },
    body,
  });

/** POSTs an NDJSON body to db.events; the job's id. */
async function ingestNdjson(s: HttpServer, body: string): Promise<string> {
  const r = await postIngest(s, ndjsonHeaders['content-type'], body);
  return ((await r.json()) as { jobId: string }).jobId;
}

const jobStatus = async (s: HttpServer, jobId: string): Promise<Record<string, unknown>> =>
  json(await fetch(`${s.url}/api/v1/status/${jobId}`));

/** The job's status once `ok` holds (or after 5 s). */
const waitForJob = (
  s: HttpServer,
  jobId: string,
  ok: (status: Record<string, unknown>) => boolean,
): Promise<Record<string, unknown>> => waitFor(() => jobStatus(s, jobId), ok);

describe('health and readiness', () => {
  it('GET /health is 200 while the consumer runs and 503 once it stopped', async () => {
    const { s, c } = await start();
    const r = await fetch(`${s.url}/health`);
    expect(r.status).toBe(200);
    expect(await json(r)).toEqual({ status: 'ok', state: 'running' });
    c.state = 'stopped';
    expect((await fetch(`${s.url}/health`)).status).toBe(503);
  });

  it('GET /ready is 200 when running, reading and the catalog answers; 503 with reasons otherwise', async () => {
    let calls = 0;
    let fail = false;
    const { s, c } = await start({
      readiness: {
        catalogCheck: async () => {
          calls++;
          if (fail) throw new Error('connection refused');
        },
        catalogCacheMs: 0,
      },
    });
    const ok = await fetch(`${s.url}/ready`);
    expect(ok.status).toBe(200);
    expect(await json(ok)).toMatchObject({ ready: true, catalog: 'ok', reasons: [] });
    fail = true;
    const bad = await json(await fetch(`${s.url}/ready`));
    expect(bad.ready).toBe(false);
    expect(bad.reasons).toEqual(['catalog unreachable: connection refused']);
    fail = false;
    c.state = 'starting';
    c.tables[0] = { ...c.tables[0]!, shards: { 'shardId-000000000000': 'waiting' } };
    const r = await fetch(`${s.url}/ready`);
    expect(r.status).toBe(503);
    expect((await json(r)).reasons).toEqual(['consumer is starting']);
    c.state = 'running';
    expect((await json(await fetch(`${s.url}/ready`))).reasons).toEqual([
      'db.events: no shard of events is being read',
    ]);
    expect(calls).toBe(4);
  });

  it('caches the catalog check and times it out', async () => {
    let calls = 0;
    const { s } = await start({
      readiness: {
        catalogCheck: () => {
          calls++;
          return new Promise(() => undefined);
        },
        catalogTimeoutMs: 50,
        catalogCacheMs: 60_000,
      },
    });
    const a = await json(await fetch(`${s.url}/ready`));
    expect(a.reasons).toEqual(['catalog unreachable: no answer within 50 ms']);
    await fetch(`${s.url}/ready`);
    expect(calls).toBe(1);
  });

  it('is not ready when a table holds data and has not committed within the threshold', async () => {
    let now = 1_000_000;
    const { s, c } = await start({ readiness: { maxCommitAgeMs: 60_000 }, now: () => now });
    c.table('db.events').buffered(5, 500);
    expect((await fetch(`${s.url}/ready`)).status).toBe(200);
    now += 61_000;
    const r = await json(await fetch(`${s.url}/ready`));
    expect(r.reasons).toEqual(['db.events: 5 records buffered and no commit for 61 s']);
    c.table('db.events').buffered(-5, -500);
    expect((await fetch(`${s.url}/ready`)).status).toBe(200);
  });

  it('reports a table whose commits keep failing', async () => {
    const { s, c } = await start();
    c.tables[0] = { ...c.tables[0]!, healthy: false, reason: 'catalog said 500' };
    expect((await json(await fetch(`${s.url}/ready`))).reasons).toEqual([
      'db.events: commits failing: catalog said 500',
    ]);
  });
});

describe('GET /metrics', () => {
  it('serves Prometheus text with per-table counters, histograms from commit events, lag and process metrics', async () => {
    const { s, c } = await start();
    const t = c.table('db.events');
    t.inc('recordsRead', 3);
    t.inc('recordsWritten', 2);
    t.inc('recordsRejected', 1);
    t.buffered(7, 700);
    c.metrics.millisBehind.set('events/shardId-000000000000', 1234);
    c.commit('db.events', { 'shardId-000000000000': '5' });
    t.emit({
      type: 'commit-retry',
      table: 'db.events',
      snapshotId: '1',
      atMs: 0,
      attempt: 1,
      kind: 'commit-conflict',
    });
    const r = await fetch(`${s.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await r.text();
    expect(text).toContain('floe_records_written_total{table="db.events"} 2');
    expect(text).toContain('floe_records_read_total{table="db.events"} 3');
    expect(text).toContain('floe_records_rejected_total{table="db.events"} 1');
    expect(text).toContain('floe_records_deduped_total{table="db.events"} 0');
    expect(text).toContain('floe_buffered_records{table="db.events"} 7');
    expect(text).toContain('floe_millis_behind_latest{stream="events",shard="shardId-000000000000"} 1234');
    expect(text).toContain('floe_commit_duration_seconds_bucket{le="0.25",table="db.events"} 1');
    expect(text).toContain('floe_batch_records_sum{table="db.events"} 3');
    expect(text).toContain('floe_batch_bytes_sum{table="db.events"} 300');
    expect(text).toContain('floe_commit_conflicts_total{table="db.events"} 1');
    expect(text).toContain('floe_records_rejected_by_rule_total{table="db.events",rule="id:required"} 1');
    expect(text).toMatch(/floe_freshness_seconds\{table="db.events"\} 1\.\d+/);
    expect(text).toMatch(/process_resident_memory_bytes \d+/);
    expect(text).toContain('floe_table_healthy{table="db.events"} 1');
  });

  it('uses a registry of its own: two servers in one process do not collide', async () => {
    const { s: a } = await start();
    const { s: b } = await start();
    expect((await fetch(`${a.url}/metrics`)).status).toBe(200);
    expect((await fetch(`${b.url}/metrics`)).status).toBe(200);
  });
});

describe('ingest and job status', () => {
  it('takes NDJSON, puts it to the stream, and follows the job to COMMITTED', async () => {
    const { s, c, kinesis } = await start();
    const body = '{"id": 1, "name": "a"}\n{"id":2,"name":"b"}\n\n{"id":3,"name":"c"}\n';
    const r = await fetch(`${s.url}/api/v1/ingest?table=db.events`, {
      method: 'POST',
      headers: ndjsonHeaders,
      body,
    });
    expect(r.status).toBe(202);
    const { jobId, records } = (await r.json()) as { jobId: string; records: number };
    expect(records).toBe(3);
    const st = await waitForJob(s, jobId, (v) => v.state !== 'ACCEPTED');
    expect(st.state).toBe('IN_STREAM');
    expect(userData(kinesis).sort()).toEqual([
      '{"id":1,"name":"a"}',
      '{"id":2,"name":"b"}',
      '{"id":3,"name":"c"}',
    ]);
    // Aggregated by default: one KPL aggregate per shard the records hash to.
    expect(kinesis.stored.length).toBeLessThanOrEqual(2);
    expect(kinesis.stored.every((x) => deaggregate(x.data) !== undefined)).toBe(true);
    const seqs = st.sequenceNumbers as Record<string, string>;
    const subs = st.subSequenceNumbers as Record<string, number>;
    expect(Object.keys(seqs).length).toBeGreaterThan(0);
    expect(Object.keys(subs).sort()).toEqual(Object.keys(seqs).sort());
    // A commit that covers only part of the job does not settle it.
    const shards = Object.keys(seqs);
    const partial = Object.fromEntries(shards.map((sh) => [sh, String(BigInt(seqs[sh]!) - 1n)]));
    c.commit('db.events', partial, '111');
    expect((await jobStatus(s, jobId)).state).toBe('IN_STREAM');
    // Nor do sub-records short of the job's last one in its aggregate (where there is one before it).
    const maxSub = Math.max(...Object.values(subs));
    const cut = Object.entries(subs).find(([, sub]) => sub === maxSub)![0];
    if (maxSub > 0) {
      c.commit('db.events', { ...seqs, [cut]: `${seqs[cut]}:${maxSub - 1}` }, '112');
      expect((await jobStatus(s, jobId)).state).toBe('IN_STREAM');
    }
    c.commit('db.events', { ...seqs, 'shardId-other': '1' }, '222');
    const done = await jobStatus(s, jobId);
    expect(done).toMatchObject({ state: 'COMMITTED', snapshotId: '222', records: 3, sent: 3, failed: 0 });
    const m = await (await fetch(`${s.url}/metrics`)).text();
    expect(m).toContain('floe_ingest_records_total{table="db.events",outcome="accepted"} 3');
    expect(m).toContain('floe_ingest_records_total{table="db.events",outcome="sent"} 3');
  });

  it('settles a job at once when a commit covering it landed before its put was acknowledged', async () => {
    const { s, c } = await start();
    c.commit('db.events', { 'shardId-000000000000': 'end', 'shardId-000000000001': '999999' }, '77');
    const jobId = await ingestNdjson(s, '{"id":1}');
    const st = await waitForJob(s, jobId, (v) => v.state === 'COMMITTED');
    expect(st).toMatchObject({ state: 'COMMITTED', snapshotId: '77' });
  });

  it('takes a JSON array, a single JSON object and CSV', async () => {
    const { s, kinesis } = await start();
    const post = (type: string, body: string): Promise<Response> => postIngest(s, type, body);
    expect(await json(await post('application/json', '[{"id":1},\n {"id": 2}]'))).toMatchObject({
      records: 2,
    });
    expect(await json(await post('application/json; charset=utf-8', '{"id":3}'))).toMatchObject({
      records: 1,
    });
    expect(await json(await post('text/csv', 'id,name\n4,d\n5,\n'))).toMatchObject({ records: 2 });
    await waitFor(
      async () => userData(kinesis).length,
      (n) => n === 5,
    );
    expect(userData(kinesis).sort()).toEqual([
      '{"id":"4","name":"d"}',
      '{"id":"5","name":null}',
      '{"id":1}',
      '{"id":2}',
      '{"id":3}',
    ]);
  });

  it('refuses malformed bodies with 400 naming the line, and unknown content types with 415', async () => {
    const { s, kinesis } = await start();
    const post = (type: string, body: string): Promise<Response> => postIngest(s, type, body);
    const a = await post('application/x-ndjson', '{"id":1}\n{"id": \n{"id":3}');
    expect(a.status).toBe(400);
    expect(await json(a)).toMatchObject({ line: 2, error: expect.stringMatching(/^line 2: invalid JSON/) });
    const b = await post('application/x-ndjson', '{"id":1}\n[1,2]\n');
    expect(await json(b)).toMatchObject({ line: 2, error: 'line 2: expected a JSON object, got an array' });
    const c = await post('text/csv', 'id,name\n1,a\n2\n');
    expect(c.status).toBe(400);
    expect(await json(c)).toMatchObject({ line: 3 });
    const d = await post('application/json', '[{"id":1}, {"id":2}');
    expect(d.status).toBe(400);
    expect((await post('application/x-ndjson', '  \n')).status).toBe(400);
    const e = await post('text/plain', '{"id":1}');
    expect(e.status).toBe(415);
    await new Promise((r) => setTimeout(r, 20));
    expect(kinesis.stored).toHaveLength(0);
  });

  it('answers 413 for a body over the limit, declared or chunked', async () => {
    const { s } = await start({ maxBodyBytes: 1000 });
    const big = `${'{"id":1,"pad":"' + 'x'.repeat(100) + '"}\n'}`.repeat(20);
    const r = await fetch(`${s.url}/api/v1/ingest?table=db.events`, {
      method: 'POST',
      headers: ndjsonHeaders,
      body: big,
    });
    expect(r.status).toBe(413);
    expect((await json(r)).error).toBe('request body larger than 1000 bytes');
    const status = await new Promise<number>((resolve, reject) => {
      const u = new URL(`${s.url}/api/v1/ingest?table=db.events`);
      const req = request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname + u.search,
          method: 'POST',
          headers: ndjsonHeaders,
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write(`{"id":${i},"pad":"${'y'.repeat(100)}"}\n`);
      req.end();
    });
    expect(status).toBe(413);
  });

  it('404 for an unknown table or job, 400 without a table', async () => {
    const { s } = await start();
    const r = await fetch(`${s.url}/api/v1/ingest?table=db.nope`, {
      method: 'POST',
      headers: ndjsonHeaders,
      body: '{}',
    });
    expect(r.status).toBe(404);
    expect((await json(r)).error).toBe('unknown table db.nope');
    expect(
      (await fetch(`${s.url}/api/v1/ingest`, { method: 'POST', headers: ndjsonHeaders, body: '{}' })).status,
    ).toBe(400);
    const j = await fetch(`${s.url}/api/v1/status/00000000-0000-0000-0000-000000000000`);
    expect(j.status).toBe(404);
  });

  it('marks a job FAILED with the error when the stream does not take the records', async () => {
    const c = stubConsumer();
    const kinesis = new FakeKinesis({
      failCall: () =>
        Object.assign(new Error('Stream events not found'), { name: 'ResourceNotFoundException' }),
    });
    const s = await startHttpServer({ port: 0, consumer: c, ingest: { api: kinesis } });
    servers.push(s);
    const jobId = await ingestNdjson(s, '{"id":1}\n{"id":2}');
    const st = await waitForJob(s, jobId, (v) => v.state === 'FAILED');
    expect(st).toMatchObject({ state: 'FAILED', failed: 2, sent: 0 });
    expect(st.error).toMatch(/ResourceNotFoundException|not found/);
  });

  it('retries throttled records (the producer sender) and still reaches IN_STREAM', async () => {
    const c = stubConsumer();
    let n = 0;
    const kinesis = new FakeKinesis({
      failEntry: () => (n++ < 2 ? 'ProvisionedThroughputExceededException' : undefined),
    });
    const s = await startHttpServer({
      port: 0,
      consumer: c,
      ingest: { api: kinesis, backoffBaseMs: 1, backoffMaxMs: 2 },
    });
    servers.push(s);
    const jobId = await ingestNdjson(s, '{"id":1}\n{"id":2}');
    const st = await waitForJob(s, jobId, (v) => v.state === 'IN_STREAM');
    expect(st).toMatchObject({ state: 'IN_STREAM', sent: 2 });
    expect(kinesis.failedEntries).toBe(2);
  });

  it('with ingest aggregation off, one plain Kinesis record per record; a job is (seq, 0) per shard', async () => {
    const c = stubConsumer();
    const kinesis = new FakeKinesis({ shards: 2 });
    const s = await startHttpServer({ port: 0, consumer: c, ingest: { api: kinesis, aggregate: false } });
    servers.push(s);
    const jobId = await ingestNdjson(s, '{"id":1}\n{"id":2}\n{"id":3}\n{"id":4}');
    const st = await waitForJob(s, jobId, (v) => v.state === 'IN_STREAM');
    expect(kinesis.stored).toHaveLength(4);
    expect(kinesis.stored.every((x) => deaggregate(x.data) === undefined)).toBe(true);
    expect(st.subSequenceNumbers).toBeUndefined();
    c.commit('db.events', st.sequenceNumbers as Record<string, string>, '5');
    expect(await jobStatus(s, jobId)).toMatchObject({
      state: 'COMMITTED',
      snapshotId: '5',
    });
  });

  it('aggregates records of concurrent requests; each job settles on the commit of its aggregates', async () => {
    const { s, c, kinesis } = await start();
    const bodies = Array.from({ length: 8 }, (_, j) =>
      Array.from({ length: 5 }, (_, i) => JSON.stringify({ id: j * 10 + i, k: `key-${i % 3}` })).join('\n'),
    );
    const jobs = await Promise.all(
      bodies.map(async (body) => {
        const r = await fetch(`${s.url}/api/v1/ingest?table=db.events&partitionKey=k`, {
          method: 'POST',
          headers: ndjsonHeaders,
          body,
        });
        return ((await r.json()) as { jobId: string }).jobId;
      }),
    );
    const statuses = await Promise.all(
      jobs.map((id) =>
        waitFor(
          async () => json(await fetch(`${s.url}/api/v1/status/${id}`)),
          (v) => v.state === 'IN_STREAM',
        ),
      ),
    );
    expect(userData(kinesis)).toHaveLength(40);
    // 40 records, 3 keys, 2 shards: far fewer Kinesis records than user records.
    expect(kinesis.stored.length).toBeLessThan(10);
    // Each key's records sit on one shard (aggregates are per shard; order is kept per shard lane).
    const shardsOfKey = new Map<string, Set<string>>();
    for (const x of kinesis.stored)
      for (const u of deaggregate(x.data) ?? []) {
        const { k } = JSON.parse(Buffer.from(u.data).toString()) as { k: string };
        shardsOfKey.set(k, (shardsOfKey.get(k) ?? new Set()).add(x.shardId));
      }
    expect([...shardsOfKey.values()].map((v) => v.size)).toEqual([1, 1, 1]);
    // A commit covering every shard's newest aggregate settles every job.
    const newest: Record<string, string> = {};
    for (const st of statuses)
      for (const [sh, seq] of Object.entries(st.sequenceNumbers as Record<string, string>))
        if (newest[sh] === undefined || BigInt(seq) > BigInt(newest[sh])) newest[sh] = seq;
    c.commit('db.events', newest, '42');
    for (const id of jobs)
      expect(await json(await fetch(`${s.url}/api/v1/status/${id}`))).toMatchObject({
        state: 'COMMITTED',
        snapshotId: '42',
      });
  });

  it('answers 503 when no ingest API is configured', async () => {
    const c = stubConsumer();
    const s = await startHttpServer({ port: 0, consumer: c });
    servers.push(s);
    const r = await fetch(`${s.url}/api/v1/ingest?table=db.events`, {
      method: 'POST',
      headers: ndjsonHeaders,
      body: '{}',
    });
    expect(r.status).toBe(503);
  });
});

describe('JSON metrics and trigger', () => {
  it('GET /api/v1/metrics returns the snapshot and health', async () => {
    const { s, c } = await start();
    c.table('db.events').inc('recordsWritten', 4);
    const m = await json(await fetch(`${s.url}/api/v1/metrics`));
    expect((m.counters as Record<string, number>).recordsWritten).toBe(4);
    expect(
      (m.tables as Record<string, { counters: Record<string, number> }>)['db.events']!.counters
        .recordsWritten,
    ).toBe(4);
    expect((m.health as { state: string }).state).toBe('running');
    expect(m.ingestJobs).toEqual({ ACCEPTED: 0, IN_STREAM: 0, COMMITTED: 0, FAILED: 0 });
  });

  it('POST /api/v1/trigger/{table} flushes now (202), 404 for an unknown table', async () => {
    const { s, c } = await start();
    const r = await fetch(`${s.url}/api/v1/trigger/db.events`, { method: 'POST' });
    expect(r.status).toBe(202);
    expect(c.flushed).toEqual(['db.events']);
    expect((await fetch(`${s.url}/api/v1/trigger/db.other`, { method: 'POST' })).status).toBe(404);
    expect(c.flushed).toEqual(['db.events']);
  });
});

describe('routing', () => {
  it('405 with Allow for a wrong method, 404 for an unknown path', async () => {
    const { s } = await start();
    const r = await fetch(`${s.url}/api/v1/ingest?table=db.events`);
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe('POST');
    expect((await fetch(`${s.url}/health`, { method: 'POST' })).status).toBe(405);
    expect((await fetch(`${s.url}/api/v1/trigger/db.events`)).status).toBe(405);
    expect((await fetch(`${s.url}/nothing/here`)).status).toBe(404);
  });

  it('tries extra route modules after the built-in routes', async () => {
    const seen: string[] = [];
    const { s } = await start({
      routes: [
        async (_req, res, url) => {
          seen.push(url.pathname);
          if (url.pathname !== '/dashboard') return false;
          res.end('dash');
          return true;
        },
      ],
    });
    expect(await (await fetch(`${s.url}/dashboard`)).text()).toBe('dash');
    expect((await fetch(`${s.url}/other`)).status).toBe(404);
    await fetch(`${s.url}/health`);
    expect(seen).toEqual(['/dashboard', '/other']);
  });
});

describe('API keys', () => {
  const KEY = 'k3y-0123456789abcdef';
  it('needs a key for everything but /health and /ready; Bearer or X-API-Key; never the query', async () => {
    const { s } = await start({
      apiKeys: [KEY, 'other-key'],
      routes: [async (_q, res) => (res.end('x'), true)],
    });
    expect((await fetch(`${s.url}/health`)).status).toBe(200);
    expect((await fetch(`${s.url}/ready`)).status).toBe(200);
    for (const path of ['/metrics', '/api/v1/metrics', '/api/v1/status/x', '/api/v1/dashboard', '/nothing']) {
      const none = await fetch(`${s.url}${path}`);
      expect(none.status).toBe(401);
      expect(none.headers.get('www-authenticate')).toBe('Bearer realm="floe"');
      expect((await fetch(`${s.url}${path}`, { headers: { authorization: 'Bearer wrong' } })).status).toBe(
        401,
      );
      expect((await fetch(`${s.url}${path}`, { headers: { 'x-api-key': `${KEY}x` } })).status).toBe(401);
      expect((await fetch(`${s.url}${path}?api_key=${KEY}&key=${KEY}&token=${KEY}`)).status).toBe(401);
    }
    expect((await fetch(`${s.url}/metrics`, { headers: { authorization: `Bearer ${KEY}` } })).status).toBe(
      200,
    );
    expect((await fetch(`${s.url}/api/v1/metrics`, { headers: { 'x-api-key': 'other-key' } })).status).toBe(
      200,
    );
    expect((await fetch(`${s.url}/api/v1/dashboard`, { headers: { 'x-api-key': KEY } })).status).toBe(200);
    // The dashboard's static files are public (no data in them); its data call is not.
    expect((await fetch(`${s.url}/dashboard/app.js`)).status).toBe(200);
    expect((await fetch(`${s.url}/api/v1/dashboard`)).status).toBe(401);
    const post = await fetch(`${s.url}/api/v1/ingest?table=db.events`, {
      method: 'POST',
      headers: { ...ndjsonHeaders },
      body: '{"id":1}',
    });
    expect(post.status).toBe(401);
    const ok = await fetch(`${s.url}/api/v1/ingest?table=db.events`, {
      method: 'POST',
      headers: { ...ndjsonHeaders, authorization: `bearer ${KEY}` },
      body: '{"id":1}',
    });
    expect(ok.status).toBe(202);
  });

  it('refuses to bind a non-loopback host without keys (config error), allows it with keys', async () => {
    const c = stubConsumer();
    const err = await startHttpServer({ consumer: c, host: '0.0.0.0', port: 0 }).catch((e: unknown) => e);
    expect(isFloeError(err, 'config')).toBe(true);
    expect((err as Error).message).toMatch(/without API keys/);
    const s = await startHttpServer({ consumer: c, host: '0.0.0.0', port: 0, apiKeys: [KEY] });
    servers.push(s);
    expect(s.url).toBe(`http://127.0.0.1:${s.port}`);
  });

  it('reports a port in use as an io error', async () => {
    const { s } = await start();
    const err = await startHttpServer({ consumer: stubConsumer(), port: s.port }).catch((e: unknown) => e);
    expect(isFloeError(err, 'io')).toBe(true);
    expect((err as Error).message).toMatch(/in use/);
  });
});
