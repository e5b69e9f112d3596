import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  bucketHash,
  columnTransform,
  decimalToString,
  javaFloatingToString,
  parseTransform,
  type Transform,
} from './transforms.js';
import { civilFromDays, daysFromCivil } from './datetime.js';
import { murmur3Bytes } from './murmur3.js';
import { t, type PrimitiveType, type Value } from './types.js';

const DAY_US = 86_400_000_000n;
const days20171116 = 17486;
const time223108 = (22n * 3600n + 31n * 60n + 8n) * 1_000_000n;
const ts20171116T223108 = BigInt(days20171116) * DAY_US + time223108;

/** Epoch micros of an ISO instant (millisecond precision is enough for these tests). */
const micros = (iso: string): bigint => BigInt(Date.parse(iso)) * 1000n;

describe("bucketHash: the spec's appendix B reference values", () => {
  const cases: [string, PrimitiveType, Value, number][] = [
    ['int 34', t.int, 34, 2017239379],
    ['long 34', t.long, 34n, 2017239379],
    ['decimal(9,2) 14.20', t.decimal(9, 2), 1420n, -500754589],
    ['date 2017-11-16', t.date, days20171116, -653330422],
    ['time 22:31:08', t.time, time223108, -662762989],
    ['timestamp 2017-11-16T22:31:08', t.timestamp, ts20171116T223108, -2047944441],
    ['timestamp 2017-11-16T22:31:08.000001', t.timestamp, ts20171116T223108 + 1n, -1207196810],
    [
      'timestamptz 2017-11-16T14:31:08-08:00',
      t.timestamptz,
      micros('2017-11-16T14:31:08-08:00'),
      -2047944441,
    ],
    [
      'timestamptz 2017-11-16T14:31:08.000001-08:00',
      t.timestamptz,
      micros('2017-11-16T14:31:08-08:00') + 1n,
      -1207196810,
    ],
    ['string iceberg', t.string, 'iceberg', 1210000089],
    ['uuid', t.uuid, 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 1488055340],
    ['fixed 00010203', t.fixed(4), Uint8Array.of(0, 1, 2, 3), -188683207],
    ['binary 00010203', t.binary, Uint8Array.of(0, 1, 2, 3), -188683207],
    ['boolean true', t.boolean, true, 1392991556],
    ['float 1.0', t.float, 1, -142385009],
    ['float 0.0', t.float, 0, 1669671676],
    ['float -0.0', t.float, -0, 1669671676],
    ['double 1.0', t.double, 1, -142385009],
    ['double -0.0', t.double, -0, 1669671676],
  ];
  for (const [name, type, value, expected] of cases) {
    it(`${name} -> ${expected}`, () => expect(bucketHash(type, value)).toBe(expected));
  }

  it('hashes every NaN bit pattern alike', () => {
    expect(bucketHash(t.double, NaN)).toBe(bucketHash(t.double, -NaN));
    expect(bucketHash(t.double, NaN)).not.toBe(bucketHash(t.double, Infinity));
  });

  it('murmur3 of the empty string and tail lengths matches the reference implementation', () => {
    // Known MurmurHash3_x86_32 seed-0 values.
    expect(murmur3Bytes(new Uint8Array(0))).toBe(0);
    expect(murmur3Bytes(new TextEncoder().encode('hello')) >>> 0).toBe(0x248bfa47);
    expect(murmur3Bytes(new TextEncoder().encode('hello, world')) >>> 0).toBe(0x149bbb7f);
  });

  it('hashes an int and a long of the same value alike (property)', () => {
    fc.assert(
      fc.property(fc.integer(), (v) => {
        expect(bucketHash(t.int, v)).toBe(bucketHash(t.long, BigInt(v)));
      }),
    );
  });

  it('hashes a long as the murmur3 of its little-endian bytes (property)', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }), (v) => {
        const b = new Uint8Array(8);
        new DataView(b.buffer).setBigInt64(0, v, true);
        expect(bucketHash(t.long, v)).toBe(murmur3Bytes(b));
      }),
    );
  });
});

describe('bucket[N]', () => {
  it('computes (hash & MAX_INT) % N', () => {
    expect(parseTransform('bucket[16]').apply(t.int, 34)).toBe((2017239379 & 0x7fffffff) % 16);
    expect(parseTransform('bucket[100]').apply(t.string, 'iceberg')).toBe(89);
    expect(parseTransform('bucket[4]').apply(t.long, null)).toBeNull();
  });

  it('always lands in [0, N) (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 - 1 }),
        fc.string(),
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        (n, s, l) => {
          const b = parseTransform(`bucket[${n}]`);
          for (const v of [b.apply(t.string, s), b.apply(t.long, l)]) {
            expect(Number.isInteger(v)).toBe(true);
            expect(v as number).toBeGreaterThanOrEqual(0);
            expect(v as number).toBeLessThan(n);
          }
        },
      ),
    );
  });

  it('refuses types the spec does not bucket', () => {
    const b = parseTransform('bucket[8]');
    expect(b.canTransform(t.double)).toBe(false);
    expect(b.canTransform(t.boolean)).toBe(false);
    expect(() => b.apply(t.double, 1.5)).toThrow(/cannot apply bucket\[8\] to a double/);
  });
});

describe('truncate[W]', () => {
  const tr10 = parseTransform('truncate[10]');
  it('follows the spec examples', () => {
    expect(tr10.apply(t.int, 1)).toBe(0);
    expect(tr10.apply(t.int, -1)).toBe(-10);
    expect(tr10.apply(t.long, 1n)).toBe(0n);
    expect(tr10.apply(t.long, -1n)).toBe(-10n);
    expect(parseTransform('truncate[50]').apply(t.decimal(9, 2), 1065n)).toBe(1050n); // 10.65 -> 10.50
    expect(parseTransform('truncate[3]').apply(t.string, 'iceberg')).toBe('ice');
    expect(parseTransform('truncate[3]').apply(t.binary, Uint8Array.of(1, 2, 3, 4, 5))).toStrictEqual(
      Uint8Array.of(1, 2, 3),
    );
    expect(parseTransform('truncate[2]').apply(t.string, '😀😁😂')).toBe('😀😁');
  });

  it('is idempotent and stays within one width below the value (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 1000 }),
        fc.integer({ min: -(2 ** 30), max: 2 ** 30 }),
        fc.bigInt({ min: -(2n ** 62n), max: 2n ** 62n }),
        fc.string({ unit: 'binary' }),
        (w, i, l, s) => {
          const tr = parseTransform(`truncate[${w}]`);
          const ti = tr.apply(t.int, i) as number;
          expect(tr.apply(t.int, ti)).toBe(ti);
          expect(ti).toBeLessThanOrEqual(i);
          expect(i - ti).toBeLessThan(w);
          expect(((ti % w) + w) % w).toBe(0);
          const tl = tr.apply(t.long, l) as bigint;
          expect(tr.apply(t.long, tl)).toBe(tl);
          expect(l - tl >= 0n && l - tl < BigInt(w)).toBe(true);
          const ts = tr.apply(t.string, s) as string;
          expect(tr.apply(t.string, ts)).toBe(ts);
          expect(s.startsWith(ts)).toBe(true);
          expect(Array.from(ts).length).toBe(Math.min(w, Array.from(s).length));
        },
      ),
    );
  });
});

describe('year / month / day / hour', () => {
  const ts = ts20171116T223108;
  it('extract calendar units from timestamps and dates', () => {
    expect(parseTransform('year').apply(t.timestamp, ts)).toBe(47);
    expect(parseTransform('month').apply(t.timestamptz, ts)).toBe(47 * 12 + 10);
    expect(parseTransform('day').apply(t.timestamp, ts)).toBe(days20171116);
    expect(parseTransform('hour').apply(t.timestamp, ts)).toBe(days20171116 * 24 + 22);
    expect(parseTransform('day').apply(t.date, days20171116)).toBe(days20171116);
    expect(parseTransform('month').apply(t.date, days20171116)).toBe(574);
    expect(parseTransform('year').apply(t.date, days20171116)).toBe(47);
  });

  it('floor before the epoch: -1 micro is hour, day, month and year -1', () => {
    for (const name of ['hour', 'day', 'month', 'year']) {
      expect(parseTransform(name).apply(t.timestamp, -1n)).toBe(-1);
    }
    expect(parseTransform('month').apply(t.date, -1)).toBe(-1);
    expect(parseTransform('year').apply(t.date, -365)).toBe(-1); // 1969-01-01
    expect(parseTransform('year').apply(t.date, -366)).toBe(-2); // 1968-12-31
    expect(parseTransform('month').apply(t.date, -31)).toBe(-1); // 1969-12-01
    expect(parseTransform('month').apply(t.date, -32)).toBe(-2); // 1969-11-30
  });

  it('result types: day is a date, the others int', () => {
    expect(parseTransform('day').resultType(t.timestamp)).toEqual(t.date);
    expect(parseTransform('hour').resultType(t.timestamptz)).toEqual(t.int);
    expect(parseTransform('year').resultType(t.date)).toEqual(t.int);
    expect(parseTransform('hour').canTransform(t.date)).toBe(false);
    expect(parseTransform('day').canTransform(t.long)).toBe(false);
  });

  it('agree with each other and with the JS calendar (property)', () => {
    // JS Date covers ±8.64e15 ms; stay inside it.
    const microsArb = fc.bigInt({ min: -8_000_000_000_000_000_000n, max: 8_000_000_000_000_000_000n });
    fc.assert(
      fc.property(microsArb, (us) => {
        const d = parseTransform('day').apply(t.timestamptz, us) as number;
        const m = parseTransform('month').apply(t.timestamptz, us) as number;
        const y = parseTransform('year').apply(t.timestamptz, us) as number;
        const h = parseTransform('hour').apply(t.timestamptz, us) as number;
        expect(parseTransform('month').apply(t.date, d)).toBe(m);
        expect(parseTransform('year').apply(t.date, d)).toBe(y);
        expect(Math.floor(h / 24)).toBe(d);
        const ms = Number(us / 1000n) - (us % 1000n < 0n ? 1 : 0);
        const date = new Date(ms);
        expect(y).toBe(date.getUTCFullYear() - 1970);
        expect(m).toBe((date.getUTCFullYear() - 1970) * 12 + date.getUTCMonth());
        expect(d).toBe(Math.floor(ms / 86_400_000));
      }),
      { numRuns: 2000 },
    );
  });

  it('civil date conversion round-trips (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: -100_000_000, max: 100_000_000 }), (days) => {
        const c = civilFromDays(days);
        expect(daysFromCivil(c.year, c.month, c.day)).toBe(days);
      }),
    );
  });
});

describe("toHumanString (as Java's Transform.toHumanString)", () => {
  const human = (tr: string, source: PrimitiveType, v: Value): string => {
    const transform: Transform = parseTransform(tr);
    return transform.toHumanString(source, transform.apply(source, v));
  };
  const ts = ts20171116T223108;

  it('renders time transforms', () => {
    expect(human('day', t.timestamp, ts)).toBe('2017-11-16');
    expect(human('hour', t.timestamp, ts)).toBe('2017-11-16-22');
    expect(human('month', t.timestamp, ts)).toBe('2017-11');
    expect(human('year', t.timestamp, ts)).toBe('2017');
    expect(human('day', t.timestamp, -1n)).toBe('1969-12-31');
    expect(human('hour', t.timestamp, -1n)).toBe('1969-12-31-23');
    expect(human('month', t.timestamp, -1n)).toBe('1969-12');
    expect(human('year', t.timestamp, -1n)).toBe('1969');
  });

  it('renders identity values like java.time and BigDecimal', () => {
    expect(human('identity', t.timestamp, ts)).toBe('2017-11-16T22:31:08');
    expect(human('identity', t.timestamp, ts + 1n)).toBe('2017-11-16T22:31:08.000001');
    expect(human('identity', t.timestamp, ts + 1000n)).toBe('2017-11-16T22:31:08.001');
    expect(human('identity', t.timestamp, BigInt(days20171116) * DAY_US)).toBe('2017-11-16T00:00');
    expect(human('identity', t.timestamptz, ts)).toBe('2017-11-16T22:31:08Z');
    expect(human('identity', t.date, days20171116)).toBe('2017-11-16');
    expect(human('identity', t.time, time223108)).toBe('22:31:08');
    expect(human('identity', t.decimal(9, 2), 1420n)).toBe('14.20');
    expect(human('identity', t.decimal(9, 2), -5n)).toBe('-0.05');
    expect(human('identity', t.boolean, true)).toBe('true');
    expect(human('identity', t.binary, Uint8Array.of(0, 1, 2, 3))).toBe('AAECAw==');
    expect(human('identity', t.string, 'a b/c')).toBe('a b/c');
    expect(human('identity', t.long, null)).toBe('null');
    expect(human('bucket[16]', t.int, 34)).toBe('3');
    expect(human('truncate[3]', t.string, 'iceberg')).toBe('ice');
    expect(human('void', t.string, 'x')).toBe('null');
  });

  it('formats decimals and floating point like Java', () => {
    expect(decimalToString(0n, 0)).toBe('0');
    expect(decimalToString(1n, 10)).toBe('1E-10');
    expect(decimalToString(123n, 8)).toBe('0.00000123');
    expect(decimalToString(-123456n, 3)).toBe('-123.456');
    expect(javaFloatingToString(1, false)).toBe('1.0');
    expect(javaFloatingToString(0.1, true)).toBe('0.1');
    expect(javaFloatingToString(1e21, false)).toBe('1.0E21');
    expect(javaFloatingToString(1.5e-5, false)).toBe('1.5E-5');
    expect(javaFloatingToString(1234567.25, false)).toBe('1234567.25');
    expect(javaFloatingToString(-0, false)).toBe('-0.0');
  });
});

describe('parseTransform', () => {
  it('parses and prints every transform', () => {
    for (const s of ['identity', 'bucket[16]', 'truncate[4]', 'year', 'month', 'day', 'hour', 'void']) {
      expect(parseTransform(s).toString()).toBe(s);
    }
    expect(parseTransform('bucket[16]').param).toBe(16);
    expect(parseTransform('identity').param).toBeUndefined();
  });

  it('rejects unknown transforms and bad parameters', () => {
    expect(() => parseTransform('zorder')).toThrow(/unknown partition transform/);
    expect(() => parseTransform('bucket[0]')).toThrow(/positive/);
  });
});

describe('columnTransform', () => {
  const HOUR_US = 3_600_000_000n;
  const I64_MIN = -(2n ** 63n);
  const I64_MAX = 2n ** 63n - 1n;
  // Values at and next to hour/day boundaries, the int64 extremes, beyond int64 and plain numbers:
  // the range the column transform reuses must end exactly where the unit does.
  const micros = fc.oneof(
    fc
      .tuple(
        fc.bigInt({ min: -200_000n, max: 200_000n }),
        fc.constantFrom(DAY_US, HOUR_US),
        fc.bigInt({ min: -2n, max: 2n }),
      )
      .map(([k, unit, d]) => k * unit + d),
    fc.bigInt({ min: I64_MIN, max: I64_MAX }),
    fc.constantFrom(I64_MIN, I64_MAX, I64_MIN - 1n, I64_MAX + 1n, 2n ** 80n, -(2n ** 80n)),
  );
  const value: fc.Arbitrary<Value> = fc.oneof(
    { weight: 8, arbitrary: micros },
    { weight: 1, arbitrary: fc.constant(null) },
    { weight: 1, arbitrary: fc.integer({ min: -(2 ** 40), max: 2 ** 40 }) },
  );

  it('property: equals apply value for value, for every time transform of timestamps and others', () => {
    const cases: [string, PrimitiveType][] = [
      ['day', t.timestamp],
      ['hour', t.timestamptz],
      ['month', t.timestamp],
      ['year', t.timestamptz],
      ['identity', t.long],
      ['bucket[7]', t.long],
      ['truncate[10]', t.long],
    ];
    fc.assert(
      fc.property(
        fc.constantFrom(...cases),
        // Runs of nearby values (the reuse path) mixed with jumps.
        fc.array(
          fc.tuple(value, fc.integer({ min: 1, max: 5 }), fc.constantFrom(1n, 1_000_000n, HOUR_US / 2n)),
          {
            maxLength: 30,
          },
        ),
        ([text, source], runs) => {
          const tr = parseTransform(text);
          const values: Value[] = runs.flatMap(([v, n, step]) =>
            Array.from({ length: n }, (_, k) => (typeof v === 'bigint' ? v + BigInt(k) * step : v)),
          );
          const apply = columnTransform(tr, source);
          // Twice over the same transform: the state kept between batches must not leak.
          for (let round = 0; round < 2; round++) {
            const out: Value[] = new Array<Value>(values.length + 3).fill('stale');
            apply(values, values.length, out);
            expect(out.slice(0, values.length)).toEqual(values.map((v) => tr.apply(source, v)));
            expect(out.slice(values.length)).toEqual(['stale', 'stale', 'stale']);
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('a missing column is all nulls', () => {
    const out: Value[] = [1, 2, 3];
    columnTransform(parseTransform('day'), t.timestamp)(undefined, 2, out);
    expect(out).toEqual([null, null, 3]);
  });

  it('values just before, at and after a day boundary fall on their own days', () => {
    const apply = columnTransform(parseTransform('day'), t.timestamp);
    const out: Value[] = [];
    apply([DAY_US - 1n, DAY_US, 2n * DAY_US - 1n, 2n * DAY_US, -1n, 0n], 6, out);
    expect(out).toEqual([0, 1, 1, 2, -1, 0]);
  });
});
