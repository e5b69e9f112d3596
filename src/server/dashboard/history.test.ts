import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DashboardHistory, lagOf } from './history.js';
import { FakeConsumer } from './test-helpers.js';

function setup(o: { retentionMs?: number; intervalMs?: number } = {}) {
  let now = 1_000_000;
  const consumer = new FakeConsumer({ 'db.a': 'sa', 'db.b': 'sb' });
  const history = new DashboardHistory(consumer, {
    intervalMs: o.intervalMs ?? 1000,
    ...(o.retentionMs !== undefined ? { retentionMs: o.retentionMs } : {}),
    autoStart: false,
    now: () => now,
  });
  const advance = (ms: number) => {
    now += ms;
    return now;
  };
  return { consumer, history, advance, now: () => now };
}

describe('DashboardHistory', () => {
  it('turns cumulative counters into per-second rates per table and for all tables', () => {
    const { consumer, history, advance } = setup();
    consumer.commit('db.a', advance(1000), { written: 100, rejected: 10 });
    history.sample();
    consumer.commit('db.a', advance(1000), { written: 300 });
    consumer.commit('db.b', advance(0), { written: 50 });
    history.sample();
    const a = history.query({ table: 'db.a', from: 0 });
    expect(a.series.time).toHaveLength(3);
    // The first sample has nothing before it: no rate.
    expect(a.series.writtenPerSec).toEqual([null, 100, 300]);
    expect(a.series.rejectedPerSec).toEqual([null, 10, 0]);
    expect(a.series.readPerSec).toEqual([null, 110, 300]);
    const all = history.query({ from: 0 });
    expect(all.series.writtenPerSec).toEqual([null, 100, 350]);
    expect(history.query({ table: 'db.b', from: 0 }).series.writtenPerSec).toEqual([null, 0, 50]);
  });

  it('lag is the max MillisBehindLatest over the table stream shards; freshness is now − newest arrival', () => {
    const { consumer, history, advance } = setup();
    consumer.metrics.millisBehind.set('sa/shardId-000000000000', 400);
    consumer.metrics.millisBehind.set('sa/shardId-000000000001', 900);
    consumer.metrics.millisBehind.set('sb/shardId-000000000000', 7);
    const t = advance(1000);
    consumer.commit('db.a', t, { written: 1, newestArrivalMs: t - 2500 });
    history.sample();
    const a = history.query({ table: 'db.a', from: t });
    expect(a.series.lagMs).toEqual([900]);
    expect(a.series.freshnessMs).toEqual([2500]);
    expect(history.query({ table: 'db.b', from: t }).series).toMatchObject({
      lagMs: [7],
      freshnessMs: [null],
    });
    advance(500);
    const now = history.query({ table: 'db.a' });
    const tile = now.freshness.find((f) => f.table === 'db.a');
    expect(tile).toMatchObject({
      stream: 'sa',
      freshnessMs: 3000,
      lagMs: 900,
      recordsWritten: 1,
      lastCommitAtMs: t,
    });
    expect(now.freshness.map((f) => f.table)).toEqual(['db.a', 'db.b']);
  });

  it('lagOf matches the stream prefix exactly', () => {
    expect(lagOf({ 'ab/s1': 5, 'a/s1': 3, 'a/s2': 4 }, 'a')).toBe(4);
    expect(lagOf({ 'ab/s1': 5 }, 'a')).toBeNull();
    expect(lagOf({ 'a/s1': 5 }, undefined)).toBeNull();
  });

  it('lists commits newest first, filtered by table and time range, and totals rejected records by rule', () => {
    const { consumer, history, advance } = setup();
    const t1 = advance(1000);
    consumer.commit('db.a', t1, {
      written: 5,
      rejected: 3,
      snapshotId: '111',
      rejectedByRule: { 'lat:range': 2, decode: 1 },
    });
    const t2 = advance(1000);
    consumer.commit('db.b', t2, {
      written: 5,
      rejected: 4,
      snapshotId: '222',
      rejectedByRule: { 'lat:range': 4 },
    });
    const t3 = advance(1000);
    consumer.commit('db.a', t3, {
      written: 5,
      rejected: 1,
      snapshotId: '333',
      rejectedByRule: { decode: 1 },
    });
    consumer.metrics.emit({
      type: 'commit-failed',
      table: 'db.b',
      stream: 'sb',
      snapshotId: '444',
      atMs: advance(10),
      kind: 'io',
      message: 'disk full',
    });

    expect(history.query({ from: 0 }).commits.map((c) => c.snapshotId)).toEqual(['444', '333', '222', '111']);
    expect(history.query({ table: 'db.a', from: 0 }).commits.map((c) => c.snapshotId)).toEqual([
      '333',
      '111',
    ]);
    expect(history.query({ from: t2, to: t3 }).commits.map((c) => c.snapshotId)).toEqual(['333', '222']);
    const failed = history.query({ table: 'db.b', from: 0 }).commits[0];
    expect(failed).toMatchObject({ status: 'failed', error: 'io: disk full' });
    expect(history.query({ from: 0 }).rejectedByRule).toEqual([
      { rule: 'lat:range', count: 6 },
      { rule: 'decode', count: 2 },
    ]);
    expect(history.query({ table: 'db.a', from: 0 }).rejectedByRule).toEqual([
      { rule: 'decode', count: 2 },
      { rule: 'lat:range', count: 2 },
    ]);
  });

  it('keeps at most maxCommits commits and retention/interval samples', () => {
    let now = 0;
    const consumer = new FakeConsumer({ 'db.a': 'sa' });
    const h = new DashboardHistory(consumer, {
      intervalMs: 100,
      retentionMs: 1000,
      maxCommits: 3,
      autoStart: false,
      now: () => now,
    });
    for (let i = 0; i < 50; i++) {
      now += 100;
      consumer.commit('db.a', now, { snapshotId: String(i) });
      h.sample();
    }
    expect(h.sampleCount).toBe(11);
    expect(h.query({ from: 0 }).commits.map((c) => c.snapshotId)).toEqual(['49', '48', '47']);
    h.close();
  });

  it('samples on its own timer and stops listening on close', async () => {
    const consumer = new FakeConsumer({ 'db.a': 'sa' });
    const h = new DashboardHistory(consumer, { intervalMs: 20 });
    await new Promise((r) => setTimeout(r, 130));
    expect(h.sampleCount).toBeGreaterThanOrEqual(3);
    h.close();
    const n = h.sampleCount;
    consumer.commit('db.a', Date.now(), { snapshotId: 'after-close' });
    await new Promise((r) => setTimeout(r, 60));
    expect(h.sampleCount).toBe(n);
    expect(h.query({ from: 0 }).commits).toEqual([]);
  });

  it('merging points into buckets keeps the totals: Σ rate × Δt equals the counter change (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ dt: fc.integer({ min: 1, max: 5000 }), n: fc.integer({ min: 0, max: 10_000 }) }),
          {
            minLength: 1,
            maxLength: 300,
          },
        ),
        fc.integer({ min: 1, max: 400 }),
        (steps, maxPoints) => {
          const { consumer, history, advance } = setup({ intervalMs: 10, retentionMs: 60_000 });
          const t0 = advance(0);
          for (const s of steps) {
            consumer.commit('db.a', advance(s.dt), { written: s.n });
            history.sample();
          }
          // From just after the first sample: it is the base of the first rate.
          const q = history.query({ table: 'db.a', from: t0 + 1, maxPoints });
          const { time, writtenPerSec } = q.series;
          expect(time.length).toBe(Math.min(steps.length, maxPoints));
          let prev = t0;
          let total = 0;
          time.forEach((t, i) => {
            total += (writtenPerSec[i] ?? NaN) * ((t - prev) / 1000);
            prev = t;
          });
          const expected = steps.reduce((n, s) => n + s.n, 0);
          expect(Math.abs(total - expected)).toBeLessThanOrEqual(1e-6 * Math.max(1, expected));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('lag and freshness of a bucket are the worst of its points (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 100_000 }), { minLength: 1, maxLength: 200 }),
        fc.integer({ min: 1, max: 50 }),
        (lags, maxPoints) => {
          const { consumer, history, advance } = setup({ intervalMs: 10, retentionMs: 60_000 });
          const t0 = advance(0);
          for (const l of lags) {
            consumer.metrics.millisBehind.set('sa/s0', l);
            advance(10);
            history.sample();
          }
          const q = history.query({ table: 'db.a', from: t0 + 1, maxPoints });
          expect(Math.max(...(q.series.lagMs as number[]))).toBe(Math.max(...lags));
          expect(q.series.lagMs[q.series.lagMs.length - 1]).toBeGreaterThanOrEqual(lags[lags.length - 1]!);
        },
      ),
      { numRuns: 60 },
    );
  });
});
