import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { daysFromMicros, floorDivBig, hoursFromMicros, MICROS_PER_DAY, MICROS_PER_HOUR } from './datetime.js';

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
/** Micros near the interesting places: unit boundaries, zero, and the edges of the safe range. */
const micros = fc.oneof(
  fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n }),
  fc.bigInt({ min: -SAFE - 10n, max: -SAFE + 10n }),
  fc.bigInt({ min: SAFE - 10n, max: SAFE + 10n }),
  fc
    .tuple(fc.bigInt({ min: -110_000n, max: 110_000n }), fc.bigInt({ min: -3n, max: 3n }))
    .map(([k, d]) => k * MICROS_PER_DAY + d),
  fc
    .tuple(fc.bigInt({ min: -2_500_000n, max: 2_500_000n }), fc.bigInt({ min: -3n, max: 3n }))
    .map(([k, d]) => k * MICROS_PER_HOUR + d),
);

describe('day and hour of a timestamp', () => {
  it('equal floor division in bigint for every long, inside and outside the safe range', () => {
    fc.assert(
      fc.property(micros, (m) => {
        expect(daysFromMicros(m)).toBe(Number(floorDivBig(m, MICROS_PER_DAY)));
        expect(hoursFromMicros(m)).toBe(Number(floorDivBig(m, MICROS_PER_HOUR)));
      }),
      { numRuns: 3000 },
    );
  });

  it('put the last microsecond before midnight in the earlier day, also before 1970', () => {
    expect(daysFromMicros(-1n)).toBe(-1);
    expect(daysFromMicros(0n)).toBe(0);
    expect(daysFromMicros(MICROS_PER_DAY - 1n)).toBe(0);
    expect(daysFromMicros(-MICROS_PER_DAY)).toBe(-1);
    expect(daysFromMicros(-MICROS_PER_DAY - 1n)).toBe(-2);
    expect(hoursFromMicros(-1n)).toBe(-1);
  });
});
