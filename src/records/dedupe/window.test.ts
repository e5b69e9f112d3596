import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isFloeError } from '../../errors.js';
import { Schema } from '../../iceberg/spec/schema.js';
import type { Value } from '../../iceberg/spec/types.js';
import type { ColumnBatch } from '../../iceberg/writer/batch.js';
import { DedupeWindow, ownString } from './index.js';

const schema = new Schema([
  { id: 1, name: 'k', required: false, type: { kind: 'long' } },
  { id: 2, name: 's', required: false, type: { kind: 'string' } },
  { id: 3, name: 'n', required: false, type: { kind: 'int' } },
]);

function batch(rows: [bigint | null, string | null, number][]): ColumnBatch {
  return {
    rowCount: rows.length,
    columns: new Map<number, Value[]>([
      [1, rows.map((r) => r[0])],
      [2, rows.map((r) => r[1])],
      [3, rows.map((r) => r[2])],
    ]),
  };
}
const col = (b: ColumnBatch, id: number) => [...(b.columns.get(id) ?? [])];

describe('DedupeWindow', () => {
  test('within a batch and across batches, first occurrence kept, order kept', () => {
    const w = new DedupeWindow({ schema, key: 'k' });
    const r1 = w.process(
      batch([
        [1n, 'a', 0],
        [2n, 'b', 1],
        [1n, 'c', 2],
        [3n, 'd', 3],
      ]),
    );
    expect(col(r1.batch, 3)).toEqual([0, 1, 3]);
    expect([...r1.kept]).toEqual([0, 1, 3]);
    expect([...r1.dropped]).toEqual([2]);
    const r2 = w.process(
      batch([
        [3n, 'x', 4],
        [4n, 'y', 5],
        [2n, 'z', 6],
      ]),
    );
    expect(col(r2.batch, 3)).toEqual([5]);
    expect([...r2.dropped]).toEqual([0, 2]);
    expect(w.stats()).toMatchObject({ keys: 4, dropped: 3 });
  });

  test('a row with a null key part is never a duplicate and is not remembered', () => {
    const w = new DedupeWindow({ schema, key: ['k', 's'] });
    const r = w.process(
      batch([
        [1n, null, 0],
        [1n, null, 1],
        [1n, 'a', 2],
        [1n, 'a', 3],
        [null, 'a', 4],
      ]),
    );
    expect(col(r.batch, 3)).toEqual([0, 1, 2, 4]);
    expect(w.size).toBe(1);
  });

  test('composite keys cannot be forged by separators inside values', () => {
    const s2 = new Schema([
      { id: 1, name: 'a', required: false, type: { kind: 'string' } },
      { id: 2, name: 'b', required: false, type: { kind: 'string' } },
    ]);
    const w = new DedupeWindow({ schema: s2, key: ['a', 'b'] });
    const b: ColumnBatch = {
      rowCount: 3,
      columns: new Map<number, Value[]>([
        [1, ['1:x', '1:x1:', '1:x']],
        [2, ['1:y', 'y', '1:y']],
      ]),
    };
    expect([...w.process(b).dropped]).toEqual([2]);
  });

  test('count eviction happens after a batch: a batch larger than maxKeys is still deduplicated against itself', () => {
    const w = new DedupeWindow({ schema, key: 'k', maxKeys: 2 });
    const r = w.process(
      batch([
        [1n, 'a', 0],
        [2n, 'a', 1],
        [3n, 'a', 2],
        [1n, 'a', 3],
      ]),
    );
    expect([...r.dropped]).toEqual([3]);
    expect(w.size).toBe(2); // 2 and 3 remain
    expect([
      ...w.process(
        batch([
          [1n, 'a', 0],
          [3n, 'a', 1],
        ]),
      ).dropped,
    ]).toEqual([1]);
  });

  test('age eviction forgets keys of batches older than maxAgeMs; the clock never goes back', () => {
    const w = new DedupeWindow({ schema, key: 'k', maxAgeMs: 1000 });
    w.process(batch([[1n, 'a', 0]]), { nowMs: 10_000 });
    w.process(batch([[2n, 'a', 0]]), { nowMs: 10_600 });
    expect([...w.process(batch([[1n, 'a', 0]]), { nowMs: 11_000 }).dropped]).toEqual([0]); // exactly maxAge old: kept
    expect([
      ...w.process(
        batch([
          [1n, 'a', 0],
          [2n, 'a', 1],
        ]),
        { nowMs: 11_001 },
      ).dropped,
    ]).toEqual([1]);
    // An earlier time is treated as the current clock (11_001): 2 is still remembered.
    expect([...w.process(batch([[2n, 'a', 0]]), { nowMs: 0 }).dropped]).toEqual([0]);
    expect(w.stats().evictedByAge).toBe(1);
  });

  test('rollback forgets uncommitted batches only, so re-read records are not dropped as duplicates of themselves', () => {
    const w = new DedupeWindow({ schema, key: 'k' });
    const a = w.process(batch([[1n, 'a', 0]]));
    w.commit(a.token);
    const b1 = w.process(
      batch([
        [2n, 'b', 0],
        [1n, 'b', 1],
      ]),
    );
    w.process(batch([[3n, 'c', 0]]));
    expect([...b1.dropped]).toEqual([1]);
    w.rollback();
    expect(w.size).toBe(1);
    const b2 = w.process(
      batch([
        [2n, 'b', 0],
        [1n, 'b', 1],
      ]),
    );
    expect([...b2.dropped]).toEqual([1]);
    expect(col(w.process(batch([[3n, 'c', 0]])).batch, 1)).toEqual([3n]);
    expect(w.stats().pendingBatches).toBe(2);
  });

  test('seed remembers committed keys (restart) and counts against maxKeys', () => {
    const w = new DedupeWindow({ schema, key: 's', maxKeys: 2 });
    w.seed(
      batch([
        [null, 'x', 0],
        [null, 'y', 0],
        [null, 'z', 0],
      ]),
    );
    expect(w.size).toBe(2);
    expect([
      ...w.process(
        batch([
          [null, 'x', 0],
          [null, 'y', 0],
          [null, 'z', 0],
        ]),
      ).dropped,
    ]).toEqual([1, 2]);
    w.rollback(); // seeded keys are committed: they stay
    expect([...w.process(batch([[null, 'z', 0]])).dropped]).toEqual([0]);
  });

  test('config errors', () => {
    const err = (fn: () => unknown) => {
      try {
        fn();
      } catch (e) {
        if (isFloeError(e, 'config')) return e.message;
      }
      return 'no config error';
    };
    expect(err(() => DedupeWindow.fromConfig(schema, { key: 'nope' }))).toMatch(/key column "nope"/);
    expect(err(() => DedupeWindow.fromConfig(schema, { key: [] }))).toMatch(/^dedupe\.key/);
    expect(err(() => DedupeWindow.fromConfig(schema, { key: 'k', maxKeys: 0 }))).toMatch(/^dedupe\.maxKeys/);
    expect(DedupeWindow.fromConfig(schema, { key: 'k' }).maxKeys).toBe(1_000_000);
  });

  test('ownString copies long strings to a flat string of their own, equal in value', () => {
    const parent = 'x'.repeat(1000) + 'payload-with-the-key-in-it';
    const sliced = parent.slice(1000);
    const owned = ownString(sliced);
    expect(owned).toBe(sliced);
    expect(ownString('short')).toBe('short');
  });
});

describe('property: dedupe window', () => {
  interface Step {
    rows: (number | null)[];
    dt: number;
    commit: boolean;
    rollback: boolean;
  }
  const stepArb: fc.Arbitrary<Step> = fc.record({
    rows: fc.array(fc.option(fc.integer({ min: 0, max: 12 }), { nil: null, freq: 8 }), { maxLength: 12 }),
    dt: fc.integer({ min: 0, max: 400 }),
    commit: fc.boolean(),
    rollback: fc.boolean(),
  });

  test('matches a naive model; kept keys unique within the window; dropped keys were seen within the window; order kept', () => {
    fc.assert(
      fc.property(
        fc.array(stepArb, { maxLength: 25 }),
        fc.integer({ min: 1, max: 15 }),
        fc.option(fc.integer({ min: 100, max: 1000 }), { nil: undefined }),
        (steps, maxKeys, maxAgeMs) => {
          const w = new DedupeWindow({
            schema,
            key: 'n',
            maxKeys,
            ...(maxAgeMs !== undefined ? { maxAgeMs } : {}),
          });
          // The model: kept keys with their batch time and whether their batch is committed.
          let model: { key: number; time: number; committed: boolean }[] = [];
          let now = 0;
          let lastToken = 0;
          for (const step of steps) {
            now += step.dt;
            if (maxAgeMs !== undefined) model = model.filter((e) => e.time >= now - maxAgeMs);
            const windowKeys = new Set(model.map((e) => e.key));
            const b: ColumnBatch = { rowCount: step.rows.length, columns: new Map([[3, step.rows]]) };
            const r = w.process(b, { nowMs: now });
            const expectKept: number[] = [];
            const seenHere = new Set<number>();
            step.rows.forEach((k, i) => {
              if (k === null) return expectKept.push(i);
              if (windowKeys.has(k) || seenHere.has(k)) {
                // Every dropped row's key is in the window or earlier in this batch.
                return;
              }
              seenHere.add(k);
              expectKept.push(i);
              model.push({ key: k, time: now, committed: false });
            });
            if (model.length > maxKeys) model = model.slice(model.length - maxKeys);
            expect([...r.kept]).toEqual(expectKept);
            expect([...r.dropped]).toEqual(step.rows.map((_, i) => i).filter((i) => !expectKept.includes(i)));
            // Order kept: the output is the input rows at the kept indexes, in order.
            expect(r.batch.columns.get(3)).toEqual(expectKept.map((i) => step.rows[i]));
            // No two kept rows of this batch share a key.
            const keptKeys = expectKept.map((i) => step.rows[i]).filter((k) => k !== null);
            expect(new Set(keptKeys).size).toBe(keptKeys.length);
            expect(w.size).toBe(model.length);
            lastToken = r.token;
            if (step.commit) {
              w.commit(lastToken);
              model = model.map((e) => ({ ...e, committed: true }));
            } else if (step.rollback) {
              w.rollback();
              model = model.filter((e) => e.committed);
              expect(w.size).toBe(model.length);
            }
          }
        },
      ),
      { numRuns: 400 },
    );
  });
});
