import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCbor, encodePutRecords } from './cbor.js';
import { encodePutRecordsBody, encodePutRecordsJson } from './wire.js';

const entryArb = fc.record(
  {
    data: fc.uint8Array({ maxLength: 300 }),
    partitionKey: fc.string({ minLength: 1, maxLength: 40, unit: 'grapheme' }),
    explicitHashKey: fc.bigInt({ min: 0n, max: (1n << 128n) - 1n }).map(String),
  },
  { requiredKeys: ['data', 'partitionKey'] },
);

/** The request as the SDK's JSON protocol carries it. */
const sdkShape = (
  stream: string,
  entries: readonly { data: Uint8Array; partitionKey: string; explicitHashKey?: string }[],
) => ({
  StreamName: stream,
  Records: entries.map((e) => ({
    Data: Buffer.from(e.data).toString('base64'),
    PartitionKey: e.partitionKey,
    ...(e.explicitHashKey !== undefined ? { ExplicitHashKey: e.explicitHashKey } : {}),
  })),
});

describe('PutRecords bodies', () => {
  it('JSON: the SDK request shape, blobs base64, keys escaped (any keys, any bytes)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.array(entryArb, { maxLength: 20 }),
        (stream, entries) => {
          const body = encodePutRecordsJson(stream, entries);
          expect(JSON.parse(body.toString('utf8'))).toEqual(sdkShape(stream, entries));
        },
      ),
    );
  });

  it('JSON: blobs base64-encoded in pieces come out whole (sizes around the piece boundary)', () => {
    const entries = [0, 1, 49151, 49152, 49153, 98305, 1 << 20].map((n, i) => ({
      data: Buffer.from(Array.from({ length: n }, (_, j) => (j * 7 + i) & 0xff)),
      partitionKey: `k${i}`,
    }));
    expect(JSON.parse(encodePutRecordsJson('s', entries).toString('utf8'))).toEqual(sdkShape('s', entries));
  });

  it('CBOR: decodes to the same request with raw blobs (any keys, any bytes)', () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 20 }),
        fc.array(entryArb, { maxLength: 20 }),
        (stream, entries) => {
          const decoded = decodeCbor(encodePutRecords(stream, entries));
          expect(decoded).toEqual({
            StreamName: stream,
            Records: entries.map((e) => ({
              Data: Buffer.from(e.data),
              PartitionKey: e.partitionKey,
              ...(e.explicitHashKey !== undefined ? { ExplicitHashKey: e.explicitHashKey } : {}),
            })),
          });
        },
      ),
    );
  });

  it('CBOR: length heads at every width (1 MiB blob, 300-byte key, 24 entries)', () => {
    const big = Buffer.alloc(1 << 20, 7);
    const entries = [
      { data: big, partitionKey: 'k'.repeat(300) },
      ...Array.from({ length: 23 }, (_, i) => ({ data: Buffer.alloc(i), partitionKey: String(i) })),
    ];
    const body = encodePutRecordsBody('cbor', 's', entries);
    // map(2), "StreamName", "s", "Records", array(24): a one-byte length after 0x98.
    expect([...body.subarray(0, 1)]).toEqual([0xa2]);
    expect(body.indexOf(Buffer.from([0x98, 24]))).toBeGreaterThan(0);
    // The 1 MiB blob has a four-byte length: 0x5a 00 10 00 00.
    expect(body.indexOf(Buffer.from([0x5a, 0x00, 0x10, 0x00, 0x00]))).toBeGreaterThan(0);
    const d = decodeCbor(body) as { Records: { Data: Buffer; PartitionKey: string }[] };
    expect(d.Records).toHaveLength(24);
    expect(d.Records[0]?.Data.equals(big)).toBe(true);
    expect(d.Records[0]?.PartitionKey).toBe('k'.repeat(300));
    expect(body.length).toBeLessThan(encodePutRecordsBody('json', 's', entries).length);
  });
});

describe('decodeCbor', () => {
  const hex = (s: string) => Buffer.from(s.replace(/\s/g, ''), 'hex');
  it('reads the RFC 8949 appendix A examples the responses can hold', () => {
    expect(decodeCbor(hex('00'))).toBe(0);
    expect(decodeCbor(hex('1903e8'))).toBe(1000);
    expect(decodeCbor(hex('1b000000e8d4a51000'))).toBe(1000000000000);
    expect(decodeCbor(hex('1bffffffffffffffff'))).toBe(18446744073709551615n);
    expect(decodeCbor(hex('3903e7'))).toBe(-1000);
    expect(decodeCbor(hex('f93c00'))).toBe(1);
    expect(decodeCbor(hex('fa47c35000'))).toBe(100000);
    expect(decodeCbor(hex('fb3ff199999999999a'))).toBe(1.1);
    expect(decodeCbor(hex('f4'))).toBe(false);
    expect(decodeCbor(hex('f6'))).toBe(null);
    expect(decodeCbor(hex('c11a514b67b0'))).toBe(1363896240); // tag 1 (epoch time)
    expect(decodeCbor(hex('6449455446'))).toBe('IETF');
    expect(decodeCbor(hex('62c3bc'))).toBe('ü');
    expect(decodeCbor(hex('a26161016162820203'))).toEqual({ a: 1, b: [2, 3] });
    expect(decodeCbor(hex('5f42010243030405ff'))).toEqual(Buffer.from([1, 2, 3, 4, 5]));
    expect(decodeCbor(hex('7f657374726561646d696e67ff'))).toBe('streaming');
    expect(decodeCbor(hex('9f018202039f0405ffff'))).toEqual([1, [2, 3], [4, 5]]);
    expect(decodeCbor(hex('bf61610161629f0203ffff'))).toEqual({ a: 1, b: [2, 3] });
  });

  it('refuses truncated or trailing bytes and bad UTF-8 with an io error', () => {
    for (const bad of ['1903', '62c3', 'a16161', '0000', '62c328', 'ff', '9f01']) {
      expect(() => decodeCbor(hex(bad)), bad).toThrow(/malformed CBOR/);
    }
  });
});
