import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { isFloeError } from '../../errors.js';
import { Schema } from '../../iceberg/spec/schema.js';
import type { NestedField, Value } from '../../iceberg/spec/types.js';
import type { ColumnBatch } from '../../iceberg/writer/batch.js';
import { decodePayloads } from '../payloads.js';
import { parseRules, parseRulesJson, Validator } from './index.js';

/** The index and reasons of a rejected row (rule labels are checked on their own). */
const indexAndReasons = (r: { index: number; reasons: readonly string[] }) => ({
  index: r.index,
  reasons: r.reasons,
});

const ROOT = join(import.meta.dirname, '..', '..', '..');
const nycSchema = Schema.fromJson(
  JSON.parse(readFileSync(join(ROOT, 'examples/nyc311.schema.json'), 'utf8')),
);
const nycRules = parseRulesJson(
  readFileSync(join(ROOT, 'examples/nyc311.rules.json'), 'utf8'),
  'nyc311.rules.json',
);

function batchOf(schema: Schema, rows: Record<string, Value>[]): ColumnBatch {
  const columns = new Map<number, Value[]>();
  for (const f of schema.fields)
    columns.set(
      f.id,
      rows.map((r) => r[f.name] ?? null),
    );
  return { rowCount: rows.length, columns };
}

function rowsOf(schema: Schema, batch: ColumnBatch): Record<string, Value>[] {
  const out: Record<string, Value>[] = [];
  for (let i = 0; i < batch.rowCount; i++) {
    const row: Record<string, Value> = {};
    for (const f of schema.fields) row[f.name] = batch.columns.get(f.id)?.[i] ?? null;
    out.push(row);
  }
  return out;
}

const field = (id: number, name: string, type: NestedField['type'], required = false): NestedField => ({
  id,
  name,
  type,
  required,
});

function configError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (isFloeError(err, 'config')) return err.message;
    throw err;
  }
  throw new Error('expected a config error');
}

const HEADER = nycSchema.fields.map((f) => f.name).join(',');
function nycCsv(lines: string[]): ColumnBatch {
  const { batch, rejects } = decodePayloads(lines, { schema: nycSchema, format: 'csv' });
  expect(rejects).toEqual([]);
  return batch;
}

describe('NYC 311 rules', () => {
  const v = new Validator(nycSchema, nycRules);
  const good =
    '1,2024-03-01T00:42:59.000,2024-03-01T10:33:47.000,DSNY,Department of Sanitation,Missed Collection,Trash,Street/Sidewalk,11373,494 GRAND CONCOURSE,JAMAICA,Closed,QUEENS,40.7,-73.79';

  test('the example rules file parses and compiles against the example schema', () => {
    expect(nycRules.checks).toEqual([{ left: 'closed_date', op: '>=', right: 'created_date' }]);
    expect(v.isEmpty).toBe(false);
  });

  test('the sample CSV: its rule-breaking rows are rejected with their reasons, every other decoded row passes', () => {
    const lines = readFileSync(join(ROOT, 'examples/nyc311-sample.csv'), 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    expect(lines[0]).toBe(HEADER);
    const { batch, rejects } = decodePayloads(lines.slice(1), { schema: nycSchema, format: 'csv' });
    expect(batch.rowCount).toBeGreaterThan(4900);
    expect(rejects.length).toBeGreaterThan(0);
    const result = v.apply(batch);
    // scripts/make-nyc311-sample.mjs plants one row per rule: borough, latitude, longitude, closed >= created.
    const reasons = result.rejected.map((r) => r.reasons.join('; '));
    expect(reasons).toHaveLength(4);
    expect(reasons.some((r) => /borough "NOWHERE"/.test(r) || /borough NOWHERE/.test(r))).toBe(true);
    expect(reasons.some((r) => /latitude 39\.2 is below 40/.test(r))).toBe(true);
    expect(reasons.some((r) => /longitude -75\.1 is below -74\.3/.test(r))).toBe(true);
    expect(reasons.some((r) => /closed_date .* is not >= created_date/.test(r))).toBe(true);
    expect(result.batch.rowCount).toBe(batch.rowCount - 4);
    // The planted ' brooklyn '-style row is cleaned, not rejected: no borough outside the whitelist remains.
    const boroughId = nycSchema.findByName('borough')!.id;
    const boroughs = new Set(result.batch.columns.get(boroughId)!.filter((b) => b !== null));
    expect([...boroughs].sort()).toEqual(['BRONX', 'BROOKLYN', 'MANHATTAN', 'QUEENS', 'STATEN ISLAND']);
  });

  test('dirty rows are rejected with all their reasons; cleaning normalises borough case and space', () => {
    const batch = nycCsv([
      good,
      good.replace(',QUEENS,', ',  brooklyn ,'), // cleaned, valid
      good.replace(',QUEENS,40.7,-73.79', ',NOWHERE,39.2,-75'), // three violations
      good.replace('2024-03-01T10:33:47.000', '2024-02-28T10:33:47.000'), // closed before created
      good.replace(',11373,', ',1137,'), // bad zip
      good.replace('2024-03-01T10:33:47.000', '').replace(',40.7,', ',,'), // nulls pass
    ]);
    const result = v.apply(batch);
    expect(result.rejected.map(indexAndReasons)).toEqual([
      {
        index: 2,
        reasons: [
          'borough "NOWHERE" is not one of MANHATTAN, BROOKLYN, QUEENS, BRONX, STATEN ISLAND',
          'latitude 39.2 is below 40',
          'longitude -75 is below -74.3',
        ],
      },
      { index: 3, reasons: ['closed_date 2024-02-28T10:33:47 is not >= created_date 2024-03-01T00:42:59'] },
      { index: 4, reasons: ['incident_zip "1137" does not match /^\\d{5}(-\\d{4})?$/'] },
    ]);
    expect(result.rejected.map((r) => r.rules)).toEqual([
      ['borough:enum', 'latitude:min', 'longitude:min'],
      ['closed_date >= created_date'],
      ['incident_zip:regex'],
    ]);
    expect([...result.kept]).toEqual([0, 1, 5]);
    const rows = rowsOf(nycSchema, result.batch);
    expect(rows.map((r) => r['borough'])).toEqual(['QUEENS', 'BROOKLYN', 'QUEENS']);
    expect(rows[2]?.['closed_date']).toBeNull();
    // The input batch is untouched.
    expect(batch.columns.get(13)?.[1]).toBe('  brooklyn ');
  });
});

describe('rules', () => {
  const schema = new Schema([
    field(1, 'id', { kind: 'long' }, true),
    field(2, 'name', { kind: 'string' }),
    field(3, 'score', { kind: 'double' }),
    field(4, 'price', { kind: 'decimal', precision: 9, scale: 2 }),
    field(5, 'day', { kind: 'date' }),
    field(6, 'at', { kind: 'timestamptz' }),
    field(7, 'until', { kind: 'timestamptz' }),
    field(8, 'n', { kind: 'int' }),
    field(9, 'bytes', { kind: 'binary' }),
  ]);

  test('a schema-required string that cleaning empties is rejected by the required rule (it could not be written)', () => {
    const s = new Schema([
      field(1, 'id', { kind: 'long' }, true),
      field(2, 'code', { kind: 'string' }, true),
    ]);
    const batch = batchOf(s, [
      { id: 1n, code: '   ' },
      { id: 2n, code: ' a ' },
    ]);
    for (const rules of [
      { clean: { trim: true, emptyAsNull: true } },
      { fields: { code: { trim: true, emptyAsNull: true } } },
    ]) {
      const r = new Validator(s, rules).apply(batch);
      expect(r.rejected.map((x) => [x.index, x.reasons, x.rules])).toEqual([
        [0, ['code is required'], ['code:required']],
      ]);
      expect(r.batch.columns.get(2)).toEqual(['a']);
    }
    // Without emptyAsNull nothing becomes null, and nothing is rejected.
    expect(new Validator(s, { clean: { trim: true } }).apply(batch).rejected).toEqual([]);
  });

  test('required, ranges on decimal/date/timestamptz/long, enum on numbers, lengths', () => {
    const v = new Validator(schema, {
      fields: {
        name: { required: true, minLength: 2, maxLength: 4 },
        price: { min: '0.01', max: 100 },
        day: { min: '2024-01-01' },
        at: { max: '2030-01-01T00:00:00Z' },
        id: { min: 1 },
        n: { enum: [1, 2, 3] },
      },
    });
    const batch = batchOf(schema, [
      { id: 5n, name: 'ab', price: 1n, day: 19723, at: 0n, n: 2 },
      { id: 0n, name: null, price: 10001n, day: 19722, at: 1_900_000_000_000_000n, n: 4 },
      { id: 1n, name: 'a😀', n: null },
      { id: 2n, name: 'abcde' },
    ]);
    expect(v.apply(batch).rejected.map(indexAndReasons)).toEqual([
      {
        index: 1,
        reasons: [
          'name is required',
          'price 100.01 is above 100.00',
          'day 2023-12-31 is below 2024-01-01',
          'at 2030-03-17T17:46:40Z is above 2030-01-01T00:00:00Z',
          'id 0 is below 1',
          'n 4 is not one of 1, 2, 3',
        ],
      },
      { index: 3, reasons: ['name "abcde" is longer than 4 characters'] },
    ]);
  });

  test('NaN fails a range once; comparisons across int and long are exact', () => {
    const s = new Schema([
      field(1, 'a', { kind: 'double' }),
      field(2, 'b', { kind: 'long' }),
      field(3, 'c', { kind: 'int' }),
    ]);
    const v = new Validator(s, {
      fields: { a: { min: 0, max: 1 } },
      checks: ['c < b', { left: 'a', op: '!=', right: 'c' }],
    });
    const batch = batchOf(s, [
      { a: NaN, b: 2n ** 60n, c: 1 },
      { a: 0.5, b: 9007199254740993n, c: 2 ** 31 - 1 },
      { a: 1, b: 1n, c: 1 },
    ]);
    expect(v.apply(batch).rejected.map(indexAndReasons)).toEqual([
      { index: 0, reasons: ['a NaN is not a number', 'a NaN is not != c 1'] },
      { index: 2, reasons: ['c 1 is not < b 1', 'a 1 is not != c 1'] },
    ]);
  });

  test('a comparison with a null passes; a required field reports the null once', () => {
    const v = new Validator(schema, { fields: { until: { required: true } }, checks: ['until >= at'] });
    const batch = batchOf(schema, [
      { at: 5n, until: null },
      { at: null, until: 1n },
      { at: 5n, until: 4n },
    ]);
    expect(v.apply(batch).rejected.map(indexAndReasons)).toEqual([
      { index: 0, reasons: ['until is required'] },
      { index: 2, reasons: ['until 1970-01-01T00:00:00.000004Z is not >= at 1970-01-01T00:00:00.000005Z'] },
    ]);
  });

  test('enum with ignoreCase keeps the value as written; regex with flags', () => {
    const v = new Validator(schema, {
      fields: { name: { enum: ['Alpha', 'beta'], ignoreCase: true, regex: '^[a-z]+$', regexFlags: 'i' } },
    });
    const batch = batchOf(schema, [{ name: 'ALPHA' }, { name: 'Gamma' }, { name: 'b-eta' }]);
    const result = v.apply(batch);
    expect(result.rejected.map(indexAndReasons)).toEqual([
      { index: 1, reasons: ['name "Gamma" is not one of Alpha, beta'] },
      {
        index: 2,
        reasons: ['name "b-eta" is not one of Alpha, beta', 'name "b-eta" does not match /^[a-z]+$/i'],
      },
    ]);
    expect(result.batch.columns.get(2)).toEqual(['ALPHA']);
  });

  test('cleaning: global trim and emptyAsNull, per-field override, lower case; no copy when nothing changes', () => {
    const s = new Schema([
      field(1, 'a', { kind: 'string' }),
      field(2, 'b', { kind: 'string' }),
      field(3, 'c', { kind: 'string' }),
    ]);
    const v = new Validator(s, {
      clean: { trim: true, emptyAsNull: true },
      fields: { b: { trim: false }, c: { case: 'lower' } },
    });
    const batch = batchOf(s, [
      { a: ' x ', b: ' y ', c: ' ZZ ' },
      { a: '  ', b: '', c: null },
      { a: '\u00a0x\tx\u2003', b: 'y', c: 'É' },
    ]);
    expect(rowsOf(s, v.clean(batch))).toEqual([
      { a: 'x', b: ' y ', c: 'zz' },
      { a: null, b: null, c: null },
      { a: 'x\tx', b: 'y', c: 'é' },
    ]);
    const clean = batchOf(s, [{ a: 'x', b: 'y', c: 'z' }]);
    expect(v.clean(clean)).toBe(clean);
    expect(v.apply(clean).batch).toBe(clean);
  });

  test('a clean batch is returned as is, with kept = all indexes', () => {
    const v = new Validator(schema, { fields: { n: { min: 0 } } });
    const batch = batchOf(schema, [{ n: 1 }, { n: 2 }]);
    const result = v.apply(batch);
    expect(result.batch).toBe(batch);
    expect([...result.kept]).toEqual([0, 1]);
  });

  test('bad rules are config errors naming the rule', () => {
    expect(configError(() => parseRules({ fields: { a: { requried: true } } }))).toMatch(
      /fields\.a.*requried/,
    );
    expect(configError(() => parseRules({ checks: ['a >> b'] }))).toMatch(/checks\.0.*not a comparison/);
    expect(configError(() => parseRulesJson('{', 'x.json'))).toMatch(/^x\.json: not valid JSON/);
    expect(configError(() => new Validator(schema, { fields: { nope: { required: true } } }))).toMatch(
      /no column "nope"/,
    );
    expect(configError(() => new Validator(schema, { fields: { name: { min: 1 } } }))).toMatch(
      /min\/max apply to numeric/,
    );
    expect(configError(() => new Validator(schema, { fields: { score: { min: 'abc' } } }))).toMatch(
      /fields\.score: min: .*abc.* not a double/,
    );
    expect(configError(() => new Validator(schema, { fields: { score: { min: 2, max: 1 } } }))).toMatch(
      /min 2 is above max 1/,
    );
    expect(configError(() => new Validator(schema, { fields: { name: { regex: '(' } } }))).toMatch(
      /fields\.name: regex:/,
    );
    expect(configError(() => parseRules({ fields: { name: { regex: 'a', regexFlags: 'g' } } }))).toMatch(
      /regexFlags/,
    );
    expect(configError(() => new Validator(schema, { fields: { score: { case: 'upper' } } }))).toMatch(
      /string columns/,
    );
    expect(
      configError(() => new Validator(schema, { fields: { n: { enum: [1], ignoreCase: true } } })),
    ).toMatch(/ignoreCase/);
    expect(configError(() => new Validator(schema, { checks: ['day < at'] }))).toMatch(
      /cannot compare day \(date\) with at \(timestamptz\)/,
    );
    expect(configError(() => new Validator(schema, { fields: { bytes: { enum: ['AA=='] } } }))).toMatch(
      /enum does not apply/,
    );
  });
});

describe('property: validation over random rows and rules', () => {
  const schema = new Schema([
    field(1, 'x', { kind: 'int' }),
    field(2, 'y', { kind: 'long' }),
    field(3, 's', { kind: 'string' }),
  ]);
  const LETTERS = ['a', 'b', 'A', 'B', ' a', 'ab', ''];
  const rowArb = fc.record({
    x: fc.option(fc.integer({ min: -5, max: 5 }), { nil: null }),
    y: fc.option(fc.bigInt({ min: -5n, max: 5n }), { nil: null }),
    s: fc.option(fc.constantFrom(...LETTERS), { nil: null }),
  });
  const rulesArb = fc.record({
    xMin: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
    xMax: fc.option(fc.integer({ min: -5, max: 5 }), { nil: undefined }),
    xRequired: fc.boolean(),
    sEnum: fc.option(fc.subarray(['a', 'b'], { minLength: 1 }), { nil: undefined }),
    ignoreCase: fc.boolean(),
    trim: fc.boolean(),
    cmp: fc.option(
      fc.constantFrom('<', '<=', '>', '>=', '==', '!=') as fc.Arbitrary<
        '<' | '<=' | '>' | '>=' | '==' | '!='
      >,
      { nil: undefined },
    ),
  });

  type RuleParams = typeof rulesArb extends fc.Arbitrary<infer T> ? T : never;

  /** The oracle: one row at a time, straight from the rule definitions. */
  function expectedReasons(
    row: { x: number | null; y: bigint | null; s: string | null },
    r: RuleParams,
  ): string[] {
    const out: string[] = [];
    const s = row.s === null ? null : r.trim ? row.s.trim() : row.s;
    if (row.x === null) {
      if (r.xRequired) out.push('x is required');
    } else {
      if (r.xMin !== undefined && row.x < r.xMin) out.push(`x ${row.x} is below ${r.xMin}`);
      if (r.xMax !== undefined && row.x > r.xMax) out.push(`x ${row.x} is above ${r.xMax}`);
    }
    if (s !== null && r.sEnum) {
      const ok = r.sEnum.some((e) => (r.ignoreCase ? e.toLowerCase() === s.toLowerCase() : e === s));
      if (!ok) out.push(`s ${JSON.stringify(s)} is not one of ${r.sEnum.join(', ')}`);
    }
    if (r.cmp && row.x !== null && row.y !== null) {
      const x = BigInt(row.x);
      const y = row.y;
      const ok = { '<': x < y, '<=': x <= y, '>': x > y, '>=': x >= y, '==': x === y, '!=': x !== y }[r.cmp];
      if (!ok) out.push(`x ${row.x} is not ${r.cmp} y ${row.y}`);
    }
    return out;
  }

  test('a row is rejected iff some rule is violated; reasons list all violations; kept rows keep their order', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 30 }), rulesArb, (rows, r) => {
        fc.pre(r.xMin === undefined || r.xMax === undefined || r.xMin <= r.xMax);
        const v = new Validator(schema, {
          clean: { trim: r.trim },
          fields: {
            x: {
              required: r.xRequired,
              ...(r.xMin !== undefined ? { min: r.xMin } : {}),
              ...(r.xMax !== undefined ? { max: r.xMax } : {}),
            },
            ...(r.sEnum ? { s: { enum: r.sEnum, ignoreCase: r.ignoreCase } } : {}),
          },
          checks: r.cmp ? [{ left: 'x', op: r.cmp, right: 'y' }] : [],
        });
        const result = v.apply(batchOf(schema, rows));
        const expected = rows.map((row) => expectedReasons(row, r));
        const rejected = expected.flatMap((reasons, index) =>
          reasons.length > 0 ? [{ index, reasons }] : [],
        );
        expect(result.rejected.map(indexAndReasons)).toEqual(rejected);
        for (const r of result.rejected) expect(r.rules).toHaveLength(r.reasons.length);
        const keptIdx = expected.flatMap((reasons, index) => (reasons.length === 0 ? [index] : []));
        expect([...result.kept]).toEqual(keptIdx);
        const keptRows = rowsOf(schema, result.batch);
        expect(keptRows).toEqual(
          keptIdx.map((i) => {
            const row = rows[i] as { x: number | null; y: bigint | null; s: string | null };
            return { ...row, s: row.s !== null && r.trim ? row.s.trim() : row.s };
          }),
        );
      }),
      { numRuns: 300 },
    );
  });
});

describe('property: the fast paths give exactly the general checks’ results', () => {
  const schema = new Schema([
    field(1, 'i', { kind: 'int' }),
    field(2, 'l', { kind: 'long' }),
    field(3, 'd', { kind: 'double' }),
    field(4, 'e', { kind: 'double' }),
    field(5, 'dec', { kind: 'decimal', precision: 9, scale: 2 }),
    field(6, 'day', { kind: 'date' }),
    field(7, 'ts', { kind: 'timestamp' }),
    field(8, 'ts2', { kind: 'timestamp' }),
    field(9, 'cat', { kind: 'string' }),
    field(10, 'txt', { kind: 'string' }),
  ]);
  // Mixed case, white space, non-ASCII letters whose case mapping is not 1:1 (ß, İ, ǅ), empty.
  const WORDS = [
    'QUEENS',
    'queens',
    'Queens',
    ' BRONX ',
    'bronx',
    'STRASSE',
    'straße',
    'İZMİR',
    'izmir',
    'ǅ',
    'é',
    'É',
    '',
    ' ',
    'X1-2',
    'zz',
    'ZZ',
    'a',
    'A',
    '@[`{',
  ];
  const special = fc.constantFrom(NaN, Infinity, -Infinity, -0, 0);
  const rowArb = fc.record({
    i: fc.option(fc.integer({ min: -6, max: 6 }), { nil: null }),
    l: fc.option(fc.bigInt({ min: -6n, max: 6n }), { nil: null }),
    d: fc.option(fc.oneof(fc.double({ min: -8, max: 8 }), special), { nil: null }),
    e: fc.option(fc.oneof(fc.double({ min: -8, max: 8 }), special), { nil: null }),
    dec: fc.option(fc.bigInt({ min: -1000n, max: 1000n }), { nil: null }),
    day: fc.option(fc.integer({ min: 19000, max: 19010 }), { nil: null }),
    ts: fc.option(fc.bigInt({ min: 0n, max: 5n }), { nil: null }),
    ts2: fc.option(fc.bigInt({ min: 0n, max: 5n }), { nil: null }),
    cat: fc.option(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 4, unit: 'binary' })), {
      nil: null,
    }),
    txt: fc.option(fc.oneof(fc.constantFrom(...WORDS), fc.string({ maxLength: 6, unit: 'grapheme' })), {
      nil: null,
    }),
  });
  const op = fc.constantFrom('<', '<=', '>', '>=', '==', '!=') as fc.Arbitrary<
    '<' | '<=' | '>' | '>=' | '==' | '!='
  >;
  // Ordered bounds (min above max is a config error, tested elsewhere).
  const ordered = ([a, b]: [number, number]): [number, number] => (a <= b ? [a, b] : [b, a]);
  const bounds = (lo: number, hi: number) =>
    fc.option(fc.tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi })).map(ordered), {
      nil: undefined,
    });
  const rulesArb = fc.record({
    iRange: bounds(-6, 6),
    lRange: bounds(-6, 6),
    dRange: fc.option(
      fc
        .tuple(fc.double({ min: -8, max: 8, noNaN: true }), fc.double({ min: -8, max: 8, noNaN: true }))
        .map(ordered),
      {
        nil: undefined,
      },
    ),
    decRange: fc.option(fc.tuple(fc.constantFrom('-3.5', '0', '1.25'), fc.constantFrom('2', '4.99')), {
      nil: undefined,
    }),
    dayMin: fc.option(fc.constantFrom('2022-01-05', '2022-01-08'), { nil: undefined }),
    tsMax: fc.option(fc.constantFrom('1970-01-01T00:00:00.000003'), { nil: undefined }),
    catEnum: fc.option(fc.subarray(['QUEENS', 'Bronx', 'straße', 'İzmir', 'é', 'ǅ', ''], { minLength: 1 }), {
      nil: undefined,
    }),
    iEnum: fc.option(fc.subarray([-1, 0, 3], { minLength: 1 }), { nil: undefined }),
    dEnum: fc.option(fc.subarray([0, 1.5, -2], { minLength: 1 }), { nil: undefined }),
    ignoreCase: fc.boolean(),
    catCase: fc.option(fc.constantFrom('upper', 'lower') as fc.Arbitrary<'upper' | 'lower'>, {
      nil: undefined,
    }),
    txtCase: fc.option(fc.constantFrom('upper', 'lower') as fc.Arbitrary<'upper' | 'lower'>, {
      nil: undefined,
    }),
    trim: fc.boolean(),
    emptyAsNull: fc.boolean(),
    required: fc.subarray(['i', 'd', 'cat', 'ts'] as const),
    checks: fc.array(
      fc.oneof(
        fc.record({
          left: fc.constantFrom('i', 'l', 'd', 'e'),
          op,
          right: fc.constantFrom('i', 'l', 'd', 'e'),
        }),
        fc.record({ left: fc.constantFrom('ts', 'ts2'), op, right: fc.constantFrom('ts', 'ts2') }),
        fc.record({ left: fc.constantFrom('cat', 'txt'), op, right: fc.constantFrom('cat', 'txt') }),
      ),
      { maxLength: 3 },
    ),
  });

  test('cleaned rows, rejected rows, reasons and rule labels are identical with and without fast paths', () => {
    fc.assert(
      fc.property(fc.array(rowArb, { maxLength: 25 }), rulesArb, (rows, r) => {
        const range = (t: readonly [number | string, number | string] | undefined) =>
          t === undefined ? {} : { min: t[0], max: t[1] };
        const fields: Record<string, Record<string, unknown>> = {
          i: { ...range(r.iRange), ...(r.iEnum ? { enum: r.iEnum } : {}) },
          l: range(r.lRange),
          d: { ...range(r.dRange), ...(r.dEnum ? { enum: r.dEnum } : {}) },
          dec: range(r.decRange),
          day: r.dayMin ? { min: r.dayMin } : {},
          ts: r.tsMax ? { max: r.tsMax } : {},
          cat: {
            ...(r.catEnum ? { enum: r.catEnum, ignoreCase: r.ignoreCase } : {}),
            ...(r.catCase ? { case: r.catCase } : {}),
          },
          txt: { ...(r.txtCase ? { case: r.txtCase } : {}), regex: '^[A-Z]' },
        };
        for (const name of r.required) (fields[name] as Record<string, unknown>).required = true;
        const rules = { clean: { trim: r.trim, emptyAsNull: r.emptyAsNull }, fields, checks: r.checks };
        let fast: Validator;
        try {
          fast = new Validator(schema, rules);
        } catch (err) {
          // min above max: both compile the same way.
          expect(() => new Validator(schema, rules, { fastPaths: false })).toThrow((err as Error).message);
          return;
        }
        const general = new Validator(schema, rules, { fastPaths: false });
        const a = fast.apply(batchOf(schema, rows));
        const b = general.apply(batchOf(schema, rows));
        expect(a.rejected).toEqual(b.rejected);
        expect([...a.kept]).toEqual([...b.kept]);
        expect(rowsOf(schema, a.batch)).toEqual(rowsOf(schema, b.batch));
        // In place (the consumer's way) cleans to the same values.
        const inPlace = fast.check(batchOf(schema, rows), { inPlace: true });
        expect(inPlace.rejected).toEqual(b.rejected);
        expect(rowsOf(schema, inPlace.batch)).toEqual(
          rowsOf(schema, general.check(batchOf(schema, rows)).batch),
        );
      }),
      { numRuns: 400 },
    );
  });

  test('case cleaning equals toUpperCase / toLowerCase on any text', () => {
    // The letters' ASCII neighbours, letters whose case mapping changes the length, any character.
    const CHARS = fc.oneof(
      fc.constantFrom('a', 'z', 'A', 'Z', '@', '[', '`', '{', '0', ' ', 'ß', 'İ', 'ǅ', 'é', 'ÿ'),
      fc.string({ minLength: 1, maxLength: 1, unit: 'binary' }),
    );
    const s1 = new Schema([field(1, 's', { kind: 'string' })]);
    for (const toCase of ['upper', 'lower'] as const) {
      const v = new Validator(s1, { fields: { s: { case: toCase } } });
      fc.assert(
        fc.property(fc.array(fc.string({ maxLength: 8, unit: CHARS }), { maxLength: 20 }), (values) => {
          const out = v.clean({ rowCount: values.length, columns: new Map([[1, values]]) });
          expect(out.columns.get(1)).toEqual(
            values.map((x) => (toCase === 'upper' ? x.toUpperCase() : x.toLowerCase())),
          );
        }),
        { numRuns: 300 },
      );
    }
  });
});
