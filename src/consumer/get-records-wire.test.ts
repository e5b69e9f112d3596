import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { liftBlobs, parseGetRecordsBody } from './get-records-wire.js';

const record = fc.record({
  data: fc.uint8Array({ maxLength: 300 }),
  // Keys that look like the document's own syntax too: the scan must not take them for keys.
  key: fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 20 }),
    fc.constantFrom('Data', '"Data":"', 'Data\\', '\\"', '{"Data":"AAAA"}', '#0'),
  ),
  seq: fc.bigInt({ min: 0n, max: 10n ** 56n }).map(String),
  // Epoch seconds with milliseconds, as Kinesis sends ApproximateArrivalTimestamp.
  at: fc.option(
    fc.integer({ min: 0, max: 4_102_444_800_000 }).map((ms) => ms / 1000),
    { nil: undefined },
  ),
});

describe('parseGetRecordsBody', () => {
  it('reads any GetRecords document back: blobs, Unicode keys, sequence numbers, arrival times', () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 20 }),
        fc.option(fc.string({ maxLength: 40 }), { nil: null }),
        fc.nat(),
        fc.boolean(),
        (records, next, behind, spaced) => {
          const doc = {
            Records: records.map((r) => ({
              SequenceNumber: r.seq,
              ...(r.at !== undefined ? { ApproximateArrivalTimestamp: r.at } : {}),
              Data: Buffer.from(r.data).toString('base64'),
              PartitionKey: r.key,
              EncryptionType: 'NONE',
            })),
            NextShardIterator: next,
            MillisBehindLatest: behind,
          };
          const body = Buffer.from(spaced ? JSON.stringify(doc, null, 2) : JSON.stringify(doc));
          // Every blob is lifted out of the text JSON.parse sees (none is parsed as a string).
          const lifted = liftBlobs(body);
          expect(lifted.blobs.length).toBe(2 * records.length);
          expect(
            (JSON.parse(lifted.text) as { Records: { Data: string }[] }).Records.map((r) => r.Data),
          ).toEqual(records.map((_, i) => `#${i}`));
          const got = parseGetRecordsBody(body);
          expect(got.nextIterator).toBe(next ?? undefined);
          expect(got.millisBehindLatest).toBe(behind);
          expect(
            got.records.map((r) => [
              r.sequenceNumber,
              r.partitionKey,
              Buffer.from(r.data).toString('hex'),
              r.arrivalMs,
            ]),
          ).toEqual(
            records.map((r) => [
              r.seq,
              r.key,
              Buffer.from(r.data).toString('hex'),
              r.at === undefined ? undefined : Math.round(r.at * 1000),
            ]),
          );
        },
      ),
    );
  });

  it('refuses what is not a GetRecords document, so the SDK reads it instead', () => {
    const refuse = (doc: unknown) => () => parseGetRecordsBody(Buffer.from(JSON.stringify(doc)));
    expect(() => parseGetRecordsBody(Buffer.from('{"Records":['))).toThrow();
    expect(refuse({ message: 'nope' })).toThrow(/no Records array/);
    expect(refuse({ Records: [null] })).toThrow(/record 0 is not an object/);
    expect(refuse({ Records: [{ Data: 'AA==', SequenceNumber: '1' }] })).toThrow(/lacks/);
    // Not base64: a character Node's decoder would skip, and a length that is not a multiple of 4.
    expect(refuse({ Records: [{ Data: 'AA*=', SequenceNumber: '1', PartitionKey: 'k' }] })).toThrow(/base64/);
    expect(refuse({ Records: [{ Data: 'AAA', SequenceNumber: '1', PartitionKey: 'k' }] })).toThrow(/base64/);
    expect(refuse({ Records: [], NextShardIterator: 5 })).toThrow(/NextShardIterator/);
    expect(refuse({ Records: [], MillisBehindLatest: '5' })).toThrow(/MillisBehindLatest/);
  });

  it('decodes blobs larger than one decoding piece, and a blob whose key is spelled with escapes', () => {
    const big = Buffer.from(Array.from({ length: 200_003 }, (_, i) => (i * 7919) % 256));
    const body = Buffer.from(
      `{"Records":[{"SequenceNumber":"1","D\\u0061ta":"AQID","PartitionKey":"k"},` +
        `{"SequenceNumber":"2","Data" : "${big.toString('base64')}","PartitionKey":"k"}]}`,
    );
    const got = parseGetRecordsBody(body);
    expect(got.records.map((r) => Buffer.from(r.data).toString('hex'))).toEqual([
      '010203',
      big.toString('hex'),
    ]);
  });

  it('takes an empty Records list, a missing iterator (closed shard) and an empty blob', () => {
    const got = parseGetRecordsBody(
      Buffer.from(JSON.stringify({ Records: [{ Data: '', SequenceNumber: '7', PartitionKey: 'k' }] })),
    );
    expect(got.records.map((r) => r.data.length)).toEqual([0]);
    expect(got.nextIterator).toBeUndefined();
    expect(got.millisBehindLatest).toBeUndefined();
    expect(parseGetRecordsBody(Buffer.from('{"Records":[]}')).records).toEqual([]);
  });
});
