/**
 * MurmurHash3, x86 32-bit variant, seed 0: the hash the Iceberg spec (appendix B) prescribes for
 * bucket partitioning. Written from the algorithm's public description; Math.imul keeps the
 * multiplications in 32-bit two's complement like the reference C code.
 */

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;

function mixK1(k1: number): number {
  k1 = Math.imul(k1, C1);
  k1 = (k1 << 15) | (k1 >>> 17);
  return Math.imul(k1, C2);
}

function mixH1(h1: number, k1: number): number {
  h1 ^= k1;
  h1 = (h1 << 13) | (h1 >>> 19);
  return (Math.imul(h1, 5) + 0xe6546b64) | 0;
}

function fmix(h1: number, length: number): number {
  h1 ^= length;
  h1 ^= h1 >>> 16;
  h1 = Math.imul(h1, 0x85ebca6b);
  h1 ^= h1 >>> 13;
  h1 = Math.imul(h1, 0xc2b2ae35);
  h1 ^= h1 >>> 16;
  return h1 | 0;
}

/** Signed 32-bit hash of a byte string. */
export function murmur3Bytes(bytes: Uint8Array, seed = 0): number {
  let h1 = seed | 0;
  const n = bytes.length;
  const blocks = n & ~3;
  for (let i = 0; i < blocks; i += 4) {
    const k1 = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    h1 = mixH1(h1, mixK1(k1));
  }
  // Tail: the remaining 1-3 bytes, little-endian.
  const tail = n & 3;
  if (tail > 0) {
    let k1 = bytes[blocks]!;
    if (tail > 1) k1 |= bytes[blocks + 1]! << 8;
    if (tail > 2) k1 |= bytes[blocks + 2]! << 16;
    h1 ^= mixK1(k1);
  }
  return fmix(h1, n);
}

/**
 * Hash of a 64-bit integer as its 8 little-endian bytes, without allocating: the hot path for
 * int, long, date, time and timestamp buckets. `lo`/`hi` are the low and high 32-bit words.
 */
export function murmur3Long64(lo: number, hi: number, seed = 0): number {
  let h1 = seed | 0;
  h1 = mixH1(h1, mixK1(lo | 0));
  h1 = mixH1(h1, mixK1(hi | 0));
  return fmix(h1, 8);
}

const TWO_32 = 2 ** 32;

/** Hash of a long given as a safe JS integer (int and date values). */
export function murmur3SafeInteger(v: number): number {
  const lo = v | 0; // low word, as signed 32-bit
  const hi = Math.floor(v / TWO_32) | 0; // floor keeps two's complement for negatives
  return murmur3Long64(lo, hi);
}

/** Hash of a long given as a bigint (wrapped to 64 bits). */
export function murmur3BigInt(v: bigint): number {
  const u = BigInt.asUintN(64, v);
  return murmur3Long64(Number(u & 0xffffffffn), Number(u >> 32n));
}
