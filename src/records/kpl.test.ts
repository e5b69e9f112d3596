import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeAggregate } from '../producer/kpl.js';
import { deaggregate, hasKplMagic } from './kpl.js';

const userRecord = fc.record(
  {
    partitionKey: fc.string({ minLength: 1, maxLength: 20 }),
    explicitHashKey: fc.bigInt({ min: 0n, max: 2n ** 128n - 1n }).map(String),
    data: fc.uint8Array({ maxLength: 300 }),
  },
  { requiredKeys: ['partitionKey', 'data'] },
);

describe('KPL de-aggregation', () => {
  it('round-trips the producer encoder: keys, explicit hash keys, data, order', () => {
    fc.assert(
      fc.property(fc.array(userRecord, { minLength: 1, maxLength: 40 }), fc.boolean(), (recs, withEhk) => {
        const input = recs.map((r) => (withEhk ? r : { partitionKey: r.partitionKey, data: r.data }));
        const out = deaggregate(encodeAggregate(input));
        expect(out).toBeDefined();
        expect(out!.map((u) => ({ ...u, data: Buffer.from(u.data) }))).toEqual(
          input.map((u) => ({ ...u, data: Buffer.from(u.data) })),
        );
      }),
    );
  });

  it('plain records, a bad checksum or a corrupt body are not aggregates', () => {
    expect(deaggregate(Buffer.from('{"a":1}'))).toBeUndefined();
    const agg = encodeAggregate([{ partitionKey: 'k', data: Buffer.from('{"a":1}') }]);
    expect(hasKplMagic(agg)).toBe(true);
    const badSum = Buffer.from(agg);
    badSum[badSum.length - 1]! ^= 1;
    expect(deaggregate(badSum)).toBeUndefined();
    // Valid checksum over a truncated protobuf: still refused.
    const body = agg.subarray(4, agg.length - 16 - 3);
    const corrupt = Buffer.concat([agg.subarray(0, 4), body, createHash('md5').update(body).digest()]);
    expect(deaggregate(corrupt)).toBeUndefined();
  });
});
