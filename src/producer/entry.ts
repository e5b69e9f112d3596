/** What flows through the producer: user records (one per input row/object) and Kinesis entries. */
import { deaggregate } from '../records/kpl.js';
import { recordSize } from './limits.js';

/** One input record, encoded for the wire. */
export interface UserRecord {
  /** 1-based input line the record starts on (for the failed-records file). */
  readonly line: number;
  readonly data: Buffer;
  readonly partitionKey: string;
  readonly explicitHashKey?: string | undefined;
}

/**
 * A user record made from its wire JSON text. Its bytes (`data`) are made on first use: the
 * aggregating path writes `text` straight into the aggregate's buffer instead, which saves a
 * Buffer per record (an allocation, a copy, and garbage) on the producer's hottest path. The
 * default partition key (the record's ordinal) is likewise made into a string only when read.
 */
export class TextRecord implements UserRecord {
  private bytes: Buffer | undefined;
  private key: string | number;

  constructor(
    readonly line: number,
    /** The record's wire JSON. */
    readonly text: string,
    /** The partition key, or the ordinal number that is the default key. */
    key: string | number,
    readonly explicitHashKey: string | undefined,
  ) {
    this.key = key;
  }

  get data(): Buffer {
    return (this.bytes ??= Buffer.from(this.text, 'utf8'));
  }

  get partitionKey(): string {
    const k = this.key;
    if (typeof k === 'string') return k;
    return (this.key = String(k));
  }
}

/** One entry of a PutRecords call: a user record, or a KPL aggregate of several. */
export interface PutEntry {
  readonly data: Uint8Array;
  readonly partitionKey: string;
  readonly explicitHashKey?: string | undefined;
  /** Kinesis size (data + partition key). */
  readonly size: number;
  /** The user records this entry carries (one unless aggregated). */
  readonly records: readonly UserRecord[];
  /** Sends so far that failed. */
  attempts: number;
  /** An aggregate whose user records all carry the entry's partition key (the default keys). */
  readonly sharedKey?: boolean;
  /**
   * Bytes of the user records' data, when known without reading `records` (an aggregate's
   * builder counts them as it writes), so counting a delivered entry does not make their bytes.
   */
  readonly userBytes?: number;
  /** The number of user records, when known without reading `records`. */
  readonly count?: number;
}

/** The number of user records an entry carries. */
export function userCountOf(e: PutEntry): number {
  return e.count ?? e.records.length;
}

/** Bytes of an entry's user records' data. */
export function userBytesOf(e: PutEntry): number {
  if (e.userBytes !== undefined) return e.userBytes;
  let n = 0;
  for (const r of e.records) n += r.data.length;
  return n;
}

/** A user record sent as a Kinesis record of its own (not aggregated). */
export function plainEntry(r: UserRecord): PutEntry {
  return {
    data: r.data,
    partitionKey: r.partitionKey,
    explicitHashKey: r.explicitHashKey,
    size: recordSize(r.data, r.partitionKey),
    records: [r],
    attempts: 0,
  };
}

export interface PutBatch {
  readonly entries: PutEntry[];
  bytes: number;
}

/**
 * A KPL aggregate as a PutRecords entry. It keeps its user records' input lines only: the
 * records themselves (for the failed-records file, or an onSent observer) are decoded from its
 * bytes when first read. Holding a record object per line until the call is answered made them
 * survive young-generation collections, a tenth of the producer's CPU at 200-byte records.
 */
export class AggregateEntry implements PutEntry {
  attempts = 0;
  private decoded: UserRecord[] | undefined;

  constructor(
    readonly data: Buffer,
    readonly partitionKey: string,
    readonly explicitHashKey: string | undefined,
    /** Kinesis size (data + partition key). */
    readonly size: number,
    /** Input line of each user record, in aggregate order. */
    private readonly lines: readonly number[],
    readonly sharedKey: boolean,
    readonly userBytes: number,
  ) {}

  get count(): number {
    return this.lines.length;
  }

  get records(): readonly UserRecord[] {
    if (this.decoded) return this.decoded;
    const subs = deaggregate(this.data);
    if (!subs || subs.length !== this.lines.length) throw new Error('an aggregate entry does not decode');
    const lines = this.lines;
    return (this.decoded = subs.map((u, i) => ({
      line: lines[i] as number,
      data: Buffer.from(u.data.buffer, u.data.byteOffset, u.data.byteLength),
      partitionKey: u.partitionKey,
      explicitHashKey: u.explicitHashKey,
    })));
  }
}
