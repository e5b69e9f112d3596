/**
 * One PutRecords pipeline per stream, shared by every ingest request: the producer's PutBatcher
 * packs records of concurrent requests into calls (up to 500 records / 5 MiB), and its Sender
 * sends them with several calls in flight, entry-level retries and backoff. A partial batch
 * waits up to `lingerMs` (50 ms) for company: the SDK's per-call cost (serialising, signing) is most of the
 * CPU of a small call, so 1,000 requests of 10 records cost 20 calls instead of 1,000. The
 * answer to the request does not wait for this (it is 202 once the body is checked).
 */
import { PutBatcher } from '../../producer/batcher.js';
import type { PutEntry, UserRecord } from '../../producer/entry.js';
import type { KinesisApi, PutResultEntry } from '../../producer/kinesis.js';
import { recordSize } from '../../producer/limits.js';
import { Sender } from '../../producer/sender.js';

/** A record and whoever waits for its outcome. */
export interface TrackedRecord<T> extends UserRecord {
  readonly owner: T;
}

export interface StreamSenderOptions<T> {
  readonly api: KinesisApi;
  readonly stream: string;
  /** PutRecords calls in flight (default 8). */
  readonly concurrency?: number;
  /** Retries per entry (default 8, as `floe produce`). */
  readonly maxRetries?: number;
  readonly backoffBaseMs?: number;
  readonly backoffMaxMs?: number;
  /** How long a partial batch waits for more records (default 50 ms; 0: the next event-loop turn). */
  readonly lingerMs?: number;
  readonly onSent: (record: TrackedRecord<T>, result: PutResultEntry) => void;
  readonly onFailed: (record: TrackedRecord<T>, code: string, message: string) => void;
}

export class StreamSender<T> {
  private sender: Sender;
  private readonly batcher = new PutBatcher();
  private timer: NodeJS.Timeout | NodeJS.Immediate | undefined;

  constructor(private readonly o: StreamSenderOptions<T>) {
    this.sender = this.newSender();
  }

  private newSender(): Sender {
    const concurrency = this.o.concurrency ?? 8;
    return new Sender({
      api: this.o.api,
      stream: this.o.stream,
      concurrency,
      lanes: [concurrency],
      maxRetries: this.o.maxRetries ?? 8,
      ...(this.o.backoffBaseMs !== undefined ? { backoffBaseMs: this.o.backoffBaseMs } : {}),
      ...(this.o.backoffMaxMs !== undefined ? { backoffMaxMs: this.o.backoffMaxMs } : {}),
      onSent: (entry, result) => this.o.onSent(entry.records[0] as TrackedRecord<T>, result),
      onFailed: (entry: PutEntry, code, message) => {
        for (const r of entry.records) this.o.onFailed(r as TrackedRecord<T>, code, message);
      },
    });
  }

  /** Bytes waiting to be sent or in flight (ingest refuses new work above its limit). */
  get bufferedBytes(): number {
    return this.sender.bufferedBytes + this.batcher.pendingBytes;
  }

  add(records: readonly TrackedRecord<T>[]): void {
    // A fatal error (stream missing, credentials) stops a Sender for good; a later request gets
    // a fresh one, so a stream created afterwards, or renewed credentials, are picked up.
    if (this.sender.fatal && this.sender.idle) this.sender = this.newSender();
    for (const r of records) {
      const entry: PutEntry = {
        data: r.data,
        partitionKey: r.partitionKey,
        size: recordSize(r.data, r.partitionKey),
        records: [r],
        attempts: 0,
      };
      for (const b of this.batcher.add(entry)) this.sender.submit(0, b);
    }
    if (this.timer === undefined && this.batcher.pendingCount > 0) {
      const linger = this.o.lingerMs ?? 50;
      this.timer = linger > 0 ? setTimeout(() => this.flush(), linger) : setImmediate(() => this.flush());
    }
  }

  private flush(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer as NodeJS.Timeout);
      clearImmediate(this.timer as NodeJS.Immediate);
      this.timer = undefined;
    }
    const b = this.batcher.flush();
    if (b) this.sender.submit(0, b);
  }

  /** Sends what is pending and waits for every call (shutdown). */
  async drain(): Promise<void> {
    this.flush();
    await this.sender.drain();
  }

  /** Stops retrying and gives back whatever is not acknowledged (shutdown after a timeout). */
  giveBack(): void {
    this.sender.giveBack('Interrupted', 'the server stopped before Kinesis acknowledged this record');
  }
}
