/**
 * Avro binary encoding primitives. Longs are bigint end-to-end: Iceberg snapshot ids are random
 * 63-bit values, and a JS number silently rounds anything beyond 2^53.
 *
 * Fast paths keep small longs (the vast majority: counts, sizes, field ids) in number arithmetic
 * and only fall back to bigint for values that need more than 52 bits.
 */
import { FloeError } from '../../errors.js';

const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
/** |v| below this is exact through zigzag in double arithmetic (2|v|+1 < 2^53). */
const SAFE_ZIGZAG = 2 ** 51;

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');

/** A growable output buffer. */
export class AvroWriter {
  private buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(initialSize = 1024) {
    this.buf = new Uint8Array(initialSize);
    this.view = new DataView(this.buf.buffer);
  }

  private ensure(extra: number): void {
    const need = this.pos + extra;
    if (need <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < need) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  /** The bytes written so far (a view; copy it if the writer will be reused). */
  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }

  reset(): void {
    this.pos = 0;
  }

  writeByte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  writeBoolean(v: boolean): void {
    this.writeByte(v ? 1 : 0);
  }

  writeInt(v: number): void {
    if (!Number.isInteger(v) || v < -2147483648 || v > 2147483647) {
      throw new FloeError('internal', `avro: ${v} is not a 32-bit int`);
    }
    this.ensure(5);
    let z = ((v << 1) ^ (v >> 31)) >>> 0;
    while (z > 0x7f) {
      this.buf[this.pos++] = (z & 0x7f) | 0x80;
      z >>>= 7;
    }
    this.buf[this.pos++] = z;
  }

  writeLong(v: bigint | number): void {
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) throw new FloeError('internal', `avro: ${v} is not an integer long`);
      if (Math.abs(v) >= SAFE_ZIGZAG) {
        if (!Number.isSafeInteger(v))
          throw new FloeError('internal', `avro: long ${v} is not exact as a number; pass a bigint`);
        this.writeBigLong(BigInt(v));
        return;
      }
      this.writeSmallLong(v);
      return;
    }
    if (v > -BigInt(SAFE_ZIGZAG) && v < BigInt(SAFE_ZIGZAG)) {
      this.writeSmallLong(Number(v));
      return;
    }
    this.writeBigLong(v);
  }

  private writeSmallLong(v: number): void {
    this.ensure(8);
    let z = v >= 0 ? v * 2 : -v * 2 - 1;
    while (z > 0x7f) {
      this.buf[this.pos++] = (z % 128) | 0x80;
      z = Math.floor(z / 128);
    }
    this.buf[this.pos++] = z;
  }

  private writeBigLong(v: bigint): void {
    if (v < INT64_MIN || v > INT64_MAX)
      throw new FloeError('internal', `avro: ${v} is outside the int64 range`);
    this.ensure(10);
    let z = BigInt.asUintN(64, (v << 1n) ^ (v >> 63n));
    while (z > 0x7fn) {
      this.buf[this.pos++] = Number(z & 0x7fn) | 0x80;
      z >>= 7n;
    }
    this.buf[this.pos++] = Number(z);
  }

  writeFloat(v: number): void {
    this.ensure(4);
    this.view.setFloat32(this.pos, v, true);
    this.pos += 4;
  }

  writeDouble(v: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, v, true);
    this.pos += 8;
  }

  writeFixed(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  writeBytes(bytes: Uint8Array): void {
    this.writeLong(bytes.length);
    this.writeFixed(bytes);
  }

  writeString(s: string): void {
    // Worst case 3 bytes per UTF-16 unit; encodeInto avoids an intermediate buffer.
    const max = s.length * 3;
    this.ensure(max + 10);
    const lenPos = this.pos;
    if (max < 64) {
      // Length fits one varint byte: encode straight after it.
      const { written } = utf8Encoder.encodeInto(s, this.buf.subarray(lenPos + 1));
      this.buf[lenPos] = written * 2;
      this.pos = lenPos + 1 + written;
      return;
    }
    const encoded = utf8Encoder.encode(s);
    this.writeBytes(encoded);
  }
}

function corrupt(message: string): never {
  throw new FloeError('invalid-metadata', `avro: ${message}`);
}

/** A cursor over Avro binary data. Every read is bounds-checked: files come from other tools. */
export class AvroReader {
  readonly buf: Uint8Array;
  private readonly view: DataView;
  pos: number;
  readonly end: number;

  constructor(buf: Uint8Array, pos = 0, end = buf.length) {
    // A Node Buffer's slice() is a view, not a copy: work on a plain Uint8Array over the same memory.
    this.buf = Buffer.isBuffer(buf) ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.pos = pos;
    this.end = end;
  }

  get remaining(): number {
    return this.end - this.pos;
  }

  private need(n: number): void {
    if (this.pos + n > this.end) corrupt(`unexpected end of data at byte ${this.pos} (need ${n} more)`);
  }

  readByte(): number {
    this.need(1);
    return this.buf[this.pos++]!;
  }

  readBoolean(): boolean {
    const b = this.readByte();
    if (b > 1) corrupt(`bad boolean byte ${b}`);
    return b === 1;
  }

  readInt(): number {
    let z = 0;
    let shift = 0;
    for (;;) {
      const b = this.readByte();
      z |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7;
      if (shift > 28) corrupt('int varint longer than 5 bytes');
    }
    return (z >>> 1) ^ -(z & 1);
  }

  readLong(): bigint {
    // Up to 7 bytes (49 bits) the zigzag value is exact in double arithmetic.
    let z = 0;
    let mul = 1;
    for (let i = 0; i < 7; i++) {
      const b = this.readByte();
      z += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) return BigInt(z % 2 === 0 ? z / 2 : -(z + 1) / 2);
      mul *= 128;
    }
    let big = BigInt(z);
    let shift = 49n;
    for (;;) {
      const b = this.readByte();
      big |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) break;
      shift += 7n;
      if (shift > 63n) corrupt('long varint longer than 10 bytes');
    }
    big = BigInt.asUintN(64, big);
    return BigInt.asIntN(64, (big >> 1n) ^ -(big & 1n));
  }

  /** A long used as a length or count: must fit a JS number. */
  readLength(): number {
    const n = this.readLong();
    if (n < 0n || n > BigInt(this.end)) corrupt(`bad length ${n}`);
    return Number(n);
  }

  /** A block count (may be negative: then a byte size follows, which we skip over). */
  readBlockCount(): number {
    let n = this.readLong();
    if (n < 0n) {
      this.readLong();
      n = -n;
    }
    if (n > BigInt(this.end)) corrupt(`bad block count ${n}`);
    return Number(n);
  }

  readFloat(): number {
    this.need(4);
    const v = this.view.getFloat32(this.pos, true);
    this.pos += 4;
    return v;
  }

  readDouble(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  readFixed(size: number): Uint8Array {
    this.need(size);
    // Copy: callers keep values after the (possibly decompressed, reused) block is gone.
    const out = this.buf.slice(this.pos, this.pos + size);
    this.pos += size;
    return out;
  }

  readBytes(): Uint8Array {
    return this.readFixed(this.readLength());
  }

  readString(): string {
    const len = this.readLength();
    this.need(len);
    const s = utf8Decoder.decode(this.buf.subarray(this.pos, this.pos + len));
    this.pos += len;
    return s;
  }
}
