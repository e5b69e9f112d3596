/** What flows through the producer: user records (one per input row/object) and Kinesis entries. */
import { recordSize } from './limits.js';

/** One input record, encoded for the wire. */
export interface UserRecord {
  /** 1-based input line the record starts on (for the failed-records file). */
  readonly line: number;
  readonly data: Buffer;
  readonly partitionKey: string;
  readonly explicitHashKey?: string | undefined;
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
