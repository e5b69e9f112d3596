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

class Writer {
  pos = 0;
  constructor(readonly buf: Buffer) {}
  varint(n: number): void {
    while (n >= 0x80) {
      this.buf[this.pos++] = (n % 128) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }
  bytes(tag: number, b: Uint8Array): void {
    this.buf[this.pos++] = tag;
    this.varint(b.length);
    this.buf.set(b, this.pos);
    this.pos += b.length;
  }
}

interface Entry {
  pk: number;
  ehk: number | undefined;
  data: Uint8Array;
  bodySize: number;
}

export class AggregateBuilder {
  private readonly pkIndex = new Map<string, number>();
  private readonly ehkIndex = new Map<string, number>();
  private readonly pkTable: Buffer[] = [];
  private readonly ehkTable: Buffer[] = [];
  private readonly entries: Entry[] = [];
  /** Size of the protobuf body so far. */
  private bodySize = 0;

  get count(): number {
    return this.entries.length;
  }

  /** The whole aggregate's size in bytes (magic + protobuf + MD5). */
  get size(): number {
    return KPL_OVERHEAD + this.bodySize;
  }

  /** The aggregate's size if `r` were added. */
  sizeWith(r: AggregateInput): number {
    return KPL_OVERHEAD + this.bodySize + this.growth(r);
  }

  private growth(r: AggregateInput): number {
    let grow = 0;
    let pk = this.pkIndex.get(r.partitionKey);
    if (pk === undefined) {
      pk = this.pkTable.length;
      grow += fieldSize(Buffer.byteLength(r.partitionKey, 'utf8'));
    }
    let ehk: number | undefined;
    if (r.explicitHashKey !== undefined) {
      ehk = this.ehkIndex.get(r.explicitHashKey);
      if (ehk === undefined) {
        ehk = this.ehkTable.length;
        grow += fieldSize(Buffer.byteLength(r.explicitHashKey, 'utf8'));
      }
    }
    return grow + fieldSize(recordBodySize(pk, ehk, r.data.length));
  }

  add(r: AggregateInput): void {
    let pk = this.pkIndex.get(r.partitionKey);
    if (pk === undefined) {
      pk = this.pkTable.length;
      const b = Buffer.from(r.partitionKey, 'utf8');
      this.pkTable.push(b);
      this.pkIndex.set(r.partitionKey, pk);
      this.bodySize += fieldSize(b.length);
    }
    let ehk: number | undefined;
    if (r.explicitHashKey !== undefined) {
      ehk = this.ehkIndex.get(r.explicitHashKey);
      if (ehk === undefined) {
        ehk = this.ehkTable.length;
        const b = Buffer.from(r.explicitHashKey, 'utf8');
        this.ehkTable.push(b);
        this.ehkIndex.set(r.explicitHashKey, ehk);
        this.bodySize += fieldSize(b.length);
      }
    }
    const bodySize = recordBodySize(pk, ehk, r.data.length);
    this.entries.push({ pk, ehk, data: r.data, bodySize });
    this.bodySize += fieldSize(bodySize);
  }

  /** The aggregate's bytes: magic, protobuf, MD5 of the protobuf. */
  encode(): Buffer {
    const out = Buffer.allocUnsafe(this.size);
    KPL_MAGIC.copy(out, 0);
    const w = new Writer(out);
    w.pos = KPL_MAGIC.length;
    for (const k of this.pkTable) w.bytes(0x0a, k);
    for (const k of this.ehkTable) w.bytes(0x12, k);
    for (const e of this.entries) {
      out[w.pos++] = 0x1a;
      w.varint(e.bodySize);
      out[w.pos++] = 0x08;
      w.varint(e.pk);
      if (e.ehk !== undefined) {
        out[w.pos++] = 0x10;
        w.varint(e.ehk);
      }
      w.bytes(0x1a, e.data);
    }
    const bodyEnd = w.pos;
    createHash('md5').update(out.subarray(KPL_MAGIC.length, bodyEnd)).digest().copy(out, bodyEnd);
    if (bodyEnd + MD5_BYTES !== out.length) throw new Error('KPL size accounting is off');
    return out;
  }
}

/** Encodes records as one aggregate (tests, and callers that already know they fit). */
export function encodeAggregate(records: readonly AggregateInput[]): Buffer {
  const b = new AggregateBuilder();
  for (const r of records) b.add(r);
  return b.encode();
}
