/**
 * Sends PutRecords batches: several calls in flight, per-lane order, entry-level retries with
 * exponential backoff and jitter, and an account of every record (sent, or handed to `onFailed`
 * with its error code). Nothing leaves the sender without being counted.
 *
 * Lanes: a lane with `maxInFlight` 1 sends its batches strictly one after another, so records
 * of one partition key (which always map to one lane) reach the shard in input order. A failed
 * entry is retried before the lane sends anything newer; the retry itself lands after the
 * records of its own call that succeeded (as with the KPL, a retried record can overtake nothing
 * but can be overtaken by its call-mates).
 */
import { FloeError } from '../errors.js';
import { userBytesOf, userCountOf, type PutBatch, type PutEntry } from './entry.js';
import { classifyCallError, RETRYABLE_ENTRY_CODES, type KinesisApi, type PutResultEntry } from './kinesis.js';

export interface SenderOptions {
  api: KinesisApi;
  stream: string;
  /** Calls in flight at most, over all lanes. */
  concurrency: number;
  /** Each lane's `maxInFlight`. */
  lanes: readonly number[];
  /** Retries per entry after its first failed send. */
  maxRetries: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  random?: () => number;
  /** An entry that will not be delivered, with the reason. */
  onFailed: (entry: PutEntry, code: string, message: string) => void;
  /** A delivered entry (tests use it to see shards). */
  onSent?: (entry: PutEntry, result: PutResultEntry) => void;
}

export interface SendStats {
  /** User records delivered. */
  sent: number;
  /** Kinesis records (entries) delivered; equals `sent` unless aggregating. */
  sentEntries: number;
  /** Payload bytes of the delivered user records. */
  sentBytes: number;
  /** User records sent again after an entry-level or call-level failure. */
  retried: number;
  retriedEntries: number;
  /** User records given up on (to the failed-records file). */
  failed: number;
  calls: number;
  /** Failed entries by error code (each failed send counts). */
  errors: Record<string, number>;
}

interface InFlight {
  readonly lane: Lane;
  readonly batch: PutBatch;
  /** Already handed to onFailed by giveBack(); the call's answer is ignored. */
  givenBack: boolean;
}

interface Lane {
  readonly maxInFlight: number;
  readonly queue: PutBatch[];
  inFlight: number;
  blockedUntil: number;
}

export class Sender {
  readonly stats: SendStats = {
    sent: 0,
    sentEntries: 0,
    sentBytes: 0,
    retried: 0,
    retriedEntries: 0,
    failed: 0,
    calls: 0,
    errors: {},
  };
  /** Bytes queued or in flight: what the reader's backpressure watches. */
  bufferedBytes = 0;
  /** Set when a call failed in a way every later call would too (missing stream, credentials). */
  fatal: FloeError | undefined;
  private readonly lanes: Lane[];
  private inFlight = 0;
  private readonly calls = new Set<InFlight>();
  /** After stopRetrying(): a failed entry is not sent again. */
  private noRetry = false;
  /** After giveBack(): nothing is sent any more. */
  private closed: { code: string; message: string } | undefined;
  private next = 0;
  private timer: NodeJS.Timeout | undefined;
  private waiters: (() => void)[] = [];
  private readonly random: () => number;
  private readonly baseMs: number;
  private readonly maxMs: number;

  constructor(private readonly options: SenderOptions) {
    this.lanes = options.lanes.map((maxInFlight) => ({
      maxInFlight,
      queue: [],
      inFlight: 0,
      blockedUntil: 0,
    }));
    this.random = options.random ?? Math.random;
    this.baseMs = options.backoffBaseMs ?? 100;
    this.maxMs = options.backoffMaxMs ?? 10_000;
  }

  /** Queues a batch on a lane. */
  submit(lane: number, batch: PutBatch): void {
    if (this.fatal) {
      this.failBatch(batch, this.fatal.message, 'Aborted');
      return;
    }
    if (this.closed) {
      this.failBatch(batch, this.closed.message, this.closed.code);
      return;
    }
    const l = this.lanes[lane];
    if (!l) throw new Error(`no lane ${lane}`);
    l.queue.push(batch);
    this.bufferedBytes += batch.bytes;
    this.pump();
  }

  /** Nothing queued, nothing in flight (calls given back do not count). */
  get idle(): boolean {
    for (const c of this.calls) if (!c.givenBack) return false;
    return this.lanes.every((l) => l.queue.length === 0);
  }

  /**
   * The first stage of an interrupt: queued batches still go out (now, without waiting out a
   * backoff), calls in flight are answered, but a failed entry is not sent again: it goes to
   * onFailed with its error code.
   */
  stopRetrying(): void {
    this.noRetry = true;
    for (const l of this.lanes) l.blockedUntil = 0;
    if (this.timer !== undefined) {
      clearTimeout(this.timer);
      this.timer = undefined;
    }
    this.pump();
    this.notify();
  }

  /**
   * The second stage: every record not yet acknowledged goes to onFailed with `code` now,
   * queued ones and those in calls still in flight (their outcome is unknown: a record given
   * back may still be stored, as with any lost response). Nothing is sent afterwards.
   */
  giveBack(code: string, message: string): void {
    this.closed = { code, message };
    this.noRetry = true;
    this.abort(code, message);
    for (const c of this.calls) {
      if (c.givenBack) continue;
      c.givenBack = true;
      this.failBatch(c.batch, message, code);
    }
    this.notify();
  }

  /** New lanes (after a reshard); only while idle, so no lane's order is cut in two. */
  resetLanes(maxInFlight: readonly number[]): void {
    if (!this.idle || this.inFlight > 0) throw new Error('resetLanes needs an idle sender');
    this.lanes.splice(
      0,
      this.lanes.length,
      ...maxInFlight.map((m) => ({ maxInFlight: m, queue: [], inFlight: 0, blockedUntil: 0 })),
    );
    this.next = 0;
  }

  /** Resolves once no more than `maxBytes` are buffered (or a fatal error stopped everything). */
  async waitForRoom(maxBytes: number): Promise<void> {
    while (this.bufferedBytes > maxBytes && !this.fatal) await this.change();
  }

  /** Resolves when every submitted batch is delivered or failed. */
  async drain(): Promise<void> {
    while (!this.idle) await this.change();
  }

  /** Gives up on everything queued (entries go to onFailed with `code`). */
  abort(code: string, message: string): void {
    for (const l of this.lanes) {
      for (const b of l.queue.splice(0)) {
        this.bufferedBytes -= b.bytes;
        this.failBatch(b, message, code);
      }
    }
    this.notify();
  }

  private change(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  private pump(): void {
    if (this.closed) return;
    const now = Date.now();
    let wakeAt = Infinity;
    const n = this.lanes.length;
    let progressed = true;
    while (this.inFlight < this.options.concurrency && progressed) {
      progressed = false;
      for (let i = 0; i < n && this.inFlight < this.options.concurrency; i++) {
        const idx = (this.next + i) % n;
        const lane = this.lanes[idx] as Lane;
        if (lane.queue.length === 0 || lane.inFlight >= lane.maxInFlight) continue;
        if (lane.blockedUntil > now) {
          wakeAt = Math.min(wakeAt, lane.blockedUntil);
          continue;
        }
        const batch = lane.queue.shift() as PutBatch;
        this.next = (idx + 1) % n;
        progressed = true;
        void this.send(lane, batch);
      }
    }
    if (wakeAt !== Infinity && this.timer === undefined) {
      this.timer = setTimeout(
        () => {
          this.timer = undefined;
          this.pump();
        },
        Math.max(1, wakeAt - now),
      );
    }
  }

  private async send(lane: Lane, batch: PutBatch): Promise<void> {
    lane.inFlight++;
    this.inFlight++;
    this.stats.calls++;
    const call: InFlight = { lane, batch, givenBack: false };
    this.calls.add(call);
    let results: readonly PutResultEntry[] | undefined;
    let callError: unknown;
    try {
      results = await this.options.api.putRecords(this.options.stream, batch.entries);
    } catch (err) {
      callError = err;
    }
    this.calls.delete(call);
    lane.inFlight--;
    this.inFlight--;
    this.bufferedBytes -= batch.bytes;
    if (call.givenBack) {
      // Its records were already accounted for as failed (giveBack).
      this.notify();
      return;
    }
    const retry: PutEntry[] = [];
    if (results) {
      batch.entries.forEach((entry, i) => {
        const r = results[i] as PutResultEntry;
        if (r.errorCode === undefined || r.errorCode === null || r.errorCode === '') {
          this.stats.sent += userCountOf(entry);
          this.stats.sentEntries++;
          this.stats.sentBytes += userBytesOf(entry);
          this.options.onSent?.(entry, r);
        } else {
          this.entryFailed(
            entry,
            r.errorCode,
            r.errorMessage ?? '',
            RETRYABLE_ENTRY_CODES.has(r.errorCode),
            retry,
          );
        }
      });
    } else {
      const c = classifyCallError(callError);
      if (c.class === 'fatal') {
        this.fatal ??= new FloeError(
          c.code === 'ResourceNotFoundException' ? 'not-found' : 'io',
          `PutRecords to stream "${this.options.stream}" failed: ${c.code}: ${c.message}`,
          { cause: callError },
        );
        this.failBatch(batch, c.message, c.code);
        this.abort('Aborted', this.fatal.message);
      } else {
        for (const entry of batch.entries)
          this.entryFailed(entry, c.code, c.message, c.class === 'retry', retry);
      }
    }
    if (retry.length > 0) {
      if (this.fatal) {
        this.failBatch({ entries: retry, bytes: 0 }, this.fatal.message, 'Aborted');
      } else {
        const attempts = Math.max(...retry.map((e) => e.attempts));
        const cap = Math.min(this.maxMs, this.baseMs * 2 ** (attempts - 1));
        // "Equal jitter": always wait at least half the cap, so throttled lanes really slow down.
        lane.blockedUntil = Date.now() + cap / 2 + this.random() * (cap / 2);
        const bytes = retry.reduce((n, e) => n + e.size, 0);
        lane.queue.unshift({ entries: retry, bytes });
        this.bufferedBytes += bytes;
        for (const e of retry) {
          this.stats.retried += userCountOf(e);
          this.stats.retriedEntries++;
        }
      }
    }
    this.pump();
    this.notify();
  }

  private entryFailed(
    entry: PutEntry,
    code: string,
    message: string,
    retryable: boolean,
    retry: PutEntry[],
  ): void {
    entry.attempts++;
    this.stats.errors[code] = (this.stats.errors[code] ?? 0) + 1;
    if (retryable && !this.noRetry && entry.attempts <= this.options.maxRetries) retry.push(entry);
    else this.fail(entry, code, message);
  }

  private failBatch(batch: PutBatch, message: string, code: string): void {
    for (const e of batch.entries) this.fail(e, code, message);
  }

  private fail(entry: PutEntry, code: string, message: string): void {
    this.stats.failed += userCountOf(entry);
    this.options.onFailed(entry, code, message);
  }
}
