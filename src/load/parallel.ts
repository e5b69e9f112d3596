/**
 * The parallel write path of `floe load`: the main thread reads the input and cuts it into
 * pieces on record boundaries (src/records/split.ts); worker threads decode and write them
 * (src/load/worker.ts); the main thread hands rejected rows to `onReject` in input order (so the
 * rejected-rows file and the bad-row limit behave as in one thread) and returns every worker's
 * data files for the single commit. Memory stays bounded: at most `inFlight` pieces per worker.
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
import { openText } from '../records/source.js';
import { RecordSplitter } from '../records/split.js';
import type { FromWorker, ToWorker, WorkerFailure, WorkerInit } from './protocol.js';

const WORKER_URL = new URL('./worker.js', import.meta.url);

/** Below this input size one thread is faster than starting workers. */
export const PARALLEL_MIN_BYTES = 16 * 1024 * 1024;

export interface ParallelLoadOptions {
  readonly path: string;
  readonly format: 'csv' | 'ndjson';
  readonly csv: { readonly delimiter?: string; readonly quote?: string };
  /** CSV: the header (from the sampled first record). */
  readonly header?: readonly string[];
  readonly table: Table;
  readonly inputName: string;
  readonly workers: number;
  readonly codec?: ParquetCodec;
  readonly batchRows?: number;
  readonly maxRecordBytes?: number;
  /** Characters per piece (default 4 Mi). */
  readonly pieceChars?: number;
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

function toError(e: WorkerFailure): Error {
  return e.kind === 'error' ? new Error(e.message) : new FloeError(e.kind, e.message);
}

interface Slot {
  readonly worker: Worker;
  outstanding: number;
}

type PieceResult = Extract<FromWorker, { type: 'piece-done' | 'piece-failed' }>;

export async function writeInParallel(o: ParallelLoadOptions): Promise<DataFile[]> {
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
  const slots: Slot[] = Array.from({ length: Math.max(1, o.workers) }, () => ({
    worker: new Worker(WORKER_URL, { workerData: init }),
    outstanding: 0,
  }));
  const inFlight = o.inFlight ?? 2;
  const results = new Map<number, PieceResult>();
  let nextResult = 0;
  let fatal: Error | undefined;
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
      finals.set(slot.worker, (reply) => {
        if (reply.type === 'closed' || reply.type === 'aborted' || reply.type === 'failed') {
          finals.delete(slot.worker);
          resolve(reply);
        }
      });
      slot.worker.postMessage(m);
    });

  let id = 0;
  const send = async (text: string, firstLine: number): Promise<void> => {
    for (;;) {
      if (fatal) throw fatal;
      await drainResults();
      const slot = slots.reduce((a, b) => (b.outstanding < a.outstanding ? b : a));
      if (slot.outstanding < inFlight) {
        slot.outstanding++;
        const header = o.format === 'csv' && id > 0 ? o.header : undefined;
        slot.worker.postMessage({ type: 'piece', id: id++, text, firstLine, ...(header ? { header } : {}) });
        return;
      }
      await waitForNews();
    }
  };

  const { text } = await openText(o.path, { format: o.format });
  const splitter = new RecordSplitter(o.format, {
    ...(o.pieceChars !== undefined ? { targetChars: o.pieceChars } : {}),
    ...(o.csv.quote !== undefined ? { quote: o.csv.quote } : {}),
  });
  try {
    for await (const chunk of text) {
      for (const p of splitter.push(chunk)) await send(p.text, p.firstLine);
    }
    const last = splitter.end();
    if (last) await send(last.text, last.firstLine);
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
    await text.return(undefined).catch(() => undefined);
    // Every worker deletes its files (a worker that already closed deletes the closed ones too).
    await Promise.all(
      slots.map((s) =>
        // unref: a worker that never answers must not keep the process alive after the error.
        Promise.race([ask(s, { type: 'abort' }), new Promise((r) => setTimeout(r, 30_000).unref())]),
      ),
    );
    throw err;
  } finally {
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}
