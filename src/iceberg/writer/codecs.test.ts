import { describe, expect, it } from 'vitest';
import { FloeError } from '../../errors.js';
import {
  COMPRESSION_LEVEL_PROPERTY,
  compressorsFor,
  decompressors,
  resolveCompressionLevel,
} from './codecs.js';

/** Text that compresses differently at different levels: repetitive, but not trivially. */
function sample(): Uint8Array {
  const words = ['QUEENS', 'BROOKLYN', 'Noise', 'Street/Sidewalk', 'Closed', 'In Progress', 'DSNY'];
  let s = '';
  let x = 12345;
  for (let i = 0; i < 20_000; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    s += words[x % words.length]! + (x % 997) + ',';
  }
  return new TextEncoder().encode(s);
}

describe('ZSTD level', () => {
  it('defaults to level 1 and honours an explicit level', async () => {
    const input = sample();
    const byDefault = (await compressorsFor('zstd')).ZSTD!(input);
    const one = (await compressorsFor('zstd', 1)).ZSTD!(input);
    const nineteen = (await compressorsFor('zstd', 19)).ZSTD!(input);
    expect(Buffer.from(byDefault).equals(Buffer.from(one))).toBe(true);
    expect(nineteen.length).toBeLessThan(one.length);
    const { ZSTD: decompress } = await decompressors();
    for (const packed of [one, nineteen]) {
      expect(Buffer.from(decompress!(packed, input.length)).equals(Buffer.from(input))).toBe(true);
    }
  });

  it('reads write.parquet.compression-level and rejects a non-integer', () => {
    expect(resolveCompressionLevel({})).toBeUndefined();
    expect(resolveCompressionLevel({ [COMPRESSION_LEVEL_PROPERTY]: '3' })).toBe(3);
    expect(() => resolveCompressionLevel({ [COMPRESSION_LEVEL_PROPERTY]: 'fast' })).toThrow(FloeError);
  });
});
