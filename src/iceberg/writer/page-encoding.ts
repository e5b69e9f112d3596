/**
 * Parquet page bytes for flat (non-repeated) columns, built straight from typed arrays: data
 * page v2 headers, definition levels, PLAIN numbers, bit-packed booleans, PLAIN BYTE_ARRAY and
 * RLE_DICTIONARY indexes. hyparquet-writer's thrift and RLE helpers are reused; its column
 * encoder is not, because it wants every value of a row group as a JS array (see column-buffer.ts).
 */
import type { Encoding, PageHeader } from 'hyparquet';
import { ByteWriter } from 'hyparquet-writer';
import { writePageHeader } from 'hyparquet-writer/src/datapage.js';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { keepShape } from '../../keep-shape.js';

export type Compress = (input: Uint8Array) => Uint8Array;

/** Typed arrays can be written as PLAIN bytes as they are only on little-endian hosts. */
export const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** Bytes of one page as parts: header, levels, (compressed) values. */
export interface EncodedPage {
  readonly parts: Uint8Array[];
  /** Header plus uncompressed levels and values (what total_uncompressed_size sums). */
  readonly uncompressedSize: number;
  /** Sum of the parts' lengths. */
  readonly compressedSize: number;
}

/**
 * Definition levels (bit width 1) of a page, RLE/bit-packed hybrid. `nulls`, when given, is the
 * number of zeros in `defs`: a page without nulls (or of nulls only) is one RLE run, written
 * without looking at the levels.
 */
export function encodeDefinitionLevels(defs: Uint8Array, nulls?: number): Uint8Array {
  const n = defs.length;
  if (n >= 8 && (nulls === 0 || nulls === n)) {
    const out = new Uint8Array(6);
    const o = varint(out, 0, n << 1);
    out[o] = nulls === 0 ? 1 : 0;
    return out.subarray(0, o + 1);
  }
  return rleBitPackedHybrid(defs, 1);
}

/**
 * The RLE/bit-packed hybrid encoding (no length prefix) of `values`, each < 2^width: runs of 8+
 * equal values as RLE runs, the rest bit-packed in groups of 8 (the last group zero-padded). The
 * same runs hyparquet-writer's writeRleBitPackedHybrid chooses, written straight into a byte array.
 */
export function rleBitPackedHybrid(values: Uint8Array | Int32Array, width: number): Uint8Array {
  return rleInto(values, width, 0);
}

/**
 * rleBitPackedHybrid after `skip` zero bytes. One loop with locals only (no closure: variables a
 * closure writes live in a heap context, and the loop paid a load and a store for each).
 */
function rleInto(values: Uint8Array | Int32Array, width: number, skip: number): Uint8Array {
  if (width > 24) {
    const w = new ByteWriter(values.length * 4 + 64);
    w.offset = skip;
    w.index = skip;
    writeRleBitPackedHybrid(w, values, width);
    return w.getBytes().slice();
  }
  const n = values.length;
  const valueBytes = (width + 7) >> 3;
  // Worst case: everything bit-packed (n/8 groups of `width` bytes, plus a 5-byte header per
  // section) or RLE runs of 8 (5-byte header and the value per run).
  const out = new Uint8Array(skip + Math.ceil(n / 8) * (width + 5 + valueBytes) + 16);
  let o = skip;
  let i = 0;
  // The bit-packed section being collected: groups of 8 values from bpStart, packed when it ends.
  let bpStart = 0;
  let bpGroups = 0;
  while (i < n) {
    const v = values[i]!;
    let r = i + 1;
    while (r < n && values[r] === v) r++;
    if (r - i < 8) {
      if (bpGroups === 0) bpStart = i;
      bpGroups++;
      i += 8;
      continue;
    }
    if (bpGroups > 0) {
      o = bitPackedSection(values, bpStart, bpGroups, width, out, o);
      bpGroups = 0;
    }
    o = varint(out, o, (r - i) << 1);
    for (let j = 0; j < valueBytes; j++) out[o++] = (v >>> (j << 3)) & 0xff;
    i = r;
  }
  if (bpGroups > 0) o = bitPackedSection(values, bpStart, bpGroups, width, out, o);
  return out.subarray(0, o);
}

function varint(out: Uint8Array, o: number, value: number): number {
  while (value > 0x7f) {
    out[o++] = (value & 0x7f) | 0x80;
    value >>>= 7;
  }
  out[o++] = value;
  return o;
}

/**
 * A bit-packed section: its header, then `groups` groups of 8 values from `start` (past the
 * end: zeros), least significant bit first. `out` is zero-filled past `o`.
 */
function bitPackedSection(
  values: Uint8Array | Int32Array,
  start: number,
  groups: number,
  width: number,
  out: Uint8Array,
  o: number,
): number {
  o = varint(out, o, (groups << 1) | 1);
  if (width === 0) return o;
  const end = start + groups * 8;
  const full = Math.min(end, values.length);
  // At most 7 + 24 bits are pending: they fit a 32-bit integer.
  let buffer = 0;
  let bits = 0;
  if (width === 1) {
    // Definition levels and two-value dictionaries: a byte per 8 values, no pending bits.
    let k = start;
    for (; k + 8 <= full; k += 8) {
      out[o++] =
        values[k]! |
        (values[k + 1]! << 1) |
        (values[k + 2]! << 2) |
        (values[k + 3]! << 3) |
        (values[k + 4]! << 4) |
        (values[k + 5]! << 5) |
        (values[k + 6]! << 6) |
        (values[k + 7]! << 7);
    }
    for (; k < full; k++, bits++) buffer |= values[k]! << bits;
  } else {
    let k = start;
    if (width <= 8) {
      // Dictionary indexes of up to 256 values: a group of 8 is two 4-value words of 4·width
      // bits each, written as `width` bytes (the loop below spends a load, a shift and a test
      // per value on top of that).
      const w2 = width * 2;
      const w3 = width * 3;
      const half = width * 4;
      for (; k + 8 <= full; k += 8) {
        let acc = values[k]! | (values[k + 1]! << width) | (values[k + 2]! << w2) | (values[k + 3]! << w3);
        const hi =
          values[k + 4]! | (values[k + 5]! << width) | (values[k + 6]! << w2) | (values[k + 7]! << w3);
        let nb = half;
        for (; nb >= 8; nb -= 8, acc >>>= 8) out[o++] = acc;
        acc |= hi << nb; // nb is 0 or 4 here: at most 32 bits
        for (nb += half; nb >= 8; nb -= 8, acc >>>= 8) out[o++] = acc;
      }
    }
    for (; k < full; k++) {
      buffer |= values[k]! << bits;
      bits += width;
      while (bits >= 8) {
        out[o++] = buffer; // a Uint8Array keeps the low 8 bits
        buffer >>>= 8;
        bits -= 8;
      }
    }
  }
  // The padding values are zeros: what is left of `buffer`, then zero bytes (already in `out`).
  const rest = bits + (end - full) * width;
  if (rest > 0) {
    out[o] = buffer;
    o += rest >> 3;
  }
  return o;
}

/** Bit width of dictionary indexes whose largest value is `max` (0 for a one-value dictionary). */
export function bitWidthOf(max: number): number {
  return max <= 0 ? 0 : 32 - Math.clz32(max);
}

/** RLE_DICTIONARY page values: the bit width byte, then the indexes RLE/bit-packed. */
export function encodeDictionaryIndexes(indexes: Int32Array): Uint8Array {
  let max = 0;
  for (let i = 0; i < indexes.length; i++) if (indexes[i]! > max) max = indexes[i]!;
  const width = bitWidthOf(max);
  const out = rleInto(indexes, width, 1);
  out[0] = width;
  return out;
}

/** PLAIN booleans: bit-packed, least significant bit first. */
export function encodeBooleans(values: Uint8Array): Uint8Array {
  const out = new Uint8Array((values.length + 7) >> 3);
  for (let i = 0; i < values.length; i++) if (values[i]) out[i >> 3]! |= 1 << (i & 7);
  return out;
}

/** A data page v2: header, uncompressed levels, compressed values. */
export function dataPageV2(options: {
  rows: number;
  nulls: number;
  encoding: Encoding;
  levels: Uint8Array | undefined;
  values: Uint8Array;
  compress: Compress | undefined;
}): EncodedPage {
  const { rows, nulls, encoding, levels, values, compress } = options;
  // A copy when uncompressed: `values` may view a buffer that the next page reuses.
  const body = compress ? compress(values) : values.slice();
  const levelBytes = levels?.length ?? 0;
  const header: PageHeader = {
    type: 'DATA_PAGE_V2',
    uncompressed_page_size: levelBytes + values.length,
    compressed_page_size: levelBytes + body.length,
    data_page_header_v2: {
      num_values: rows,
      num_nulls: nulls,
      num_rows: rows,
      encoding,
      definition_levels_byte_length: levelBytes,
      repetition_levels_byte_length: 0,
      is_compressed: compress !== undefined,
    },
  };
  const head = pageHeaderBytes(header);
  const parts = levels && levels.length > 0 ? [head, levels, body] : [head, body];
  return {
    parts,
    uncompressedSize: head.length + levelBytes + values.length,
    compressedSize: head.length + levelBytes + body.length,
  };
}

/** A dictionary page holding `count` PLAIN values. */
export function dictionaryPage(
  count: number,
  values: Uint8Array,
  compress: Compress | undefined,
): EncodedPage {
  const body = compress ? compress(values) : values.slice();
  const head = pageHeaderBytes({
    type: 'DICTIONARY_PAGE',
    uncompressed_page_size: values.length,
    compressed_page_size: body.length,
    dictionary_page_header: { num_values: count, encoding: 'PLAIN' },
  });
  return {
    parts: [head, body],
    uncompressedSize: head.length + values.length,
    compressedSize: head.length + body.length,
  };
}

function pageHeaderBytes(header: PageHeader): Uint8Array {
  const w = new ByteWriter(64);
  keepShape(w);
  writePageHeader(w, header);
  return w.getBytes().slice();
}

const encoder = new TextEncoder();

/**
 * A growable byte buffer for PLAIN BYTE_ARRAY values (4-byte little-endian length, then the
 * UTF-8 bytes). ASCII is copied with a char-code loop: cheaper than a TextEncoder call for the
 * short strings typical of a column value.
 */
export class ByteArrayBuffer {
  bytes: Uint8Array;
  length = 0;

  constructor(capacity = 64 * 1024) {
    keepShape(this);
    this.bytes = new Uint8Array(capacity);
  }

  private grow(need: number): void {
    let size = this.bytes.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.bytes.subarray(0, this.length));
    this.bytes = next;
  }

  /** Appends one string; returns its UTF-8 byte length. */
  appendString(v: string): number {
    const n = v.length;
    const start = this.length;
    if (start + 4 + n * 3 > this.bytes.length) this.grow(start + 4 + n * 3);
    const buf = this.bytes;
    let p = start + 4;
    let i = 0;
    for (; i < n; i++) {
      const c = v.charCodeAt(i);
      if (c >= 0x80) break;
      buf[p++] = c;
    }
    if (i < n) p += encoder.encodeInto(v.slice(i), buf.subarray(p)).written;
    const len = p - start - 4;
    buf[start] = len & 0xff;
    buf[start + 1] = (len >>> 8) & 0xff;
    buf[start + 2] = (len >>> 16) & 0xff;
    buf[start + 3] = len >>> 24;
    this.length = p;
    return len;
  }

  /**
   * Appends `strings[0..count)` when they are all ASCII and returns true; otherwise appends
   * nothing and returns false. One join and one native encode of the whole run, the 4-byte gaps
   * for the lengths included (the separator is four NULs), then the lengths: a char-code loop
   * costs ~40 instructions per character, this ~10.
   */
  appendAscii(strings: string[], count: number): boolean {
    if (count === 0) return true;
    const joined = (count === strings.length ? strings : strings.slice(0, count)).join('\0\0\0\0');
    const start = this.length;
    // All ASCII: exactly one byte per character. Anything else stops short or takes more bytes.
    if (start + 4 + joined.length > this.bytes.length) this.grow(start + 4 + joined.length);
    const buf = this.bytes;
    const { read, written } = encoder.encodeInto(joined, buf.subarray(start + 4, start + 4 + joined.length));
    if (read !== joined.length || written !== read) return false;
    let p = start;
    for (let k = 0; k < count; k++) {
      const len = strings[k]!.length;
      buf[p] = len & 0xff;
      buf[p + 1] = (len >>> 8) & 0xff;
      buf[p + 2] = (len >>> 16) & 0xff;
      buf[p + 3] = len >>> 24;
      p += 4 + len;
    }
    this.length = p;
    return true;
  }

  appendBytes(v: Uint8Array): void {
    const start = this.length;
    if (start + 4 + v.length > this.bytes.length) this.grow(start + 4 + v.length);
    const buf = this.bytes;
    const len = v.length;
    buf[start] = len & 0xff;
    buf[start + 1] = (len >>> 8) & 0xff;
    buf[start + 2] = (len >>> 16) & 0xff;
    buf[start + 3] = len >>> 24;
    buf.set(v, start + 4);
    this.length = start + 4 + len;
  }

  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  /** The string of the value whose length prefix starts at `offset`: a flat copy, not a slice. */
  stringAt(offset: number): string {
    const b = this.bytes;
    const len = b[offset]! | (b[offset + 1]! << 8) | (b[offset + 2]! << 16) | (b[offset + 3]! << 24);
    return decoder.decode(b.subarray(offset + 4, offset + 4 + len));
  }

  reset(): void {
    this.length = 0;
  }
}

const decoder = new TextDecoder();
