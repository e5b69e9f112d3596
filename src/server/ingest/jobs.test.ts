import { describe, expect, it } from 'vitest';
import type { CommitEvent } from '../../consumer/metrics.js';
import { JobStore } from './jobs.js';

const commit = (table: string, positions: Record<string, string>, snapshotId: string): CommitEvent => ({
  type: 'commit',
  table,
  stream: 's',
  snapshotId,
  sequenceNumber: '1',
  atMs: 5,
  durationMs: 1,
  attempts: 1,
  dataFiles: 1,
  bytesWritten: 1,
  records: { read: 1, written: 1, rejected: 0, deduped: 0 },
  batchBytes: 1,
  rejectedByRule: {},
  positions,
  newestArrivalMs: null,
});

describe('JobStore', () => {
  it('goes ACCEPTED → IN_STREAM → COMMITTED at the first commit covering every shard of the job', () => {
    const store = new JobStore();
    const job = store.create('db.t', 's', 3);
    expect(job.status().state).toBe('ACCEPTED');
    store.recordSent(job, 'shard-a', '100');
    store.recordSent(job, 'shard-a', '90');
    expect(job.state).toBe('ACCEPTED');
    store.recordSent(job, 'shard-b', '205');
    expect(job.status()).toMatchObject({
      state: 'IN_STREAM',
      sequenceNumbers: { 'shard-a': '100', 'shard-b': '205' },
    });
    store.onCommit(commit('db.t', { 'shard-a': '100', 'shard-b': '204' }, '1'));
    store.onCommit(commit('db.other', { 'shard-a': 'end', 'shard-b': 'end' }, '2'));
    expect(job.state).toBe('IN_STREAM');
    store.onCommit(commit('db.t', { 'shard-a': '150', 'shard-b': '205:3' }, '3'));
    // 205:3 covers only sub-records 0..3 of 205, which includes the plain record (205, 0).
    expect(job.status()).toMatchObject({ state: 'COMMITTED', snapshotId: '3' });
    store.onCommit(commit('db.t', { 'shard-a': 'end', 'shard-b': 'end' }, '4'));
    expect(job.snapshotId).toBe('3');
  });

  it('a sequence number beyond 2^64 still compares exactly', () => {
    const store = new JobStore();
    const job = store.create('db.t', 's', 1);
    store.recordSent(job, 'a', '49590338271490256608559692538361571095921575989136588898');
    store.onCommit(commit('db.t', { a: '49590338271490256608559692538361571095921575989136588897' }, '1'));
    expect(job.state).toBe('IN_STREAM');
    store.onCommit(commit('db.t', { a: '49590338271490256608559692538361571095921575989136588898' }, '2'));
    expect(job.state).toBe('COMMITTED');
  });

  it('FAILED once every record is accounted for and one was not stored', () => {
    const store = new JobStore();
    const job = store.create('db.t', 's', 2);
    store.recordFailed(job, 'ProvisionedThroughputExceededException', 'slow down');
    expect(job.state).toBe('ACCEPTED');
    store.recordSent(job, 'a', '1');
    expect(job.status()).toMatchObject({
      state: 'FAILED',
      sent: 1,
      failed: 1,
      error: 'ProvisionedThroughputExceededException: slow down',
    });
  });

  it('forgets jobs past their TTL and beyond the count bound, oldest first', () => {
    let now = 0;
    const store = new JobStore({ maxJobs: 3, ttlMs: 1000, now: () => now });
    const a = store.create('db.t', 's', 1);
    now = 10;
    const b = store.create('db.t', 's', 1);
    const c = store.create('db.t', 's', 1);
    const d = store.create('db.t', 's', 1);
    expect(store.get(a.id)).toBeUndefined();
    expect(store.get(b.id)).toBe(b);
    expect(store.size).toBe(3);
    now = 1009;
    expect(store.get(d.id)).toBe(d);
    now = 1010;
    expect(store.get(b.id)).toBeUndefined();
    expect(store.get(c.id)).toBeUndefined();
    expect(store.get(d.id)).toBeUndefined();
    expect(store.size).toBe(0);
  });

  it('aggregated records: positions are (aggregate sequence, sub-record), compared exactly', () => {
    const store = new JobStore();
    const job = store.create('db.t', 's', 7);
    // Records 0..3 at subs 5..8 of aggregate 300 on shard a; 3 more at subs 0..2 of aggregate 310 on b.
    store.recordSent(job, 'a', '300', { count: 4, lastSub: 8, aggregated: true });
    store.recordSent(job, 'b', 310n, { count: 2, lastSub: 1, aggregated: true });
    expect(job.state).toBe('ACCEPTED');
    store.recordSent(job, 'b', '310', { count: 1, lastSub: 2, aggregated: true });
    expect(job.status()).toMatchObject({
      state: 'IN_STREAM',
      sent: 7,
      sequenceNumbers: { a: '300', b: '310' },
      subSequenceNumbers: { a: 8, b: 2 },
    });
    // Sub-records 0..7 of 300 do not cover the job's last one (sub 8).
    store.onCommit(commit('db.t', { a: '300:7', b: '310' }, '1'));
    expect(job.state).toBe('IN_STREAM');
    // Nor does the aggregate before it.
    store.onCommit(commit('db.t', { a: '299', b: '310' }, '2'));
    expect(job.state).toBe('IN_STREAM');
    // The consumer commits whole Kinesis records: the aggregate's sequence number decides.
    store.onCommit(commit('db.t', { a: '300', b: '310' }, '3'));
    expect(job.status()).toMatchObject({ state: 'COMMITTED', snapshotId: '3' });
  });

  it('a job settled by an earlier commit of its aggregates (before all its records were acknowledged)', () => {
    const store = new JobStore();
    store.onCommit(commit('db.t', { a: '500' }, '9'));
    const job = store.create('db.t', 's', 3);
    store.recordSent(job, 'a', '500', { count: 3, lastSub: 40, aggregated: true });
    expect(job.status()).toMatchObject({ state: 'COMMITTED', snapshotId: '9' });
    const plain = store.create('db.t', 's', 1);
    store.recordSent(plain, 'a', '501');
    expect(plain.status().state).toBe('IN_STREAM');
    expect(plain.status().subSequenceNumbers).toBeUndefined();
  });
});
