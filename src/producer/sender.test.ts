import { describe, expect, it } from 'vitest';
import type { PutEntry } from './entry.js';
import { Sender } from './sender.js';
import { FakeKinesis } from './test-support.js';

const entry = (i: number, key = String(i)): PutEntry => {
  const data = Buffer.from(JSON.stringify({ i }));
  return {
    data,
    partitionKey: key,
    size: data.length + key.length,
    records: [{ line: i, data, partitionKey: key }],
    attempts: 0,
  };
};

function batches(n: number, per: number, key?: (i: number) => string) {
  const out = [];
  for (let b = 0; b < n; b++) {
    const entries = Array.from({ length: per }, (_, j) => entry(b * per + j, key?.(b * per + j)));
    out.push({ entries, bytes: entries.reduce((s, e) => s + e.size, 0) });
  }
  return out;
}

const ids = (fake: FakeKinesis): number[] =>
  fake.stored.map((r) => (JSON.parse(r.data.toString()) as { i: number }).i);

describe('Sender', () => {
  it('retries throttled entries until they are in, counting every retry', async () => {
    let n = 0;
    // Fails every third entry send: ~1/3 of the entries, some of them again on retry.
    const fake = new FakeKinesis({
      failEntry: () => (++n % 3 === 0 ? 'ProvisionedThroughputExceededException' : undefined),
    });
    const failed: PutEntry[] = [];
    const s = new Sender({
      api: fake,
      stream: 's',
      concurrency: 4,
      lanes: [4],
      maxRetries: 10,
      backoffBaseMs: 1,
      backoffMaxMs: 4,
      onFailed: (e) => failed.push(e),
    });
    for (const b of batches(10, 30)) s.submit(0, b);
    await s.drain();
    expect(failed).toEqual([]);
    expect(s.stats.sent).toBe(300);
    expect(new Set(ids(fake)).size).toBe(300);
    expect(fake.stored.length).toBe(300);
    expect(s.stats.retried).toBe(fake.failedEntries);
    expect(s.stats.errors).toEqual({ ProvisionedThroughputExceededException: fake.failedEntries });
    expect(s.bufferedBytes).toBe(0);
  });

  it('gives up after maxRetries and hands the entry over with its error code', async () => {
    const fake = new FakeKinesis({
      failEntry: (e) => (e.partitionKey === '7' ? 'InternalFailure' : undefined),
    });
    const failed: [number, string, number][] = [];
    const s = new Sender({
      api: fake,
      stream: 's',
      concurrency: 2,
      lanes: [2],
      maxRetries: 3,
      backoffBaseMs: 1,
      backoffMaxMs: 2,
      onFailed: (e, code) => failed.push([e.records[0]!.line, code, e.attempts]),
    });
    for (const b of batches(2, 10)) s.submit(0, b);
    await s.drain();
    expect(failed).toEqual([[7, 'InternalFailure', 4]]);
    expect(s.stats).toMatchObject({ sent: 19, failed: 1, retried: 3 });
  });

  it('does not retry non-retryable entry errors', async () => {
    const fake = new FakeKinesis({
      failEntry: (e) => (e.partitionKey === '3' ? 'KMSAccessDeniedException' : undefined),
    });
    const failed: string[] = [];
    const s = new Sender({
      api: fake,
      stream: 's',
      concurrency: 1,
      lanes: [1],
      maxRetries: 5,
      onFailed: (_e, code) => failed.push(code),
    });
    for (const b of batches(1, 5)) s.submit(0, b);
    await s.drain();
    expect(failed).toEqual(['KMSAccessDeniedException']);
    expect(s.stats.retried).toBe(0);
  });

  it('retries whole calls that fail transiently, and stops everything on a fatal one', async () => {
    const flaky = new FakeKinesis({
      failCall: (c) =>
        c === 0 ? Object.assign(new Error('socket hang up'), { name: 'TimeoutError' }) : undefined,
    });
    const s1 = new Sender({
      api: flaky,
      stream: 's',
      concurrency: 1,
      lanes: [1],
      maxRetries: 3,
      backoffBaseMs: 1,
      onFailed: () => undefined,
    });
    for (const b of batches(2, 5)) s1.submit(0, b);
    await s1.drain();
    expect(s1.stats).toMatchObject({ sent: 10, retried: 5, failed: 0 });

    const gone = new FakeKinesis({
      failCall: () => Object.assign(new Error('Stream s not found'), { name: 'ResourceNotFoundException' }),
    });
    const failed: string[] = [];
    const s2 = new Sender({
      api: gone,
      stream: 's',
      concurrency: 1,
      lanes: [1],
      maxRetries: 3,
      onFailed: (_e, code) => failed.push(code),
    });
    for (const b of batches(3, 5)) s2.submit(0, b);
    await s2.drain();
    expect(s2.fatal?.kind).toBe('not-found');
    expect(gone.calls.length).toBe(1);
    expect(failed.length).toBe(15);
    expect(failed.filter((c) => c === 'ResourceNotFoundException').length).toBe(5);
    expect(s2.stats.failed).toBe(15);
  });

  it('keeps calls in flight within the concurrency, and a lane with maxInFlight 1 in order', async () => {
    const fake = new FakeKinesis({ delayMs: 5 });
    const s = new Sender({
      api: fake,
      stream: 's',
      concurrency: 3,
      lanes: [1, 1, 1, 1, 1],
      maxRetries: 0,
      onFailed: () => undefined,
    });
    const all = batches(25, 4, (i) => `k${i % 5}`);
    all.forEach((b, i) => s.submit(i % 5, b));
    await s.drain();
    expect(fake.maxInFlight).toBe(3);
    // Batch i holds keys k(4i..4i+3 mod 5): per lane, the ids arrive in submission order.
    for (let lane = 0; lane < 5; lane++) {
      const mine = all
        .filter((_, i) => i % 5 === lane)
        .flatMap((b) => b.entries.map((e) => e.records[0]!.line));
      const got = ids(fake).filter((id) => mine.includes(id));
      expect(got).toEqual(mine);
    }
  });

  it('waitForRoom resolves once in-flight bytes fall under the bound', async () => {
    const fake = new FakeKinesis({ delayMs: 20 });
    const s = new Sender({
      api: fake,
      stream: 's',
      concurrency: 1,
      lanes: [1],
      maxRetries: 0,
      onFailed: () => undefined,
    });
    for (const b of batches(5, 10)) s.submit(0, b);
    expect(s.bufferedBytes).toBeGreaterThan(0);
    await s.waitForRoom(0);
    expect(s.bufferedBytes).toBe(0);
    expect(s.idle).toBe(true);
  });
});
