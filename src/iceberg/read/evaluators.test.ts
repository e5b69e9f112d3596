import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encodeValue } from '../spec/conversions.js';
import type { DataFile, PartitionSpec } from '../spec/model.js';
import { Schema } from '../spec/schema.js';
import { t, type Value } from '../spec/types.js';
import { bind } from './bind.js';
import {
  evaluateRow,
  fileMightMatch,
  manifestMightMatch,
  partitionMightMatch,
  projectToPartition,
} from './evaluators.js';
import type { Expression } from './expressions.js';

const schema = new Schema([
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'ts', required: false, type: t.timestamptz },
  { id: 3, name: 'name', required: false, type: t.string },
  { id: 4, name: 'x', required: false, type: t.double },
]);

function fileOf(rows: { id: bigint; name: string | null }[]): DataFile {
  const ids = rows.map((r) => r.id);
  const names = rows.map((r) => r.name).filter((n): n is string => n !== null);
  const minmax = <T>(xs: T[], cmp: (a: T, b: T) => number) =>
    [xs.reduce((a, b) => (cmp(a, b) <= 0 ? a : b)), xs.reduce((a, b) => (cmp(a, b) >= 0 ? a : b))] as const;
  const [idLo, idHi] = minmax(ids, (a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const lower = new Map<number, Uint8Array>([[1, encodeValue(t.long, idLo)]]);
  const upper = new Map<number, Uint8Array>([[1, encodeValue(t.long, idHi)]]);
  if (names.length > 0) {
    const [lo, hi] = minmax(names, (a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
    lower.set(3, encodeValue(t.string, lo));
    upper.set(3, encodeValue(t.string, hi));
  }
  return {
    content: 0,
    filePath: 'f',
    fileFormat: 'PARQUET',
    partition: [],
    recordCount: BigInt(rows.length),
    fileSizeInBytes: 1n,
    specId: 0,
    valueCounts: new Map([
      [1, BigInt(rows.length)],
      [3, BigInt(rows.length)],
    ]),
    nullValueCounts: new Map([
      [1, 0n],
      [3, BigInt(rows.length - names.length)],
    ]),
    lowerBounds: lower,
    upperBounds: upper,
  };
}

const ops = ['eq', 'not-eq', 'lt', 'lt-eq', 'gt', 'gt-eq'] as const;
const arbLeaf: fc.Arbitrary<Expression> = fc.oneof(
  fc.record({
    op: fc.constantFrom(...ops),
    column: fc.constant('id'),
    value: fc.bigInt({ min: -20n, max: 20n }) as fc.Arbitrary<Value>,
  }),
  fc.record({
    op: fc.constantFrom(...ops),
    column: fc.constant('name'),
    value: fc.string({ maxLength: 3 }) as fc.Arbitrary<Value>,
  }),
  fc.record({ op: fc.constantFrom('is-null' as const, 'not-null' as const), column: fc.constant('name') }),
  fc.record({
    op: fc.constantFrom('in' as const, 'not-in' as const),
    column: fc.constant('id'),
    values: fc.array(fc.bigInt({ min: -20n, max: 20n }), { minLength: 1, maxLength: 3 }) as fc.Arbitrary<
      Value[]
    >,
  }),
);
const arbExpr: fc.Arbitrary<Expression> = fc.letrec<{ e: Expression }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    arbLeaf,
    fc.record({ op: fc.constantFrom('and' as const, 'or' as const), left: tie('e'), right: tie('e') }),
    fc.record({ op: fc.constant('not' as const), child: tie('e') }),
  ),
})).e;

describe('evaluators', () => {
  it('the metrics evaluator never skips a file that holds a matching row', () => {
    const arbRows = fc.array(
      fc.record({
        id: fc.bigInt({ min: -20n, max: 20n }),
        name: fc.option(fc.string({ maxLength: 3 }), { nil: null }),
      }),
      {
        minLength: 1,
        maxLength: 8,
      },
    );
    fc.assert(
      fc.property(arbRows, arbExpr, (rows, expr) => {
        const bound = bind(expr, schema);
        const anyMatch = rows.some((r) =>
          evaluateRow(bound, (id) => (id === 1 ? r.id : id === 3 ? r.name : null)),
        );
        if (anyMatch) expect(fileMightMatch(bound, fileOf(rows), schema)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('skips files whose bounds exclude the predicate', () => {
    const file = fileOf([
      { id: 5n, name: 'b' },
      { id: 9n, name: 'd' },
    ]);
    const skip = (e: Expression) => !fileMightMatch(bind(e, schema), file, schema);
    expect(skip({ op: 'eq', column: 'id', value: 4n })).toBe(true);
    expect(skip({ op: 'eq', column: 'id', value: 5n })).toBe(false);
    expect(skip({ op: 'lt', column: 'id', value: 5n })).toBe(true);
    expect(skip({ op: 'gt', column: 'id', value: 9n })).toBe(true);
    expect(skip({ op: 'gt-eq', column: 'id', value: 9n })).toBe(false);
    expect(skip({ op: 'is-null', column: 'name' })).toBe(true);
    expect(skip({ op: 'in', column: 'id', values: [1n, 10n] })).toBe(true);
    expect(skip({ op: 'lt', column: 'name', value: 'b' })).toBe(true);
  });

  it('projects filters through day and bucket partitions', () => {
    const spec: PartitionSpec = {
      specId: 0,
      fields: [
        { sourceId: 2, fieldId: 1000, name: 'ts_day', transform: 'day' },
        { sourceId: 1, fieldId: 1001, name: 'id_bucket', transform: 'bucket[4]' },
      ],
    };
    const day = 86_400_000_000n;
    const filter = bind(
      {
        op: 'and',
        left: { op: 'gt-eq', column: 'ts', value: 10n * day },
        right: { op: 'lt', column: 'ts', value: 12n * day },
      },
      schema,
    );
    const projected = projectToPartition(filter, spec, schema);
    expect(partitionMightMatch(projected, [9, 0])).toBe(false);
    expect(partitionMightMatch(projected, [10, 0])).toBe(true);
    expect(partitionMightMatch(projected, [12, 0])).toBe(true); // inclusive: day 12 may hold ts < 12d? no, but lt projects to lt-eq
    expect(partitionMightMatch(projected, [13, 0])).toBe(false);
    // A predicate on a non-partition column projects to true.
    expect(projectToPartition(bind({ op: 'eq', column: 'name', value: 'a' }, schema), spec, schema)).toEqual({
      op: 'true',
    });
    // Manifest summaries: days 20..30 cannot hold days 10..12.
    const summaries = [
      { containsNull: false, lowerBound: encodeValue(t.date, 20), upperBound: encodeValue(t.date, 30) },
      { containsNull: false, lowerBound: encodeValue(t.int, 0), upperBound: encodeValue(t.int, 3) },
    ];
    expect(manifestMightMatch(projected, summaries, [t.date, t.int])).toBe(false);
    expect(
      manifestMightMatch(
        projected,
        [{ ...summaries[0]!, lowerBound: encodeValue(t.date, 11) }, summaries[1]!],
        [t.date, t.int],
      ),
    ).toBe(true);
  });
});
