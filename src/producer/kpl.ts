/**
 * The KPL aggregation format, written by hand (it is three tiny protobuf messages):
 *
 *   magic F3 89 9A C2 | AggregatedRecord (protobuf) | MD5 of the protobuf bytes
 *
 *   message AggregatedRecord {
 *     repeated string partition_key_table = 1;
 *     repeated string explicit_hash_key_table = 2;
 *     repeated Record records = 3;
 *   }
 *   message Record {
 *     required uint64 partition_key_index = 1;
 *     optional uint64 explicit_hash_key_index = 2;
 *     required bytes data = 3;
 *   }
 *
 * `AggregateBuilder` keeps the exact encoded size as records are added, so a caller can pack
 * records up to the 1 MiB Kinesis record limit without encoding twice.
 */
import { createHash } from 'node:crypto';

export const KPL_MAGIC = Buffer.from([0xf3, 0x89, 0x9a, 0xc2]);
const MD5_BYTES = 16;
/** Magic plus checksum: what an aggregate costs on top of its protobuf body. */
export const KPL_OVERHEAD = KPL_MAGIC.length + MD5_BYTES;

export interface AggregateInput {
  readonly partitionKey: string;
  readonly explicitHashKey?: string | undefined;
  readonly data: Uint8Array;
  /**
   * The data as text, when the record has it (TextRecord): it is then written into the
   * aggregate as UTF-8 directly and `data` is not read.
   */
  readonly text?: string | undefined;
}

function varintSize(n: number): number {
  let size = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 128);
    size++;
  }
  return size;
}

/** Size of a length-delimited field (tag byte + length varint + body). */
function fieldSize(bodyLength: number): number {
  return 1 + varintSize(bodyLength) + bodyLength;
}

function recordBodySize(pkIndex: number, ehkIndex: number | undefined, dataLength: number): number {
  return (
    1 + varintSize(pkIndex) + (ehkIndex === undefined ? 0 : 1 + varintSize(ehkIndex)) + fieldSize(dataLength)
  );
}

function writeVarint(buf: Buffer, pos: number, n: number): number {
  while (n >= 0x80) {
    buf[pos++] = (n % 128) | 0x80;
    n = Math.floor(n / 128);
  }
  buf[pos++] = n;
  return pos;
}

/** A length-delimited protobuf field (tag, length, bytes) at `pos`; returns the position after it. */
function writeBytesField(buf: Buffer, pos: number, tag: number, bytes: Uint8Array): number {
  buf[pos++] = tag;
  pos = writeVarint(buf, pos, bytes.length);
  buf.set(bytes, pos);
  return pos + bytes.length;
}

/** Writes the MD5 of buf[magic, end) at `end` (the KPL trailer); returns the aggregate's length. */
function appendMd5(buf: Buffer, end: number): number {
  createHash('md5').update(buf.subarray(KPL_MAGIC.length, end)).digest().copy(buf, end);
  return end + MD5_BYTES;
}

export interface AggregateOptions {
  /**
   * Every user record gets this partition key (one table entry) instead of its own. For the
   * default keys, which mean nothing: the sub-records then hash to the shard the aggregate
   * lands on, so de-aggregators that drop sub-records outside their shard's range (the KCL)
   * keep them all, and no per-record key is hashed, stored or looked up.
   */
  sharedKey?: string | undefined;
  /**
   * Bytes to allocate for the aggregate at the first record (default 64 KiB, then doubling).
   * A caller that fills aggregates to a known size passes it, so no aggregate is copied as it
   * grows; lanes that may stay small keep the default.
   */
  capacity?: number | undefined;
}

/**
 * Records are encoded into a growing buffer as they are added (no per-record objects); `encode`
 * prepends the key tables and appends the MD5.
 */
export class AggregateBuilder {
  private readonly pkIndex = new Map<string, number>();
  private readonly ehkIndex = new Map<string, number>();
  private readonly pkTable: Buffer[] = [];
  private readonly ehkTable: Buffer[] = [];
  private readonly sharedKey: string | undefined;
  private recs: Buffer = Buffer.allocUnsafe(0);
  private recsLength = 0;
  /**
   * With a shared key the key table is known before the first record, so `recs` starts with the
   * magic and the table (this many bytes) and `encode` only appends the MD5: no second 1 MiB
   * buffer and copy per aggregate. 0: records only; `encode` assembles the aggregate.
   */
  private readonly prefix: number = 0;
  /** `encode` handed out `recs` itself: a later add must not write into it. */
  private sealed = false;
  private n = 0;
  /** Size of the protobuf body so far. */
  private bodySize = 0;
  private dataBytes = 0;
  private readonly capacity: number;

  constructor(options: AggregateOptions = {}) {
    this.sharedKey = options.sharedKey;
    this.capacity = Math.max(64, options.capacity ?? 64 * 1024);
    if (this.sharedKey !== undefined) {
      this.keyIndex(this.sharedKey);
      const key = this.pkTable[0] as Buffer;
      this.prefix = KPL_MAGIC.length + fieldSize(key.length);
      this.recsLength = this.prefix;
    }
  }

  get count(): number {
    return this.n;
  }

  /** Bytes of the user records' data (without keys and framing). */
  get userBytes(): number {
    return this.dataBytes;
  }

  /** The whole aggregate's size in bytes (magic + protobuf + MD5). */
  get size(): number {
    return KPL_OVERHEAD + this.bodySize;
  }

  /** The aggregate's size if `r` were added. */
  sizeWith(r: AggregateInput): number {
    return KPL_OVERHEAD + this.bodySize + this.growth(r, r.data.length);
  }

  private pkOf(r: AggregateInput): string {
    return this.sharedKey ?? r.partitionKey;
  }

  private growth(r: AggregateInput, dataLength: number): number {
    let grow = 0;
    const key = this.pkOf(r);
    let pk = this.pkIndex.get(key);
    if (pk === undefined) {
      pk = this.pkTable.length;
      grow += fieldSize(Buffer.byteLength(key, 'utf8'));
    }
    let ehk: number | undefined;
    if (r.explicitHashKey !== undefined) {
      ehk = this.ehkIndex.get(r.explicitHashKey);
      if (ehk === undefined) {
        ehk = this.ehkTable.length;
        grow += fieldSize(Buffer.byteLength(r.explicitHashKey, 'utf8'));
      }
    }
    return grow + fieldSize(recordBodySize(pk, ehk, dataLength));
  }

  private keyIndex(key: string): number {
    return this.tableIndex(this.pkTable, this.pkIndex, key);
  }

  /** The index of `key` in a key table (partition keys or explicit hash keys), added when new. */
  private tableIndex(table: Buffer[], index: Map<string, number>, key: string): number {
    let i = index.get(key);
    if (i === undefined) {
      i = table.length;
      const b = Buffer.from(key, 'utf8');
      table.push(b);
      index.set(key, i);
      this.bodySize += fieldSize(b.length);
    }
    return i;
  }

  add(r: AggregateInput): void {
    this.tryAdd(r, Infinity);
  }

  /**
   * Adds `r` if the aggregate then stays within `maxSize` bytes (the whole aggregate), in one
   * pass; returns whether it did.
   */
  tryAdd(r: AggregateInput, maxSize: number): boolean {
    const text = r.text;
    if (text !== undefined && this.sharedKey !== undefined && r.explicitHashKey === undefined) {
      const done = this.tryAddText(text, maxSize);
      if (done !== undefined) return done;
    }
    const dataLength = text !== undefined ? Buffer.byteLength(text, 'utf8') : r.data.length;
    const key = this.pkOf(r);
    let pk = this.sharedKey !== undefined ? 0 : this.pkIndex.get(key);
    let ehk: number | undefined;
    if (pk === undefined || r.explicitHashKey !== undefined) {
      // Rare paths (a new key or hash key): the general size computation.
      if (KPL_OVERHEAD + this.bodySize + this.growth(r, dataLength) > maxSize) return false;
      pk = this.keyIndex(key);
      if (r.explicitHashKey !== undefined)
        ehk = this.tableIndex(this.ehkTable, this.ehkIndex, r.explicitHashKey);
    }
    const body = recordBodySize(pk, ehk, dataLength);
    const field = fieldSize(body);
    if (KPL_OVERHEAD + this.bodySize + field > maxSize) return false;
    this.reserve(field);
    const buf = this.recs;
    let pos = this.recsLength;
    buf[pos++] = 0x1a;
    pos = writeVarint(buf, pos, body);
    buf[pos++] = 0x08;
    pos = writeVarint(buf, pos, pk);
    if (ehk !== undefined) {
      buf[pos++] = 0x10;
      pos = writeVarint(buf, pos, ehk);
    }
    if (text !== undefined) {
      buf[pos++] = 0x1a;
      pos = writeVarint(buf, pos, dataLength);
      this.recsLength = pos + buf.write(text, pos, 'utf8');
    } else this.recsLength = writeBytesField(buf, pos, 0x1a, r.data);
    this.bodySize += field;
    this.dataBytes += dataLength;
    this.n++;
    return true;
  }

  /**
   * The shared-key fast path for text: the UTF-8 length is between text.length and 3× that, and
   * when both ends need the same varint sizes the framing is known before the text is written,
   * so the text is encoded once, in place, without measuring it first. Returns undefined when
   * the general path must decide (varint sizes differ, or the worst case does not fit the buffer).
   */
  private tryAddText(text: string, maxSize: number): boolean | undefined {
    const min = text.length;
    const max = min * 3;
    const lenSize = varintSize(min);
    if (varintSize(max) !== lenSize) return undefined;
    // Record body: pk index 0 (2 bytes), data field (tag + length + data).
    const bodyMin = 3 + lenSize + min;
    const bodySize = varintSize(bodyMin);
    if (varintSize(bodyMin + max - min) !== bodySize) return undefined;
    const framing = 1 + bodySize + 3 + lenSize;
    const base = KPL_OVERHEAD + this.bodySize + framing;
    if (base + min > maxSize) return false;
    let start = this.recsLength;
    if (this.sealed || start + framing + max + MD5_BYTES > this.recs.length) {
      // Near the end of the buffer the worst case may not be needed: measure, grow only if so.
      if (this.recs.length > 0 && !this.sealed) return undefined;
      this.reserve(framing + max);
      start = this.recsLength;
    }
    const buf = this.recs;
    const n = buf.write(text, start + framing, 'utf8');
    if (base + n > maxSize) return false;
    let pos = start;
    buf[pos++] = 0x1a;
    pos = writeVarint(buf, pos, 3 + lenSize + n);
    buf[pos++] = 0x08;
    buf[pos++] = 0;
    buf[pos++] = 0x1a;
    writeVarint(buf, pos, n);
    this.recsLength = start + framing + n;
    this.bodySize += framing + n;
    this.dataBytes += n;
    this.n++;
    return true;
  }

  /** Grows the record buffer geometrically: a lane's aggregate costs what it holds, not 1 MiB. */
  private reserve(more: number): void {
    // Room for the MD5 too, so a full aggregate is encoded in place.
    const need = this.recsLength + more + MD5_BYTES;
    if (need <= this.recs.length && !this.sealed) return;
    const next = Buffer.allocUnsafe(Math.max(need, this.recs.length * 2, this.capacity));
    if (this.recs.length === 0 && this.prefix > 0) this.writePrefix(next);
    else this.recs.copy(next, 0, 0, this.recsLength);
    this.recs = next;
    this.sealed = false;
  }

  private writePrefix(buf: Buffer): void {
    KPL_MAGIC.copy(buf, 0);
    writeBytesField(buf, KPL_MAGIC.length, 0x0a, this.pkTable[0] as Buffer);
  }

  /** The aggregate's bytes: magic, protobuf, MD5 of the protobuf. */
  encode(): Buffer {
    if (this.prefix > 0 && this.ehkTable.length === 0) {
      this.reserve(0);
      const length = appendMd5(this.recs, this.recsLength);
      if (length !== this.size) throw new Error('KPL size accounting is off');
      this.sealed = true;
      return this.recs.subarray(0, length);
    }
    const out = Buffer.allocUnsafe(this.size);
    KPL_MAGIC.copy(out, 0);
    let pos = KPL_MAGIC.length;
    for (const k of this.pkTable) pos = writeBytesField(out, pos, 0x0a, k);
    for (const k of this.ehkTable) pos = writeBytesField(out, pos, 0x12, k);
    this.recs.copy(out, pos, this.prefix, this.recsLength);
    if (appendMd5(out, pos + this.recsLength - this.prefix) !== out.length)
      throw new Error('KPL size accounting is off');
    return out;
  }
}

/** Encodes records as one aggregate (tests, and callers that already know they fit). */
export function encodeAggregate(records: readonly AggregateInput[], options: AggregateOptions = {}): Buffer {
  const b = new AggregateBuilder(options);
  for (const r of records) b.add(r);
  return b.encode();
}
