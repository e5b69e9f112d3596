import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { KINESIS_BATCH_LIMITS, PutBatcher } from './batcher.js';
import type { PutBatch, PutEntry } from './entry.js';
import { MAX_BYTES_PER_CALL, MAX_RECORD_BYTES, MAX_RECORDS_PER_CALL } from './limits.js';

const entry = (i: number, size: number): PutEntry => ({
  data: new Uint8Array(0),
  partitionKey: String(i),
  size,
  records: [],
  attempts: 0,
});

function runAll(sizes: number[], limits = KINESIS_BATCH_LIMITS): PutBatch[] {
  const b = new PutBatcher(limits);
  const out: PutBatch[] = [];
  sizes.forEach((s, i) => out.push(...b.add(entry(i, s))));
  const last = b.flush();
  if (last) out.push(last);
  return out;
}

describe('PutBatcher', () => {
  it('uses the Kinesis limits by default', () => {
    expect(KINESIS_BATCH_LIMITS).toEqual({ maxRecords: MAX_RECORDS_PER_CALL, maxBytes: MAX_BYTES_PER_CALL });
    expect(runAll(Array(1200).fill(10)).map((b) => b.entries.length)).toEqual([500, 500, 200]);
    // Five 1 MiB records fill a call exactly; the sixth starts the next.
    expect(runAll(Array(6).fill(MAX_RECORD_BYTES)).map((b) => b.entries.length)).toEqual([5, 1]);
  });

  it('never exceeds the limits, loses nothing, keeps order, and packs greedily', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 20 }),
        fc.integer({ min: 1, max: 5000 }),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 300 }),
        (maxRecords, maxBytes, fractions) => {
          const sizes = fractions.map((f) => Math.max(1, Math.round(f * maxBytes)));
          const batches = runAll(sizes, { maxRecords, maxBytes });
          const flat = batches.flatMap((b) => b.entries.map((e) => Number(e.partitionKey)));
          expect(flat).toEqual(sizes.map((_, i) => i));
          batches.forEach((b, i) => {
            expect(b.entries.length).toBeGreaterThan(0);
            expect(b.entries.length).toBeLessThanOrEqual(maxRecords);
            expect(b.bytes).toBe(b.entries.reduce((n, e) => n + e.size, 0));
            expect(b.bytes).toBeLessThanOrEqual(maxBytes);
            const next = batches[i + 1];
            if (next) {
              // Closed only because the next entry would not fit (or the count was reached).
              const full =
                b.entries.length === maxRecords || b.bytes + (next.entries[0] as PutEntry).size > maxBytes;
              expect(full).toBe(true);
            }
          });
        },
      ),
      { numRuns: 300 },
    );
  });

  it('refuses an entry larger than a whole call', () => {
    expect(() => new PutBatcher({ maxRecords: 10, maxBytes: 100 }).add(entry(0, 101))).toThrow(/exceeds/);
  });
});
