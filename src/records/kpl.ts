/**
 * KPL de-aggregation (docs/wire-format.md, "--aggregate"): a Kinesis record whose data starts with
 * the magic bytes F3 89 9A C2 holds an AggregatedRecord protobuf followed by the MD5 of that
 * protobuf. Decoded by hand: the format is three tiny messages and the reader must stay strict
 * about lengths, since a corrupt aggregate must never yield garbage user records.
 *
 * As in the KCL, data that starts with the magic but fails the checksum or does not parse is NOT
 * an aggregate: it is one plain record (the consumer then rejects it as a bad payload and it lands
 * in the dead letters with its position, rather than being silently dropped).
 */
import { createHash } from 'node:crypto';

const MAGIC = [0xf3, 0x89, 0x9a, 0xc2] as const;
const MD5_BYTES = 16;

export interface UserRecord {
  readonly partitionKey: string;
  readonly explicitHashKey?: string;
  readonly data: Uint8Array;
}

export function hasKplMagic(data: Uint8Array): boolean {
  return (
    data.length >= MAGIC.length + MD5_BYTES &&
    data[0] === MAGIC[0] &&
    data[1] === MAGIC[1] &&
    data[2] === MAGIC[2] &&
    data[3] === MAGIC[3]
  );
}

class Reader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }
  varint(): number {
    let result = 0;
    let mul = 1;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= this.end) throw new Error('truncated varint');
      const b = this.buf[this.pos++] as number;
      result += (b & 0x7f) * mul;
      if ((b & 0x80) === 0) {
        if (!Number.isSafeInteger(result)) throw new Error('varint too large');
        return result;
      }
      mul *= 128;
    }
    throw new Error('varint too long');
  }
  bytes(): Uint8Array {
    const len = this.varint();
    if (this.pos + len > this.end) throw new Error('truncated field');
    const out = this.buf.subarray(this.pos, this.pos + len);
    this.pos += len;
    return out;
  }
  /** Skips a field of an unknown tag (forward compatibility, as protobuf readers do). */
  skip(wireType: number): void {
    if (wireType === 0) this.varint();
    else if (wireType === 2) this.bytes();
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 5) this.pos += 4;
    else throw new Error(`unsupported wire type ${wireType}`);
    if (this.pos > this.end) throw new Error('truncated field');
  }
}

const utf8 = new TextDecoder('utf-8');

function parseAggregate(buf: Uint8Array, start: number, end: number): UserRecord[] {
  const r = new Reader(buf, start, end);
  const pks: string[] = [];
  const ehks: string[] = [];
  const raw: { pk: number; ehk: number | undefined; data: Uint8Array }[] = [];
  while (r.pos < end) {
    const tag = r.varint();
    const field = Math.floor(tag / 8);
    const wire = tag & 7;
    if (field === 1 && wire === 2) pks.push(utf8.decode(r.bytes()));
    else if (field === 2 && wire === 2) ehks.push(utf8.decode(r.bytes()));
    else if (field === 3 && wire === 2) {
      const body = r.bytes();
      const rr = new Reader(body, 0, body.length);
      let pk: number | undefined;
      let ehk: number | undefined;
      let data: Uint8Array | undefined;
      while (rr.pos < body.length) {
        const t = rr.varint();
        const f = Math.floor(t / 8);
        const w = t & 7;
        if (f === 1 && w === 0) pk = rr.varint();
        else if (f === 2 && w === 0) ehk = rr.varint();
        else if (f === 3 && w === 2) data = rr.bytes();
        else rr.skip(w);
      }
      if (pk === undefined || data === undefined) throw new Error('record without partition key or data');
      raw.push({ pk, ehk, data });
    } else r.skip(wire);
  }
  return raw.map((x) => {
    const partitionKey = pks[x.pk];
    if (partitionKey === undefined) throw new Error('partition key index out of range');
    if (x.ehk === undefined) return { partitionKey, data: x.data };
    const explicitHashKey = ehks[x.ehk];
    if (explicitHashKey === undefined) throw new Error('explicit hash key index out of range');
    return { partitionKey, explicitHashKey, data: x.data };
  });
}

/**
 * The user records of one Kinesis record: the sub-records of a valid aggregate (index i is the
 * sub-sequence number), or undefined when the data is a plain record.
 */
export function deaggregate(data: Uint8Array): UserRecord[] | undefined {
  if (!hasKplMagic(data)) return undefined;
  const bodyEnd = data.length - MD5_BYTES;
  const digest = createHash('md5').update(data.subarray(MAGIC.length, bodyEnd)).digest();
  for (let i = 0; i < MD5_BYTES; i++) if (digest[i] !== data[bodyEnd + i]) return undefined;
  try {
    return parseAggregate(data, MAGIC.length, bodyEnd);
  } catch {
    return undefined;
  }
}
