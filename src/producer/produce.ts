/**
 * One produce run: input file → wire records → (KPL aggregates) → PutRecords batches → sender,
 * with backpressure (reading waits while too many bytes are queued or in flight), --rate, and a
 * summary that accounts for every record: read = sent + failed + bad + not sent after a stop.
 *
 * Routing: records are grouped by the shard their key hashes to (ListShards at the start). With
 * a partition key field or explicit hash key, each shard is a lane with one call in flight, so
 * records of a key arrive in input order; an aggregate holds records of one shard only and is
 * routed there by that shard's starting hash key. With the default keys (the record's ordinal:
 * unique, spread evenly by the MD5 hash) there is no order to keep: one lane, many calls; an
 * aggregate then gives all its user records its own (first) key, so they all belong to the shard
 * it lands on (the KCL drops sub-records outside its shard's hash range).
 *
 * Reshards: PutRecords never fails because of one (Kinesis routes each record by its hash key),
 * but a result from a shard the map does not know shows the map is stale. The run then sends
 * what it routed, waits until no call is in flight, reloads the map, and routes by it. Plain
 * records stay correct without this (lanes only serialise calls; a key always maps to the same
 * lane); keyed aggregates need it, since each goes to one shard by an explicit hash key: those
 * sent between the reshard and the first result naming a new shard can hold keys of a sibling.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { FloeError, isFloeError } from '../errors.js';
import {
  chunkReader,
  decodeText,
  formatFromFirstChar,
  formatFromPath,
  openInput,
  RejectedRowsWriter,
  type RecordFormat,
} from '../records/index.js';
import { PutBatcher, type BatchLimits } from './batcher.js';
import { RecordEncoder, isBad, type BadRecord } from './encode.js';
import { AggregateEntry, plainEntry, type PutBatch, type PutEntry, type UserRecord } from './entry.js';
import { FailedRecordsWriter } from './files.js';
import { hashKeyOf, ShardMap } from './hash.js';
import type { KinesisApi, PutResultEntry } from './kinesis.js';
import { AggregateBuilder } from './kpl.js';
import { MAX_BYTES_PER_CALL, MAX_RECORDS_PER_CALL, MAX_RECORD_BYTES, recordSize } from './limits.js';
import { Progress, type ProgressState } from './progress.js';
import { RateLimiter } from './rate.js';
import { Sender } from './sender.js';
import type { Writable } from 'node:stream';

export interface ProduceSettings {
  /** A path, or `-` for stdin. */
  input: string;
  stream: string;
  format?: RecordFormat | undefined;
  delimiter?: string | undefined;
  quote?: string | undefined;
  partitionKeyField?: string | undefined;
  explicitHashKey?: string | undefined;
  aggregate: boolean;
  /** Records per second; undefined: as fast as the stream takes them. */
  rate?: number | undefined;
  /** Bad input records allowed; the next one stops the run. */
  maxBadRecords: number;
  badRecordsPath: string;
  failedRecordsPath: string;
  /** PutRecords calls in flight at most (default 8). */
  concurrency?: number;
  /** Retries per entry after a retryable failure (default 8). */
  maxRetries?: number;
  /** A partial batch or aggregate waits at most this long for company (default 100 ms). */
  lingerMs?: number;
  /** Bytes queued + in flight before reading pauses (default 64 MiB). */
  maxBufferedBytes?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /**
   * Bytes (data + partition keys) per PutRecords call at most, up to 5 MiB; an entry larger than
   * this (an aggregate, or a record too big to aggregate) goes in a call of its own. Default: the
   * service limit (5 MiB) for plain records; with --aggregate, one aggregate a call
   * (maxAggregateBytes). A call's body is parsed whole before any of it is stored, and measured
   * costs grow faster than its size (kinesalite re-copies the body on every socket read): five
   * 1 MiB aggregates in one call cost kinesalite 4.95 µs of CPU per 200-byte user record, in
   * five calls 3.05, and two 512 KiB aggregates in a 1 MiB call 3.7 against 3.0 in two calls.
   * Kinesis itself takes at most 1 MiB/s per shard, so a bigger call only waits longer.
   */
  maxCallBytes?: number;
  /**
   * Bytes per aggregate at most (with its partition key); default 512 KiB, at most 1 MiB (the
   * record limit). The KPL's default (AggregationMaxSize) is 51200. The default is what the
   * emulators took best, one aggregate a call: kinesalite 2.86 µs of CPU per 200-byte user
   * record at 512 KiB against 3.39 at 1 MiB and 3.0 at 256 KiB (warm, alternated runs); 25 KiB
   * cost it 4.75. kinesis-local is indifferent (90–115 µs per user record from 50 KiB to 1 MiB:
   * it spends its CPU per byte). On Kinesis a smaller aggregate is a smaller unit to throttle and
   * retry, and 1 MiB in one record is a whole second of a shard's write budget.
   */
  maxAggregateBytes?: number;
}

export interface ProduceDeps {
  api: KinesisApi;
  stdin?: Readable;
  /** Where progress goes (stderr); none: no progress. */
  progress?: { out: Writable; tty: boolean; intervalMs?: number };
  /** Called for every delivered entry (tests). */
  onSent?: (entry: PutEntry, result: PutResultEntry) => void;
  /** Warnings (e.g. no shard map): one line each. */
  warn?: (message: string) => void;
  /**
   * Interrupt, first stage (Ctrl-C): stop reading; what was read is still sent, calls in flight
   * are answered, failed entries are not retried (they go to the failed-records file). The
   * signal's reason (e.g. "SIGINT") is reported as `interrupted`.
   */
  stop?: AbortSignal;
  /**
   * Interrupt, second stage: every record not yet acknowledged (queued, or in a call still in
   * flight) goes to the failed-records file now with the code "Interrupted", and the run ends.
   */
  giveBack?: AbortSignal;
}

export interface ProduceSummary {
  stream: string;
  input: string;
  format: RecordFormat;
  aggregate: boolean;
  /** User records read from the input (good and bad). */
  read: number;
  sent: number;
  /** User-record sends repeated after a retryable failure. */
  retried: number;
  /** Records the service did not take after all retries (in the failed-records file). */
  failed: number;
  /** Malformed or oversized input records (in the bad-records file). */
  bad: number;
  /** Records read but never sent because the run stopped early. */
  unsent: number;
  /** Payload bytes delivered. */
  bytes: number;
  kinesisRecords: number;
  calls: number;
  retriedKinesisRecords: number;
  errors: Record<string, number>;
  elapsedMs: number;
  recordsPerSecond: number;
  mbPerSecond: number;
  /** Open shards (at the end of the run). */
  shards: number;
  /** Shard map reloads after a PutRecords result named a shard the map did not know (a reshard). */
  shardMapRefreshes: number;
  badRecordsFile: string | null;
  failedRecordsFile: string | null;
  /** Why the run stopped early, if it did (too many bad records, unreadable input, fatal call error). */
  error: string | null;
  /** Why reading stopped before the end of the input, if a stop signal did it (e.g. "SIGINT"). */
  interrupted: string | null;
  /** The input line of the last record read before the interrupt. */
  lastLine: number;
}

/** Default maxAggregateBytes (see there for the evidence). */
export const DEFAULT_AGGREGATE_BYTES = 512 * 1024;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const STOP = Symbol('stop');

interface Lane {
  readonly index: number;
  readonly batcher: PutBatcher;
  agg: AggregateBuilder | undefined;
  aggFirst: UserRecord | undefined;
  /** The input lines of the user records in `agg`, in order. */
  aggLines: number[];
  /** `agg`'s size limit: maxAggregateBytes less its outer partition key. */
  aggLimit: number;
  aggAt: number;
  /** Routing for this lane's aggregates (the shard's start), when keyed. */
  readonly hashKey: string | undefined;
}

/** The input's text chunks, its format, and a byte counter for progress. */
async function openText(
  settings: ProduceSettings,
  raw: Readable,
  counter: { bytes: number },
): Promise<{ format: RecordFormat; text: AsyncIterator<string> }> {
  const path = settings.input;
  const name = path === '-' ? 'stdin' : path;
  async function* counted(): AsyncGenerator<Buffer> {
    try {
      for await (const chunk of raw as AsyncIterable<Buffer>) {
        counter.bytes += chunk.length;
        yield chunk;
      }
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'ENOENT') throw new FloeError('not-found', `input file not found: ${name}`);
      throw new FloeError('input', `cannot read ${name}: ${e.message}`, { cause: err });
    }
  }
  // openInput gunzips by magic bytes; handing it the counted stream keeps % on compressed bytes.
  const bytes = openInput('-', { stdin: Readable.from(counted(), { objectMode: false }) });
  const it = decodeText(bytes as AsyncIterable<Uint8Array>)[Symbol.asyncIterator]();
  const head: string[] = [];
  let first: string | undefined;
  let ended = false;
  try {
    while (first === undefined) {
      const r = await it.next();
      if (r.done) {
        ended = true;
        break;
      }
      head.push(r.value);
      const m = /[^\s\ufeff]/.exec(r.value);
      if (m) first = m[0];
    }
  } catch (err) {
    throw renameInput(err, name);
  }
  let format = settings.format ?? formatFromPath(path) ?? formatFromFirstChar(first);
  if (format === 'json' && first === '{') format = 'ndjson';
  const text = (async function* (): AsyncGenerator<string> {
    yield* head;
    if (ended) return;
    try {
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } catch (err) {
      throw renameInput(err, name);
    }
  })();
  return { format, text };
}

/** openInput names stdin in its messages; say the file's name instead. */
function renameInput(err: unknown, name: string): unknown {
  if (isFloeError(err) && name !== 'stdin' && err.message.startsWith('stdin')) {
    return new FloeError(err.kind, name + err.message.slice('stdin'.length), { cause: err });
  }
  return err;
}

async function shardMapFor(
  api: KinesisApi,
  stream: string,
  warn: (m: string) => void,
): Promise<ShardMap | undefined> {
  let shards;
  try {
    shards = await api.listShards(stream);
  } catch (err) {
    const name = (err as { name?: string }).name;
    if (name === 'ResourceNotFoundException') {
      throw new FloeError('not-found', `stream "${stream}" not found`, { cause: err });
    }
    if (name === 'AccessDeniedException') {
      warn(`floe produce: cannot list the shards of "${stream}" (AccessDenied); sending without a shard map`);
      return undefined;
    }
    throw new FloeError('io', `cannot list the shards of stream "${stream}": ${(err as Error).message}`, {
      cause: err,
    });
  }
  if (shards.length === 0) throw new FloeError('input', `stream "${stream}" has no open shards`);
  return new ShardMap(shards);
}

export async function produce(settings: ProduceSettings, deps: ProduceDeps): Promise<ProduceSummary> {
  const started = performance.now();
  const warn = deps.warn ?? (() => undefined);
  const name = settings.input === '-' ? 'stdin' : settings.input;
  const inputTotal = settings.input === '-' ? undefined : await statSize(settings.input, name);
  let map = await shardMapFor(deps.api, settings.stream, warn);
  const keyed = settings.partitionKeyField !== undefined || settings.explicitHashKey !== undefined;
  const concurrency = settings.concurrency ?? 8;
  const lingerMs = settings.lingerMs ?? 100;
  const maxBuffered = settings.maxBufferedBytes ?? 64 * 1024 * 1024;
  const maxAggregate = Math.min(settings.maxAggregateBytes ?? DEFAULT_AGGREGATE_BYTES, MAX_RECORD_BYTES);
  const callLimits: BatchLimits = {
    maxRecords: MAX_RECORDS_PER_CALL,
    // An entry bigger than this still goes, in a call of its own (see addEntry).
    maxBytes: Math.max(
      1,
      Math.min(
        settings.maxCallBytes ?? (settings.aggregate ? maxAggregate : MAX_BYTES_PER_CALL),
        MAX_BYTES_PER_CALL,
      ),
    ),
  };

  // Lanes: keyed → one per shard (one call in flight each: per-key order); else one shared lane.
  const makeLanes = (): Lane[] =>
    Array.from({ length: keyed && map ? map.shards.length : 1 }, (_, i) => ({
      index: i,
      batcher: new PutBatcher(callLimits),
      agg: undefined,
      aggFirst: undefined,
      aggLines: [],
      aggLimit: 0,
      aggAt: 0,
      hashKey: keyed
        ? (settings.explicitHashKey ?? (map ? (map.shards[i]?.start ?? 0n).toString() : '0'))
        : undefined,
    }));
  let lanes = makeLanes();
  // A result from a shard the map does not know means the stream was resharded (PutRecords
  // never fails for that: Kinesis routes by hash key). Only keyed runs route by the map.
  let knownShards = new Set(map?.shards.map((sh) => sh.shardId));
  let staleMap = false;
  let refreshes = 0;
  const onSent = (entry: PutEntry, result: PutResultEntry): void => {
    if (keyed && map && result.shardId && !knownShards.has(result.shardId)) staleMap = true;
    deps.onSent?.(entry, result);
  };
  if (keyed && settings.aggregate && !map && settings.explicitHashKey === undefined) {
    warn('floe produce: without a shard map every aggregate goes to the shard owning hash key 0');
  }

  const failedWriter = new FailedRecordsWriter(settings.failedRecordsPath);
  const badWriter = new RejectedRowsWriter(settings.badRecordsPath);
  const sender = new Sender({
    api: deps.api,
    stream: settings.stream,
    concurrency,
    lanes: lanes.map(() => (keyed ? 1 : concurrency)),
    maxRetries: settings.maxRetries ?? 8,
    ...(settings.backoffBaseMs !== undefined ? { backoffBaseMs: settings.backoffBaseMs } : {}),
    ...(settings.backoffMaxMs !== undefined ? { backoffMaxMs: settings.backoffMaxMs } : {}),
    onFailed: (entry, code, message) => failedWriter.write(entry, code, message),
    onSent,
  });

  const counter = { bytes: 0 };
  let read = 0;
  let bad = 0;
  let unsent = 0;
  let stopError: FloeError | undefined;
  let format: RecordFormat = settings.format ?? 'csv';

  const state = (): ProgressState => ({
    read,
    sent: sender.stats.sent,
    failed: sender.stats.failed,
    bad,
    retried: sender.stats.retried,
    bytesSent: sender.stats.sentBytes,
    inputBytes: counter.bytes,
    inputTotal,
    elapsedMs: performance.now() - started,
  });
  const progress = deps.progress
    ? new Progress(deps.progress.out, deps.progress.tty, state, deps.progress.intervalMs)
    : undefined;

  /**
   * After a reshard: send everything routed by the old map and wait until no call is in flight
   * (so no key can have calls on an old and a new lane at once), then route by the new map.
   */
  const refreshMap = async (): Promise<void> => {
    staleMap = false;
    for (const l of lanes) flushLane(l, performance.now());
    await sender.drain();
    if (sender.fatal || interrupted !== null) return;
    let shards;
    try {
      shards = await deps.api.listShards(settings.stream);
    } catch (err) {
      warn(
        `floe produce: the stream was resharded but ListShards failed (${(err as Error).message}); keeping the old shard map`,
      );
      return;
    }
    if (shards.length === 0) return;
    map = new ShardMap(shards);
    knownShards = new Set(map.shards.map((sh) => sh.shardId));
    lanes = makeLanes();
    sender.resetLanes(lanes.map(() => 1));
    refreshes++;
    warn(`floe produce: stream "${settings.stream}" was resharded; now ${map.shards.length} open shards`);
  };
  const laneOf = (r: UserRecord): Lane => {
    if (lanes.length === 1) return lanes[0] as Lane;
    const hash = r.explicitHashKey !== undefined ? BigInt(r.explicitHashKey) : hashKeyOf(r.partitionKey);
    return lanes[(map as ShardMap).indexOf(hash)] as Lane;
  };
  const submit = (lane: Lane, batches: PutBatch[]): void => {
    for (const b of batches) sender.submit(lane.index, b);
  };
  /**
   * Batches an entry. One larger than a call may hold (a small maxCallBytes, or a record too big
   * for maxAggregateBytes) goes alone, after what the lane has pending, so the order holds.
   */
  const addEntry = (lane: Lane, entry: PutEntry, now: number): void => {
    if (entry.size <= callLimits.maxBytes) {
      submit(lane, lane.batcher.add(entry, now));
      return;
    }
    const pending = lane.batcher.flush();
    if (pending) sender.submit(lane.index, pending);
    sender.submit(lane.index, { entries: [entry], bytes: entry.size });
  };
  const flushAgg = (lane: Lane, now: number): void => {
    const agg = lane.agg;
    const first = lane.aggFirst;
    if (!agg || !first) return;
    const lines = lane.aggLines;
    lane.agg = undefined;
    lane.aggFirst = undefined;
    lane.aggLines = [];
    const data = agg.encode();
    const entry = new AggregateEntry(
      data,
      first.partitionKey,
      lane.hashKey,
      recordSize(data, first.partitionKey),
      lines,
      !keyed,
      agg.userBytes,
    );
    addEntry(lane, entry, now);
  };
  const route = (r: UserRecord, now: number): void => {
    const lane = laneOf(r);
    if (!settings.aggregate) {
      addEntry(lane, plainEntry(r), now);
      return;
    }
    if (lane.agg) {
      if (lane.agg.tryAdd(r, lane.aggLimit)) {
        lane.aggLines.push(r.line);
        return;
      }
      flushAgg(lane, now);
    }
    // The aggregate's Kinesis record is keyed by its first user record: that key counts too.
    // With the default keys every sub-record shares it (see AggregateOptions.sharedKey).
    const limit = maxAggregate - Buffer.byteLength(r.partitionKey, 'utf8');
    // One lane fills aggregates to the limit: allocate that at once instead of doubling.
    const agg = new AggregateBuilder(keyed ? {} : { sharedKey: r.partitionKey, capacity: limit });
    if (!agg.tryAdd(r, limit)) {
      // Too big to wrap (within a few bytes of 1 MiB): it goes as a plain record, which
      // de-aggregating consumers pass through unchanged.
      addEntry(lane, plainEntry(r), now);
      return;
    }
    lane.agg = agg;
    lane.aggFirst = r;
    lane.aggLines = [r.line];
    lane.aggLimit = limit;
    lane.aggAt = now;
  };
  const flushLane = (lane: Lane, now: number): void => {
    flushAgg(lane, now);
    const b = lane.batcher.flush();
    if (b) sender.submit(lane.index, b);
  };
  const flushStale = (): void => {
    const now = performance.now();
    for (const lane of lanes) {
      if (lane.agg && now - lane.aggAt >= lingerMs) flushAgg(lane, now);
      if (lane.batcher.pendingCount > 0 && now - lane.batcher.firstAt >= lingerMs) {
        const b = lane.batcher.flush();
        if (b) sender.submit(lane.index, b);
      }
    }
  };
  /** Bytes sitting in partial batches/aggregates: they count against the buffer too. */
  const pendingBytes = (): number => {
    let n = 0;
    for (const l of lanes) n += l.batcher.pendingBytes + (l.agg ? l.agg.size : 0);
    return n;
  };

  const onBad = async (b: BadRecord): Promise<void> => {
    bad++;
    await badWriter.write({ line: b.line, reasons: [b.reason], raw: b.raw });
    if (bad > settings.maxBadRecords) {
      stopError = new FloeError(
        'input',
        `${name} line ${b.line}: ${b.reason} (bad record ${bad}, more than --max-bad-records ${settings.maxBadRecords}); stopped reading`,
      );
    }
  };

  const rate = settings.rate !== undefined ? new RateLimiter(settings.rate) : undefined;
  const lingerTimer = setInterval(flushStale, Math.max(5, lingerMs / 2));
  lingerTimer.unref();
  progress?.start();
  let text: AsyncIterator<string> | undefined;
  // Interrupts: `stopped` settles the read in progress, so a slow stdin cannot hold the stop up.
  let interrupted: string | null = null;
  let lastLine = 0;
  let onStop: (() => void) | undefined;
  const stopped = new Promise<typeof STOP>((resolve) => (onStop = () => resolve(STOP)));
  const raw: Readable =
    settings.input === '-'
      ? (deps.stdin ?? process.stdin)
      : createReadStream(settings.input, { highWaterMark: 1 << 20 });
  const stopListener = (): void => {
    if (interrupted !== null) return;
    interrupted = String(deps.stop?.reason ?? 'stop');
    sender.stopRetrying();
    onStop?.();
  };
  const giveBackListener = (): void => {
    stopListener();
    sender.giveBack(
      'Interrupted',
      'the run was interrupted before Kinesis acknowledged this record (it may or may not be stored)',
    );
  };
  if (deps.stop?.aborted) stopListener();
  else deps.stop?.addEventListener('abort', stopListener, { once: true });
  if (deps.giveBack?.aborted) giveBackListener();
  else deps.giveBack?.addEventListener('abort', giveBackListener, { once: true });
  /** The value of `p`, or STOP once interrupted (p's own outcome is then ignored). */
  const unlessStopped = async <T>(p: Promise<T>): Promise<T | typeof STOP> => {
    p.catch(() => undefined);
    return Promise.race([p, stopped]);
  };
  try {
    const opened = await unlessStopped(openText(settings, raw, counter));
    if (opened === STOP) throw STOP;
    format = opened.format;
    text = opened.text;
    const reader = chunkReader(format, {
      name,
      ...(format === 'csv' && settings.delimiter ? { delimiter: settings.delimiter } : {}),
      ...(format === 'csv' && settings.quote ? { quote: settings.quote } : {}),
    });
    const encoder = new RecordEncoder({
      partitionKeyField: settings.partitionKeyField,
      explicitHashKey: settings.explicitHashKey,
    });
    let ended = false;
    while (!ended && !stopError && !sender.fatal && interrupted === null) {
      let fatalInput: unknown;
      try {
        const r = await unlessStopped(text.next());
        if (r === STOP) break;
        if (r.done) {
          ended = true;
          reader.push('', true, encoder);
        } else reader.push(r.value, false, encoder);
      } catch (err) {
        fatalInput = err;
      }
      const out = encoder.out;
      encoder.out = [];
      // The clock (for lingering) is read every 256 records and after every wait, not per record.
      let now = 0;
      for (let i = 0; i < out.length; i++) {
        const e = out[i]!;
        if ((i & 255) === 0) now = performance.now();
        if (stopError || sender.fatal) {
          unsent += out.length - i;
          break;
        }
        read++;
        if (isBad(e)) {
          await onBad(e);
          now = performance.now();
          continue;
        }
        lastLine = e.line;
        if (rate && interrupted === null) {
          const wait = rate.take(1);
          if (wait > 0) {
            await sleep(wait);
            now = performance.now();
          }
        }
        route(e, now);
        if (sender.bufferedBytes + pendingBytes() > maxBuffered) {
          if (pendingBytes() > maxBuffered / 2) for (const l of lanes) flushLane(l, now);
          await sender.waitForRoom(maxBuffered / 2);
          now = performance.now();
        }
      }
      if (fatalInput !== undefined && !stopError) {
        // Broken quoting or a malformed JSON array: later record boundaries are unknowable.
        const err = renameInput(fatalInput, name);
        if (!isFloeError(err, 'input')) throw err;
        const m = /line (\d+)/.exec(err.message);
        read++;
        bad++;
        await badWriter.write({ line: m ? Number(m[1]) : 0, reasons: [err.message], raw: '' });
        stopError = new FloeError('input', `${err.message}; stopped reading`);
      }
      flushStale();
      if (staleMap) await refreshMap();
      await sender.waitForRoom(maxBuffered);
    }
    for (const lane of lanes) flushLane(lane, performance.now());
    await sender.drain();
  } catch (err) {
    if (err !== STOP) throw err;
  } finally {
    deps.stop?.removeEventListener('abort', stopListener);
    deps.giveBack?.removeEventListener('abort', giveBackListener);
    clearInterval(lingerTimer);
    progress?.stop();
    if (interrupted !== null) {
      // A read may be pending on a slow stdin: end the input instead of waiting for it.
      raw.destroy();
      void text?.return?.(undefined).catch(() => undefined);
    } else await text?.return?.(undefined).catch(() => undefined);
    // Whatever is still queued after an unexpected error must not vanish: it is written as failed.
    if (!sender.idle) {
      sender.abort('Aborted', 'the run stopped before this record was sent');
      await sender.drain().catch(() => undefined);
    }
    await failedWriter.close();
    await badWriter.close();
  }
  const elapsedMs = performance.now() - started;
  const s = sender.stats;
  const err = sender.fatal ?? stopError;
  return {
    stream: settings.stream,
    input: name,
    format,
    aggregate: settings.aggregate,
    read,
    sent: s.sent,
    retried: s.retried,
    failed: s.failed,
    bad,
    unsent,
    bytes: s.sentBytes,
    kinesisRecords: s.sentEntries,
    calls: s.calls,
    retriedKinesisRecords: s.retriedEntries,
    errors: s.errors,
    elapsedMs,
    recordsPerSecond: elapsedMs > 0 ? s.sent / (elapsedMs / 1000) : 0,
    mbPerSecond: elapsedMs > 0 ? s.sentBytes / 1e6 / (elapsedMs / 1000) : 0,
    shards: map ? map.shards.length : 0,
    shardMapRefreshes: refreshes,
    badRecordsFile: badWriter.count > 0 ? settings.badRecordsPath : null,
    failedRecordsFile: failedWriter.count > 0 ? settings.failedRecordsPath : null,
    error: err ? err.message : null,
    interrupted,
    lastLine,
  };
}

async function statSize(path: string, name: string): Promise<number> {
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new FloeError('input', `${name} is not a file`);
    return info.size;
  } catch (err) {
    if (isFloeError(err)) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FloeError('not-found', `input file not found: ${name}`);
    throw new FloeError('input', `cannot read ${name}: ${(err as Error).message}`);
  }
}
