/**
 * The parallel write path of `floe load`: the main thread reads the input's bytes and cuts them
 * into pieces on record boundaries (src/records/split.ts), never decoding them, and transfers
 * each piece's buffers to a worker thread (no copy), which decodes and writes it
 * (src/load/worker.ts); the main thread hands rejected rows to `onReject` in input order (so the
 * rejected-rows file and the bad-row limit behave as in one thread) and returns every worker's
 * data files for the single commit. Memory stays bounded: at most `inFlight` pieces per worker,
 * and the file is read only as fast as the workers take pieces.
 *
 * On any failure every worker deletes what it wrote before the error is raised, so nothing
 * half-written is left behind (the caller commits nothing).
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { FloeError } from '../errors.js';
import { LocalFileIO } from '../iceberg/io/local.js';
import { partitionSpecToJson } from '../iceberg/spec/partition.js';
import type { DataFile } from '../iceberg/spec/model.js';
import type { Table } from '../iceberg/table/index.js';
import type { ParquetCodec } from '../iceberg/writer/index.js';
import type { BatchStats, RejectedRow } from '../records/builder.js';
import { openInput } from '../records/input.js';
import { ByteSplitter, type BytePiece } from '../records/split.js';
import type { FromWorker, ToWorker, WorkerFailure, WorkerInit } from './protocol.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);

/** Below this input size one thread is faster than starting workers. */
export const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;

/** Bytes per piece; 4 MiB (~10k NYC-311 rows) keeps workers busy and the last piece short. */
export const DEFAULT_PIECE_BYTES = 4 * 1024 * 1024;

/**
 * Test knob: bytes per piece when the caller gives none, so a CLI test can spread a small input
 * over every worker.
 */
export const PIECE_BYTES_ENV = 'FLOE_LOAD_PIECE_BYTES';

export interface ParallelLoadOptions {
  readonly path: string;
  readonly format: 'csv' | 'ndjson';
  readonly csv: { readonly delimiter?: string; readonly quote?: string };
  /** CSV: the header (from the sampled first record). */
  readonly header?: readonly string[];
  readonly table: Table;
  readonly inputName: string;
  /** Worker threads to start; ignored when `pool` is given. */
  readonly workers: number;
  /** Workers started earlier (LoadWorkers.start), so their start-up overlapped other work. */
  readonly pool?: LoadWorkers;
  readonly codec?: ParquetCodec;
  readonly batchRows?: number;
  readonly maxRecordBytes?: number;
  /** Bytes per piece (default: $FLOE_LOAD_PIECE_BYTES, else DEFAULT_PIECE_BYTES). */
  readonly pieceBytes?: number;
  /** Pieces queued per worker (default 2). */
  readonly inFlight?: number;
  readonly onReject: (row: RejectedRow) => Promise<void>;
  readonly stats: BatchStats;
}

/** Worker threads for a load: the cores there are, at most 8 (`--workers` overrides). */
export function defaultWorkers(): number {
  return Math.min(8, availableParallelism());
}

/**
 * Whether this load can use workers: the compiled worker exists (not when running from the
 * TypeScript sources), and the table's files are local (a worker builds its own FileIO and
 * cannot inherit a catalog's credentials).
 */
export function canLoadInParallel(table: Table): boolean {
  return table.io instanceof LocalFileIO && existsSync(fileURLToPath(WORKER_URL));
}

/**
 * Whether the input can be cut bytewise: always for NDJSON; for CSV when the quote is one ASCII
 * character (a multi-byte UTF-8 quote is not one byte to look for). Otherwise load on one thread.
 */
export function canSplit(format: 'csv' | 'ndjson', quote: string | undefined): boolean {
  return new ByteSplitter(format, quote !== undefined ? { quote } : {}).bytewise;
}

function pieceBytes(o: ParallelLoadOptions): number {
  const env = Number(process.env[PIECE_BYTES_ENV]);
  const bytes = o.pieceBytes ?? (Number.isFinite(env) && env > 0 ? env : DEFAULT_PIECE_BYTES);
  return Math.max(1, Math.floor(bytes));
}

function toError(e: WorkerFailure): Error {
  return e.kind === 'error' ? new Error(e.message) : new FloeError(e.kind, e.message);
}

/**
 * Load worker threads, started before the load knows its table: a worker's start-up (a thread,
 * and loading the decoder and Parquet writer modules: 0.1–0.3 s) then overlaps the main
 * thread's own (catalog, sampling, table creation) instead of delaying the first piece. The
 * workers are told what to write when `writeInParallel` takes them; until then they do not keep
 * the process alive, and `close` stops them if the load runs on one thread after all.
 */
export class LoadWorkers {
  /** The first start-up error of any worker (raised by writeInParallel). */
  failure: Error | undefined;

  private readonly gone = new Set<Worker>();

  private constructor(readonly threads: readonly Worker[]) {
    for (const t of threads) {
      t.unref();
      t.on('error', (err) => {
        this.failure ??= err instanceof Error ? err : new Error(String(err));
      });
      t.once('exit', () => this.gone.add(t));
    }
  }

  /** Whether a worker has stopped already (it failed to start). */
  exited(t: Worker): boolean {
    return this.gone.has(t);
  }

  static start(count: number = defaultWorkers()): LoadWorkers {
    return new LoadWorkers(Array.from({ length: Math.max(1, count) }, () => new Worker(WORKER_URL)));
  }

  async close(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.terminate()));
  }
}

interface Slot {
  readonly worker: Worker;
  outstanding: number;
  exited?: boolean;
}

type PieceResult = Extract<FromWorker, { type: 'piece-done' | 'piece-failed' }>;

export async function writeInParallel(o: ParallelLoadOptions): Promise<DataFile[]> {
  const splitter = new ByteSplitter(o.format, {
    targetBytes: pieceBytes(o),
    ...(o.csv.quote !== undefined ? { quote: o.csv.quote } : {}),
    ...(o.maxRecordBytes !== undefined ? { maxRecordBytes: o.maxRecordBytes } : {}),
  });
  if (!splitter.bytewise) {
    throw new FloeError('usage', `a CSV --quote outside ASCII needs one thread: add --workers 1`);
  }
  const init: WorkerInit = {
    schema: o.table.schema.toJson(),
    spec: partitionSpecToJson(o.table.spec),
    properties: o.table.metadata.properties,
    dataLocation: o.table.metadata.properties['write.data.path'] ?? `${o.table.location}/data`,
    ...(o.codec ? { codec: o.codec } : {}),
    format: o.format,
    csv: o.csv,
    inputName: o.inputName,
    ...(o.batchRows !== undefined ? { batchRows: o.batchRows } : {}),
    ...(o.maxRecordBytes !== undefined ? { maxRecordBytes: o.maxRecordBytes } : {}),
  };
  const pool = o.pool ?? LoadWorkers.start(o.workers);
  const slots: Slot[] = pool.threads.map((worker) => ({
    worker,
    outstanding: 0,
    exited: pool.exited(worker),
  }));
  const inFlight = o.inFlight ?? 2;
  const results = new Map<number, PieceResult>();
  let nextResult = 0;
  let fatal: Error | undefined = pool.failure;
  let wake: (() => void) | undefined;
  const notify = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const waitForNews = (): Promise<void> => new Promise<void>((r) => (wake = r));

  const finals = new Map<Worker, (m: FromWorker) => void>();
  for (const slot of slots) {
    slot.worker.on('message', (m: FromWorker) => {
      if (m.type === 'piece-done' || m.type === 'piece-failed') {
        slot.outstanding--;
        results.set(m.id, m);
      } else if (m.type === 'failed') {
        fatal ??= toError(m.error);
      }
      finals.get(slot.worker)?.(m);
      notify();
    });
    slot.worker.on('error', (err) => {
      fatal ??= err instanceof Error ? err : new Error(String(err));
      finals.get(slot.worker)?.({ type: 'failed', error: { kind: 'internal', message: String(err) } });
      notify();
    });
    // A thread that is gone (it failed to start, or crashed) answers nothing more.
    slot.worker.once('exit', () => {
      slot.exited = true;
      fatal ??= new Error('a load worker thread stopped unexpectedly');
      finals.get(slot.worker)?.({ type: 'failed', error: { kind: 'internal', message: fatal.message } });
      notify();
    });
    slot.worker.ref();
    slot.worker.postMessage({ type: 'init', init } satisfies ToWorker);
  }

  /** Hands finished pieces' rejects to onReject in input order; raises a piece's fatal error. */
  const drainResults = async (): Promise<void> => {
    for (let r = results.get(nextResult); r !== undefined; r = results.get(nextResult)) {
      results.delete(nextResult);
      nextResult++;
      for (const row of r.rejects) await o.onReject(row);
      if (r.type === 'piece-failed') throw toError(r.error);
      o.stats.recordsRead += r.stats.recordsRead;
      o.stats.rowsAccepted += r.stats.rowsAccepted;
      o.stats.rowsRejected += r.stats.rowsRejected;
    }
  };

  const ask = (slot: Slot, m: ToWorker): Promise<FromWorker> =>
    new Promise((resolve) => {
      if (slot.exited) {
        resolve({ type: 'failed', error: { kind: 'internal', message: 'a load worker thread stopped' } });
        return;
      }
      finals.set(slot.worker, (reply) => {
        if (reply.type === 'closed' || reply.type === 'aborted' || reply.type === 'failed') {
          finals.delete(slot.worker);
          resolve(reply);
        }
      });
      slot.worker.postMessage(m);
    });

  let id = 0;
  const send = async (piece: BytePiece): Promise<void> => {
    for (;;) {
      if (fatal) throw fatal;
      await drainResults();
      const slot = slots.reduce((a, b) => (b.outstanding < a.outstanding ? b : a));
      if (slot.outstanding < inFlight) {
        slot.outstanding++;
        const header = o.format === 'csv' && id > 0 ? o.header : undefined;
        const m: ToWorker = {
          type: 'piece',
          id: id++,
          chunks: piece.chunks,
          firstLine: piece.firstLine,
          ...(header ? { header } : {}),
        };
        // Transferred, not copied: every chunk of a piece owns its buffer (see BytePiece).
        slot.worker.postMessage(
          m,
          piece.chunks.map((c) => c.buffer as ArrayBuffer),
        );
        return;
      }
      await waitForNews();
    }
  };

  // Raw bytes (gunzipped when the file is gzip); the workers decode them.
  const input = openInput(o.path);
  try {
    for await (const chunk of input as AsyncIterable<Uint8Array>) {
      for (const p of splitter.push(chunk)) await send(p);
    }
    const last = splitter.end();
    if (last) await send(last);
    while (nextResult < id) {
      if (fatal) throw fatal;
      await drainResults();
      if (nextResult < id) await waitForNews();
    }
    const files: DataFile[] = [];
    const closed = await Promise.all(slots.map((s) => ask(s, { type: 'close' })));
    for (const reply of closed) {
      if (reply.type === 'failed') throw toError(reply.error);
      if (reply.type === 'closed') files.push(...reply.files);
    }
    return files;
  } catch (err) {
    input.destroy();
    // Every worker deletes its files (a worker that already closed deletes the closed ones too).
    await Promise.all(
      slots.map((s) =>
        // unref: a worker that never answers must not keep the process alive after the error.
        Promise.race([ask(s, { type: 'abort' }), new Promise((r) => setTimeout(r, 30_000).unref())]),
      ),
    );
    throw err;
  } finally {
    await pool.close();
  }
}
