import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mergeSettingsFromProperties, packFromEnd } from './merge.js';

describe('packFromEnd', () => {
  it('keeps order, respects the target and leaves the newest bin under-filled', () => {
    expect(packFromEnd([1, 1, 1, 1, 1], (x) => x, 2)).toEqual([[1], [1, 1], [1, 1]]);
    expect(packFromEnd([5, 1, 1], (x) => x, 2)).toEqual([[5], [1, 1]]);
    expect(packFromEnd([], (x: number) => x, 2)).toEqual([]);
  });

  it('is a partition of the input in order, each multi-item bin within the target', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50 }), { maxLength: 60 }),
        fc.integer({ min: 1, max: 100 }),
        (items, target) => {
          const bins = packFromEnd(items, (x) => x, target);
          expect(bins.flat()).toEqual(items);
          for (const bin of bins) {
            expect(bin.length).toBeGreaterThan(0);
            if (bin.length > 1) expect(bin.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(target);
          }
          // Packing from the end: every bin but the first is "full" (the next older item would not fit).
          for (let i = 1; i < bins.length; i++) {
            const prev = bins[i - 1]!;
            const sum = bins[i]!.reduce((a, b) => a + b, 0);
            expect(sum + prev[prev.length - 1]!).toBeGreaterThan(target);
          }
        },
      ),
    );
  });
});

describe('mergeSettingsFromProperties', () => {
  it('uses the Java defaults and honours the properties', () => {
    expect(mergeSettingsFromProperties({})).toEqual({
      enabled: true,
      minCountToMerge: 100,
      targetSizeBytes: 8 * 1024 * 1024,
    });
    expect(
      mergeSettingsFromProperties({
        'commit.manifest-merge.enabled': 'false',
        'commit.manifest.min-count-to-merge': '3',
        'commit.manifest.target-size-bytes': '1024',
      }),
    ).toEqual({ enabled: false, minCountToMerge: 3, targetSizeBytes: 1024 });
  });
});
