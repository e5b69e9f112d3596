import { createRequire } from 'node:module';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { FloeError } from '../../errors.js';
import {
  COMPRESSION_LEVEL_PROPERTY,
  compressorsFor,
  decompressors,
  resolveCompressionLevel,
  zstdBackend,
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

describe('ZSTD backends', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.resetModules();
  });

  /** codecs.ts loaded afresh, so it chooses its backend under the current environment. */
  async function freshCodecs(): Promise<typeof import('./codecs.js')> {
    vi.resetModules();
    return import('./codecs.js');
  }

  it('compresses natively when zstd-napi is installed (the default install builds it)', () => {
    let installed = true;
    try {
      createRequire(import.meta.url).resolve('zstd-napi');
    } catch {
      installed = false;
    }
    expect(zstdBackend()).toBe(installed ? 'native' : 'wasm');
  });

  it('FLOE_ZSTD=wasm forces the wasm build; both write frames the other side reads, same sizes', async () => {
    const input = sample();
    const nativeCodecs = await freshCodecs();
    const nativeFrames = [1, 3, 19].map((level) => nativeCodecs.compressorsFor('zstd', level));
    vi.stubEnv('FLOE_ZSTD', 'wasm');
    const wasmCodecs = await freshCodecs();
    expect(wasmCodecs.zstdBackend()).toBe('wasm');
    const { ZSTD: decompress } = await wasmCodecs.decompressors();
    for (const [i, level] of [1, 3, 19].entries()) {
      const fromNative = (await nativeFrames[i]!).ZSTD!(input);
      const fromWasm = (await wasmCodecs.compressorsFor('zstd', level)).ZSTD!(input);
      // The same library version at the same level: the same compressed size.
      expect(fromNative.length).toBe(fromWasm.length);
      for (const frame of [fromNative, fromWasm]) {
        expect(Buffer.from(decompress!(frame, input.length)).equals(Buffer.from(input))).toBe(true);
      }
    }
  });
});
