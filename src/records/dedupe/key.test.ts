import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { Schema } from '../../iceberg/spec/schema.js';
import type { Value } from '../../iceberg/spec/types.js';
import { keyFields, keyReader } from './key.js';

const schema = new Schema([
  { id: 1, name: 'id', required: false, type: { kind: 'long' } },
  { id: 2, name: 'ts', required: false, type: { kind: 'timestamp' } },
]);
const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** Bigints around 0 and around ±(2^53 - 1), where a key turns from a number into a bigint, and anywhere in int64. */
const bigintArb = fc.oneof(
  fc.bigInt({ min: -1000n, max: 1000n }),
  fc.bigInt({ min: MAX_SAFE - 4n, max: MAX_SAFE + 4n }),
  fc.bigInt({ min: -MAX_SAFE - 4n, max: -MAX_SAFE + 4n }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
);

describe('dedupe keys of bigint columns', () => {
  test('a safe integer becomes a number, anything beyond stays a bigint; distinct values give distinct keys', () => {
    for (const name of ['id', 'ts']) {
      fc.assert(
        fc.property(
          fc.array(fc.option(bigintArb, { nil: null }), { maxLength: 30 }),
          (values: (bigint | null)[]) => {
            const field = keyFields(schema, [name])[0]!;
            const key = keyReader(
              { rowCount: values.length, columns: new Map([[field.id, values as Value[]]]) },
              [field],
            );
            const keys = values.map((_, i) => key(i));
            values.forEach((v, i) => {
              if (v === null) expect(keys[i]).toBeUndefined();
              else if (v <= MAX_SAFE && v >= -MAX_SAFE) expect(keys[i]).toBe(Number(v));
              else expect(keys[i]).toBe(v);
            });
            // One-to-one: as many distinct keys (Set semantics) as distinct values.
            const distinctValues = new Set(values.filter((v) => v !== null));
            expect(new Set(keys.filter((k) => k !== undefined)).size).toBe(distinctValues.size);
          },
        ),
        { numRuns: 300 },
      );
    }
  });

  test('the boundary itself', () => {
    const field = keyFields(schema, ['id'])[0]!;
    const values: Value[] = [MAX_SAFE, MAX_SAFE + 1n, -MAX_SAFE, -MAX_SAFE - 1n, 2n ** 53n, 0n, -0n];
    const key = keyReader({ rowCount: values.length, columns: new Map([[1, values]]) }, [field]);
    expect(values.map((_, i) => key(i))).toEqual([
      Number.MAX_SAFE_INTEGER,
      MAX_SAFE + 1n,
      -Number.MAX_SAFE_INTEGER,
      -MAX_SAFE - 1n,
      2n ** 53n,
      0,
      0,
    ]);
  });
});
