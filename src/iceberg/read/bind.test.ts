import { describe, expect, it } from 'vitest';
import { Schema } from '../spec/schema.js';
import { t } from '../spec/types.js';
import { bind, rewriteNot } from './bind.js';

const schema = new Schema([
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'ts', required: false, type: t.timestamptz },
  { id: 3, name: 'name', required: false, type: t.string },
]);

describe('binding filters', () => {
  it('pushes NOT down to the leaves', () => {
    expect(
      rewriteNot({
        op: 'not',
        child: {
          op: 'and',
          left: { op: 'lt', column: 'id', value: 1n },
          right: { op: 'is-null', column: 'name' },
        },
      }),
    ).toEqual({
      op: 'or',
      left: { op: 'gt-eq', column: 'id', value: 1n },
      right: { op: 'not-null', column: 'name' },
    });
    expect(
      rewriteNot({ op: 'not', child: { op: 'not', child: { op: 'in', column: 'id', values: [1n] } } }),
    ).toEqual({
      op: 'in',
      column: 'id',
      values: [1n],
    });
  });

  it('resolves names to field ids and coerces literals', () => {
    expect(bind({ op: 'eq', column: 'id', value: 5 }, schema)).toEqual({
      op: 'eq',
      fieldId: 1,
      type: t.long,
      value: 5n,
    });
    expect(bind({ op: 'gt', column: 'ts', value: '1970-01-01T00:00:01Z' }, schema)).toMatchObject({
      value: 1_000_000n,
    });
  });

  it('rejects unknown columns and ill-typed literals', () => {
    expect(() => bind({ op: 'eq', column: 'nope', value: 1 }, schema)).toThrow(/unknown column "nope"/);
    expect(() => bind({ op: 'eq', column: 'name', value: 1 }, schema)).toThrow(/does not fit column "name"/);
  });
});
