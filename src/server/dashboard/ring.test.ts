import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { buckets, Ring } from './ring.js';

describe('Ring', () => {
  it('keeps exactly the newest `capacity` items, in order (model: the tail of an array)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 20 }), fc.array(fc.integer(), { maxLength: 100 }), (cap, xs) => {
        const ring = new Ring<number>(cap, (x) => x);
        for (const x of xs) ring.push(x);
        expect(ring.toArray()).toEqual(xs.slice(Math.max(0, xs.length - cap)));
        expect(ring.size).toBe(Math.min(cap, xs.length));
        expect(ring.last()).toBe(xs.length ? xs[xs.length - 1] : undefined);
      }),
    );
  });

  it('range(from, to) returns what filtering would; withPrevious adds the one item just before', () => {
    const sortedTimes = fc
      .array(fc.integer({ min: 0, max: 1000 }), { maxLength: 80 })
      .map((a) => a.sort((x, y) => x - y));
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        sortedTimes,
        fc.integer({ min: -10, max: 1010 }),
        fc.integer({ min: 0, max: 500 }),
        (cap, times, from, span) => {
          const ring = new Ring<{ t: number }>(cap, (x) => x.t);
          const items = times.map((t) => ({ t }));
          for (const it of items) ring.push(it);
          const kept = items.slice(Math.max(0, items.length - cap));
          const to = from + span;
          const inside = kept.filter((x) => x.t >= from && x.t <= to);
          expect(ring.range(from, to)).toEqual(inside);
          const before = kept.filter((x) => x.t < from);
          const withPrev = ring.range(from, to, true);
          expect(withPrev).toEqual(before.length ? [before[before.length - 1], ...inside] : inside);
        },
      ),
    );
  });

  it('rejects a capacity below 1 and an index out of range', () => {
    expect(() => new Ring(0, () => 0)).toThrow(RangeError);
    const r = new Ring<number>(2, (x) => x);
    r.push(1);
    expect(() => r.at(1)).toThrow(RangeError);
  });
});

describe('buckets', () => {
  it('covers 0..n with at most maxBuckets contiguous non-empty groups of near-equal size', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 5000 }), fc.integer({ min: 1, max: 700 }), (n, max) => {
        const b = buckets(n, max);
        expect(b.length).toBe(Math.min(n, max));
        let next = 0;
        const sizes = b.map(([s, e]) => {
          expect(s).toBe(next);
          expect(e).toBeGreaterThan(s);
          next = e;
          return e - s;
        });
        expect(next).toBe(n);
        if (sizes.length) expect(Math.max(...sizes) - Math.min(...sizes)).toBeLessThanOrEqual(1);
      }),
    );
  });
});
