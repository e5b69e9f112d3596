import avro from 'avsc';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../errors.js';
import { AvroReader, AvroWriter } from './binary.js';
import { compileCodec, decodeAvroValue, encodeAvroValue } from './codec.js';

/**
 * Strings over all of Unicode (ASCII, BMP and astral planes, no lone surrogates). Built from code
 * points because fast-check's `unit: 'binary'` strings take seconds to set up on a loaded machine.
 */
const unicodeString = (maxLength: number): fc.Arbitrary<string> =>
  fc
    .array(
      fc.oneof(
        fc.integer({ min: 0, max: 0x7f }),
        fc.integer({ min: 0x80, max: 0xd7ff }),
        fc.integer({ min: 0xe000, max: 0x10ffff }),
      ),
      {
        maxLength,
      },
    )
    .map((cps) => String.fromCodePoint(...cps));

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

/** Reference zigzag varint, written independently of the encoder (plain bigint arithmetic). */
function referenceLong(v: bigint): number[] {
  let z = v >= 0n ? v * 2n : -v * 2n - 1n;
  const out: number[] = [];
  do {
    let b = Number(z % 128n);
    z /= 128n;
    if (z > 0n) b |= 0x80;
    out.push(b);
  } while (z > 0n);
  return out;
}

function encodeLong(v: bigint | number): Uint8Array {
  const w = new AvroWriter(1);
  w.writeLong(v);
  return w.bytes().slice();
}

// avsc as a differential oracle, with longs as bigint (its default long type is a JS number).
const AvscBigLong = avro.types.LongType.__with({
  fromBuffer: (b: Buffer) => b.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const b = Buffer.alloc(8);
    b.writeBigInt64LE(n);
    return b;
  },
  fromJSON: BigInt,
  toJSON: Number,
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

describe('avro binary encoding', () => {
  it('zigzag longs match the reference encoding and round-trip over the full int64 range', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: INT64_MIN, max: INT64_MAX }), (v) => {
        const bytes = encodeLong(v);
        expect([...bytes]).toEqual(referenceLong(v));
        expect(new AvroReader(bytes).readLong()).toBe(v);
      }),
      { numRuns: 1000 },
    );
  });

  it('longs at the edges of the number fast paths', () => {
    const edges = [
      0n,
      1n,
      -1n,
      63n,
      -64n,
      64n,
      2n ** 49n - 1n,
      2n ** 49n,
      -(2n ** 49n),
      2n ** 51n - 1n,
      2n ** 51n,
      -(2n ** 51n),
    ];
    const more = [2n ** 53n, 2n ** 53n + 1n, -(2n ** 53n) - 1n, INT64_MAX, INT64_MIN, 7234567890123456789n];
    for (const v of [...edges, ...more]) {
      expect([...encodeLong(v)]).toEqual(referenceLong(v));
      expect(new AvroReader(encodeLong(v)).readLong()).toBe(v);
    }
    // Numbers are accepted when exact and encode like the equal bigint.
    expect(encodeLong(Number.MAX_SAFE_INTEGER)).toEqual(encodeLong(BigInt(Number.MAX_SAFE_INTEGER)));
    expect(encodeLong(-123456)).toEqual(encodeLong(-123456n));
    expect(() => encodeLong(2 ** 60)).toThrow(/bigint/);
    expect(() => encodeLong(INT64_MAX + 1n)).toThrow(/int64/);
  });

  it('ints round-trip over the int32 range and reject anything else', () => {
    fc.assert(
      fc.property(fc.integer({ min: -2147483648, max: 2147483647 }), (v) => {
        const w = new AvroWriter(1);
        w.writeInt(v);
        const bytes = w.bytes();
        expect([...bytes]).toEqual(referenceLong(BigInt(v)));
        expect(new AvroReader(bytes).readInt()).toBe(v);
      }),
    );
    expect(() => new AvroWriter().writeInt(2147483648)).toThrow();
    expect(() => new AvroWriter().writeInt(1.5)).toThrow();
  });

  it('strings, bytes, floats and doubles round-trip', () => {
    const schema = {
      type: 'record',
      name: 'r',
      fields: [
        { name: 's', type: 'string' },
        { name: 'b', type: 'bytes' },
        { name: 'f', type: 'float' },
        { name: 'd', type: 'double' },
        { name: 'l', type: 'long' },
      ],
    };
    const codec = compileCodec(schema);
    fc.assert(
      fc.property(
        unicodeString(80),
        fc.uint8Array({ maxLength: 300 }),
        fc.float(),
        fc.double(),
        fc.bigInt({ min: INT64_MIN, max: INT64_MAX }),
        (s, b, f, d, l) => {
          const back = decodeAvroValue(codec, encodeAvroValue(codec, { s, b, f, d, l })) as Record<
            string,
            unknown
          >;
          expect(back.s).toBe(s);
          expect(back.b).toEqual(b);
          expect(Object.is(back.f, f)).toBe(true);
          expect(Object.is(back.d, d)).toBe(true);
          expect(back.l).toBe(l);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('encodes byte-for-byte like avsc (differential) for records with unions, arrays and maps', () => {
    const schema = {
      type: 'record',
      name: 'entry',
      fields: [
        { name: 'id', type: 'long' },
        { name: 'opt', type: ['null', 'long'], default: null },
        { name: 'name', type: 'string' },
        { name: 'data', type: 'bytes' },
        { name: 'xs', type: { type: 'array', items: 'int' } },
        { name: 'm', type: { type: 'map', values: 'long' } },
      ],
    };
    const ours = compileCodec(schema);
    const theirs = avro.Type.forSchema(schema as avro.Schema, {
      registry: { long: AvscBigLong },
      wrapUnions: false,
    });
    const long = fc.bigInt({ min: INT64_MIN, max: INT64_MAX });
    fc.assert(
      fc.property(
        fc.record({
          id: long,
          opt: fc.option(long, { nil: null }),
          name: unicodeString(40),
          data: fc.uint8Array({ maxLength: 40 }),
          xs: fc.array(fc.integer({ min: -2147483648, max: 2147483647 }), { maxLength: 10 }),
          m: fc.dictionary(fc.string({ maxLength: 5 }), long, { maxKeys: 5 }),
        }),
        (rec) => {
          const mine = encodeAvroValue(ours, rec);
          const ref = theirs.toBuffer({ ...rec, data: Buffer.from(rec.data) });
          expect(Buffer.from(mine).equals(ref)).toBe(true);
          const back = decodeAvroValue(ours, ref) as Record<string, unknown>;
          expect(back.id).toBe(rec.id);
          expect(back.opt).toBe(rec.opt);
          expect(Object.fromEntries(back.m as Map<string, bigint>)).toEqual(rec.m);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('decoding arbitrary bytes either succeeds or throws a FloeError (never hangs or throws raw)', () => {
    const codec = compileCodec({
      type: 'record',
      name: 'r',
      fields: [
        { name: 'a', type: ['null', 'long'] },
        { name: 'b', type: { type: 'array', items: { type: 'map', values: 'bytes' } } },
        { name: 'c', type: 'string' },
      ],
    });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        try {
          codec.decode(new AvroReader(bytes));
        } catch (err) {
          expect(isFloeError(err, 'invalid-metadata')).toBe(true);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('rejects values that do not fit the schema with a message naming the field', () => {
    const codec = compileCodec({ type: 'record', name: 'r', fields: [{ name: 'n', type: 'long' }] });
    expect(() => encodeAvroValue(codec, { n: 'x' })).toThrow(/field r\.n/);
    expect(() => encodeAvroValue(codec, { n: null })).toThrow(/long/);
  });
});
