/**
 * Packs entries, in order, into PutRecords calls within the service limits (at most 500 records
 * and 5 MiB a call). Pure and synchronous: the sender decides when a partial batch goes out.
 */
import type { PutBatch, PutEntry } from './entry.js';
import { MAX_BYTES_PER_CALL, MAX_RECORDS_PER_CALL } from './limits.js';

export interface BatchLimits {
  maxRecords: number;
  maxBytes: number;
}

export const KINESIS_BATCH_LIMITS: BatchLimits = {
  maxRecords: MAX_RECORDS_PER_CALL,
  maxBytes: MAX_BYTES_PER_CALL,
};

export class PutBatcher {
  private current: PutBatch = { entries: [], bytes: 0 };
  /** When the oldest entry of the current batch arrived (ms), for lingering. */
  firstAt = 0;

  constructor(private readonly limits: BatchLimits = KINESIS_BATCH_LIMITS) {}

  get pendingBytes(): number {
    return this.current.bytes;
  }

  get pendingCount(): number {
    return this.current.entries.length;
  }

  /** Adds an entry; returns the batches it completed (zero, one, or two when maxRecords is 1). */
  add(entry: PutEntry, now = 0): PutBatch[] {
    if (entry.size > this.limits.maxBytes) {
      throw new Error(`entry of ${entry.size} bytes exceeds the batch limit ${this.limits.maxBytes}`);
    }
    const done: PutBatch[] = [];
    if (this.current.entries.length > 0 && this.current.bytes + entry.size > this.limits.maxBytes) {
      done.push(this.take());
    }
    if (this.current.entries.length === 0) this.firstAt = now;
    this.current.entries.push(entry);
    this.current.bytes += entry.size;
    if (this.current.entries.length >= this.limits.maxRecords) done.push(this.take());
    return done;
  }

  /** The partial batch, if any. */
  flush(): PutBatch | undefined {
    return this.current.entries.length === 0 ? undefined : this.take();
  }

  private take(): PutBatch {
    const b = this.current;
    this.current = { entries: [], bytes: 0 };
    return b;
  }
}
