import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { AggregateEntry, TextRecord } from './entry.js';
import { AggregateBuilder, encodeAggregate, KPL_MAGIC, type AggregateInput } from './kpl.js';
import { referenceDeaggregate as decode } from './test-support.js';

const recordArb: fc.Arbitrary<AggregateInput> = fc.record(
  {
    partitionKey: fc.oneof(
      fc.constantFrom('a', 'b', 'key-1'),
      fc.string({ minLength: 1, maxLength: 256, unit: 'grapheme' }),
    ),
    explicitHashKey: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map((b) => b.toString()),
    data: fc.uint8Array({ maxLength: 3000 }),
  },
  { requiredKeys: ['partitionKey', 'data'] },
);

describe('KPL aggregation encoder', () => {
  it('starts with the magic bytes and ends with the MD5 of the protobuf', () => {
    const bytes = encodeAggregate([{ partitionKey: 'k', data: Buffer.from('{"a":1}') }]);
    expect(bytes.subarray(0, 4)).toEqual(KPL_MAGIC);
    expect(bytes.subarray(bytes.length - 16)).toEqual(
      createHash('md5')
        .update(bytes.subarray(4, bytes.length - 16))
        .digest(),
    );
  });

  it('decode(encode(x)) == x through aws-kinesis-agg, and the size accounting is exact', () => {
    fc.assert(
      // All records with an explicit hash key or none: aws-kinesis-agg (protobufjs defaults) reports
      // table entry 0 for a record without one, and floe never mixes them in one aggregate.
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 60 }),
        fc.boolean(),
        (generated, withEhk) => {
          const records: AggregateInput[] = generated.map((r) =>
            withEhk
              ? { ...r, explicitHashKey: r.explicitHashKey ?? '7' }
              : { partitionKey: r.partitionKey, data: r.data },
          );
          const b = new AggregateBuilder();
          for (const r of records) {
            const predicted = b.sizeWith(r);
            b.add(r);
            expect(b.size).toBe(predicted);
          }
          const bytes = b.encode();
          expect(bytes.length).toBe(b.size);
          const decoded = decode(bytes);
          expect(decoded).toEqual(
            records.map((r) => ({
              partitionKey: r.partitionKey,
              ...(r.explicitHashKey !== undefined ? { explicitHashKey: r.explicitHashKey } : {}),
              data: Buffer.from(r.data),
            })),
          );
        },
      ),
      { numRuns: 150 },
    );
  });

  it('shares partition keys through the key table (repeated keys cost only an index)', () => {
    const one = encodeAggregate([{ partitionKey: 'x'.repeat(200), data: Buffer.from('1') }]);
    const two = encodeAggregate([
      { partitionKey: 'x'.repeat(200), data: Buffer.from('1') },
      { partitionKey: 'x'.repeat(200), data: Buffer.from('1') },
    ]);
    expect(two.length - one.length).toBeLessThan(10);
  });

  it('encodes multi-byte varints (records over 127 and 16383 bytes, > 128 keys)', () => {
    const records = Array.from({ length: 300 }, (_, i) => ({
      partitionKey: `k${i}`,
      data: Buffer.alloc(i === 5 ? 20_000 : 200, i % 256),
    }));
    const decoded = decode(encodeAggregate(records));
    expect(decoded.length).toBe(300);
    expect(decoded[5]?.data.length).toBe(20_000);
    expect(decoded[299]?.partitionKey).toBe('k299');
  });
});

describe('AggregateBuilder.tryAdd and shared keys', () => {
  it('with a shared key, every sub-record carries that key (one table entry) and decodes', () => {
    const records = Array.from({ length: 50 }, (_, i) => ({
      partitionKey: `own${i}`,
      data: Buffer.from(`{"i":${i}}`),
    }));
    const shared = encodeAggregate(records, { sharedKey: 'first' });
    const own = encodeAggregate(records);
    const decoded = decode(shared);
    expect(decoded.map((d) => d.partitionKey)).toEqual(records.map(() => 'first'));
    expect(decoded.map((d) => d.data.toString())).toEqual(records.map((r) => r.data.toString()));
    expect(shared.length).toBeLessThan(own.length - 50 * 5);
  });

  it('adds a record only while the aggregate stays within the limit, exactly', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 30, max: 20_000 }),
        fc.boolean(),
        (records, limit, shared) => {
          const b = new AggregateBuilder(shared ? { sharedKey: 'pk' } : {});
          const kept: AggregateInput[] = [];
          for (const r0 of records) {
            const r = { partitionKey: r0.partitionKey, data: r0.data };
            const fits = b.sizeWith(r) <= limit;
            expect(b.tryAdd(r, limit)).toBe(fits);
            if (fits) kept.push(r);
            expect(b.size).toBeLessThanOrEqual(Math.max(limit, b.size));
          }
          expect(b.count).toBe(kept.length);
          const bytes = b.encode();
          expect(bytes.length).toBe(b.size);
          if (kept.length > 0) expect(bytes.length).toBeLessThanOrEqual(limit);
          expect(decode(bytes).map((d) => d.data)).toEqual(kept.map((r) => Buffer.from(r.data)));
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a shared-key aggregate is encoded in place, byte for byte the assembled one, and stays put', () => {
    fc.assert(
      fc.property(
        fc.array(recordArb, { minLength: 1, maxLength: 30 }),
        fc.string({ minLength: 1, maxLength: 40 }),
        (records, key) => {
          const b = new AggregateBuilder({ sharedKey: key });
          // The general path: every record with that key gives the same one-entry key table.
          const assembled = encodeAggregate(records.map((r) => ({ partitionKey: key, data: r.data })));
          for (const r of records) b.add({ partitionKey: r.partitionKey, data: r.data });
          const bytes = b.encode();
          expect(bytes).toEqual(assembled);
          const copy = Buffer.from(bytes);
          // Adding after encode must not write into the bytes already handed out.
          b.add({ partitionKey: key, data: Buffer.alloc(70_000, 1) });
          expect(bytes).toEqual(copy);
          expect(decode(b.encode())).toHaveLength(records.length + 1);
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a shared key with explicit hash keys still assembles a valid aggregate', () => {
    const b = new AggregateBuilder({ sharedKey: 'shared' });
    b.add({ partitionKey: 'x', explicitHashKey: '42', data: Buffer.from('a') });
    b.add({ partitionKey: 'y', data: Buffer.from('b') });
    const out = decode(b.encode());
    expect(out.map((r) => [r.partitionKey, r.data.toString()])).toEqual([
      ['shared', 'a'],
      ['shared', 'b'],
    ]);
    expect(out[0]?.explicitHashKey).toBe('42');
  });

  it('text records are written in place, byte for byte what their bytes give, without reading `data`', () => {
    // Lengths around the varint steps (UTF-8 length in [n, 3n]: 42/43 and 5461/5462 units) and
    // multi-byte text (2-, 3- and 4-byte UTF-8, lone surrogates) take both the guessed-framing
    // path and the measured one.
    const textArb = fc.oneof(
      fc.string({ maxLength: 60, unit: 'grapheme' }),
      fc.string({ maxLength: 60, unit: 'binary' }),
      fc.string({ maxLength: 30 }).map((t) => t + '\ud800'),
      fc
        .tuple(fc.integer({ min: 5400, max: 5500 }), fc.constantFrom('x', 'é', '€', '😀'))
        .map(([n, c]) => 'y'.repeat(n - 1) + c),
      fc
        .tuple(fc.integer({ min: 35, max: 70 }), fc.constantFrom('x', 'é', '€', '😀'))
        .map(([n, c]) => c.repeat(n)),
    );
    fc.assert(
      fc.property(
        fc.array(textArb, { minLength: 1, maxLength: 40 }),
        fc.integer({ min: 30, max: 40_000 }),
        fc.constantFrom(undefined, 64, 1000, 50_000),
        (texts, limit, capacity) => {
          const viaBytes = new AggregateBuilder({ sharedKey: 'pk' });
          const viaText = new AggregateBuilder({ sharedKey: 'pk', capacity });
          let bytes = 0;
          const kept: string[] = [];
          for (const text of texts) {
            const data = Buffer.from(text, 'utf8');
            const input: AggregateInput = {
              partitionKey: 'other',
              text,
              get data(): Uint8Array {
                throw new Error('data read');
              },
            };
            const added = viaBytes.tryAdd({ partitionKey: 'other', data }, limit);
            expect(viaText.tryAdd(input, limit)).toBe(added);
            if (added) {
              bytes += data.length;
              kept.push(data.toString());
            }
          }
          expect(viaText.count).toBe(viaBytes.count);
          expect(viaText.size).toBe(viaBytes.size);
          expect(viaText.userBytes).toBe(bytes);
          const out = viaText.encode();
          expect(out).toEqual(viaBytes.encode());
          expect(decode(out).map((d) => d.data.toString())).toEqual(kept);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('text records with their own keys or explicit hash keys take the general path and decode', () => {
    const b = new AggregateBuilder();
    const recs = [
      new TextRecord(1, '{"a":"é"}', 'k1', undefined),
      new TextRecord(2, '{"a":2}', 7, undefined),
      new TextRecord(3, '{"a":3}', 'k1', '42'),
    ];
    for (const r of recs) expect(b.tryAdd(r, 1000)).toBe(true);
    expect(b.userBytes).toBe(recs.reduce((n, r) => n + Buffer.byteLength(r.text), 0));
    expect(decode(b.encode()).map((d) => [d.partitionKey, d.data.toString()])).toEqual([
      ['k1', '{"a":"é"}'],
      ['7', '{"a":2}'],
      ['k1', '{"a":3}'],
    ]);
  });

  it('an aggregate entry keeps only lines and decodes its user records when asked', () => {
    const b = new AggregateBuilder({ sharedKey: 'shared' });
    const texts = ['{"i":1}', '{"i":"ü"}', '{"i":3}'];
    texts.forEach((t, i) => b.add(new TextRecord(10 + i, t, i, undefined)));
    const data = b.encode();
    const entry = new AggregateEntry(
      data,
      'shared',
      undefined,
      data.length + 6,
      [10, 11, 12],
      true,
      b.userBytes,
    );
    expect(entry.count).toBe(3);
    expect(entry.userBytes).toBe(texts.reduce((n, t) => n + Buffer.byteLength(t), 0));
    const records = entry.records;
    expect(records.map((r) => [r.line, r.partitionKey, r.data.toString()])).toEqual([
      [10, 'shared', texts[0]],
      [11, 'shared', texts[1]],
      [12, 'shared', texts[2]],
    ]);
    expect(entry.records).toBe(records);
    const broken = new AggregateEntry(data, 'shared', undefined, 0, [1, 2], true, 0);
    expect(() => broken.records).toThrow(/does not decode/);
  });
});
