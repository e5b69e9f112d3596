/**
 * Parquet compression codecs: which one a table asks for, and the compress/decompress functions
 * hyparquet(-writer) needs. Snappy is built into both libraries; gzip comes from node:zlib. ZSTD
 * compression is native when it can be (zstd-napi, an optional dependency: a prebuilt binary, or
 * built from its bundled zstd sources on install) and a wasm build (@bokuweb/zstd-wasm)
 * otherwise, so an install without a compiler still works. Native level 1 ran 2.4x faster than
 * the wasm build on NYC-311 pages (728 vs 300 MB/s, identical frames' sizes); ZSTD was ~9% of a
 * 1M-row load's CPU. FLOE_ZSTD=wasm forces the wasm build (tests and benchmarks compare both).
 * Decompression (reading back, not a hot path) stays on the wasm build, which also takes frames
 * without a content size.
 */
import { createRequire } from 'node:module';
import { gunzipSync, gzipSync } from 'node:zlib';
import {
  compressUsingDict as zstdCompressUsingDict,
  createCCtx as zstdCreateCCtx,
  decompress as zstdDecompress,
  init as zstdInit,
} from '@bokuweb/zstd-wasm';
import { FloeError } from '../../errors.js';

export type ParquetCodec = 'zstd' | 'snappy' | 'gzip' | 'uncompressed';
export type ParquetCodecName = 'ZSTD' | 'SNAPPY' | 'GZIP' | 'UNCOMPRESSED';

export const CODEC_PROPERTY = 'write.parquet.compression-codec';
export const COMPRESSION_LEVEL_PROPERTY = 'write.parquet.compression-level';
/** Java Iceberg's default since 1.4; also what Athena and Trino write. */
export const DEFAULT_CODEC: ParquetCodec = 'zstd';
/**
 * Level 1, Arrow's default and so PyIceberg's, rather than parquet-java's 3: on the 1M-row
 * NYC-311 benchmark level 1 took ~10% fewer instructions for the whole load (`perf stat -e
 * instructions:u`: 43.2 G -> 38.9 G) for 5% larger files (30.9 vs 29.4 MiB, what PyIceberg
 * writes). floe is CPU-bound at ingest time; `write.parquet.compression-level=3` buys the 5% back.
 */
export const DEFAULT_ZSTD_LEVEL = 1;

const CODECS: readonly ParquetCodec[] = ['zstd', 'snappy', 'gzip', 'uncompressed'];

export function isParquetCodec(text: string): text is ParquetCodec {
  return (CODECS as readonly string[]).includes(text);
}

/** The codec option wins over the table property, which wins over the default. */
export function resolveCodec(
  option: ParquetCodec | undefined,
  properties: Readonly<Record<string, string>>,
): ParquetCodec {
  if (option !== undefined) {
    if (!isParquetCodec(option))
      throw new FloeError('config', `unsupported Parquet codec "${String(option)}"`);
    return option;
  }
  const text = properties[CODEC_PROPERTY];
  if (text === undefined) return DEFAULT_CODEC;
  const codec = text.trim().toLowerCase();
  if (!isParquetCodec(codec)) {
    throw new FloeError(
      'config',
      `table property ${CODEC_PROPERTY}="${text}" is not supported; use one of ${CODECS.join(', ')}`,
    );
  }
  return codec;
}

/** `write.parquet.compression-level`, or undefined for the codec's default. */
export function resolveCompressionLevel(properties: Readonly<Record<string, string>>): number | undefined {
  const text = properties[COMPRESSION_LEVEL_PROPERTY];
  if (text === undefined || text.trim() === '') return undefined;
  const level = Number(text);
  if (!Number.isInteger(level)) {
    throw new FloeError(
      'config',
      `table property ${COMPRESSION_LEVEL_PROPERTY}="${text}" must be an integer`,
    );
  }
  return level;
}

export function codecName(codec: ParquetCodec): ParquetCodecName {
  return codec.toUpperCase() as ParquetCodecName;
}

type Compress = (input: Uint8Array) => Uint8Array;
type Decompress = (input: Uint8Array, outputLength: number) => Uint8Array;

let zstdReady: Promise<void> | undefined;
let zstdContext: number | undefined;

/** The part of zstd-napi's API used here (declared, so type-checking does not need it installed). */
interface NativeCompressor {
  setParameters(parameters: { compressionLevel: number }): void;
  compress(input: Uint8Array): Uint8Array;
}
interface NativeZstd {
  Compressor: new () => NativeCompressor;
}

export type ZstdBackend = 'native' | 'wasm';

let native: NativeZstd | null | undefined;

/** zstd-napi when it is installed and loads, else null (then wasm). */
function nativeZstd(): NativeZstd | null {
  if (native !== undefined) return native;
  native = null;
  if (process.env.FLOE_ZSTD === 'wasm') return native;
  try {
    native = createRequire(import.meta.url)('zstd-napi') as NativeZstd;
  } catch {
    // Not installed (optional dependency, no compiler at install time): the wasm build serves.
  }
  return native;
}

/** Which ZSTD compressor this process uses. */
export function zstdBackend(): ZstdBackend {
  return nativeZstd() === null ? 'wasm' : 'native';
}
const NO_DICTIONARY = new Uint8Array(0);

/** The wasm module must be instantiated once per process before the first (de)compression. */
export function ensureZstd(): Promise<void> {
  zstdReady ??= zstdInit().catch((err: unknown) => {
    zstdReady = undefined;
    throw new FloeError('internal', `could not initialise the ZSTD wasm module: ${String(err)}`, {
      cause: err,
    });
  });
  return zstdReady;
}

/**
 * Compressors for hyparquet-writer. Async because ZSTD needs its wasm module; snappy is built into
 * hyparquet-writer and needs no entry.
 */
export async function compressorsFor(codec: ParquetCodec, level?: number): Promise<Record<string, Compress>> {
  switch (codec) {
    case 'zstd': {
      const zstdLevel = level ?? DEFAULT_ZSTD_LEVEL;
      const nativeModule = nativeZstd();
      if (nativeModule !== null) {
        // One context per writer's codec: it keeps its parameters and buffers between pages.
        const compressor = new nativeModule.Compressor();
        compressor.setParameters({ compressionLevel: zstdLevel });
        return { ZSTD: (input) => compressor.compress(input) };
      }
      await ensureZstd();
      // One compression context for the process, reused by every page: the plain compress()
      // creates and frees a context per call, which took 2/3 of the ZSTD time on 20k-row pages.
      // An empty dictionary makes compress_usingDict the ordinary one-shot compression.
      zstdContext ??= zstdCreateCCtx();
      const cctx = zstdContext;
      return { ZSTD: (input) => zstdCompressUsingDict(cctx, input, NO_DICTIONARY, zstdLevel) };
    }
    case 'gzip': {
      const options = level === undefined ? {} : { level };
      return { GZIP: (input) => gzipSync(input, options) };
    }
    case 'snappy':
    case 'uncompressed':
      return {};
  }
}

/** Decompressors for hyparquet's reader (it has snappy built in, not gzip or ZSTD). */
export async function decompressors(): Promise<Record<string, Decompress>> {
  await ensureZstd();
  return {
    // Frames written by streaming encoders may omit the content size: the page header knows it.
    ZSTD: (input, outputLength) => zstdDecompress(input, { defaultHeapSize: Math.max(outputLength, 1) }),
    GZIP: (input) => gunzipSync(input),
  };
}
