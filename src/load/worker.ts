/**
 * A `floe load` worker thread: decodes the pieces of raw input bytes it is sent (each ends on a
 * record boundary) into column batches and writes them with its own data writer, so UTF-8
 * decoding, record decoding and Parquet encoding all run on every core (decodePiece: the
 * one-thread load's byte pipeline, into one BatchBuilder shared by all pieces). The main thread
 * keeps the order of rejected rows, the bad-row limit and the one commit; a worker only writes
 * files, and deletes them on `abort`.
 *
 * The worker starts before the load knows its table (LoadWorkers): what to write arrives in the
 * first message, `init`.
 */
import { parentPort } from 'node:worker_threads';
import { isFloeError } from '../errors.js';
import { LocalFileIO } from '../iceberg/io/local.js';
import { partitionSpecFromJson } from '../iceberg/spec/partition.js';
import { Schema } from '../iceberg/spec/schema.js';
import { createDataWriter, type DataWriter } from '../iceberg/writer/index.js';
import { BatchBuilder, newBatchStats, type BatchStats } from '../records/builder.js';
import { decodePiece } from './piece.js';
import type { FromWorker, ToWorker, WorkerFailure, WorkerInit } from './protocol.js';

const port = parentPort;
if (!port) throw new Error('src/load/worker.ts runs as a worker thread');

interface Load {
  readonly init: WorkerInit;
  readonly writer: DataWriter;
  readonly builder: BatchBuilder;
  readonly stats: BatchStats;
}

function start(init: WorkerInit): Load {
  const schema = Schema.fromJson(init.schema);
  const stats = newBatchStats();
  return {
    init,
    // Parallel loads are local only (canLoadInParallel): no need to load the S3 client here.
    writer: createDataWriter({
      io: new LocalFileIO(),
      schema,
      spec: partitionSpecFromJson(init.spec),
      dataLocation: init.dataLocation,
      properties: init.properties,
      ...(init.codec ? { codec: init.codec } : {}),
    }),
    // One builder for every piece: a partly filled batch carries over to the next piece.
    builder: new BatchBuilder(schema, {
      stats,
      inputName: init.inputName,
      ...(init.batchRows !== undefined ? { batchRows: init.batchRows } : {}),
    }),
    stats,
  };
}

const send = (m: FromWorker): void => port.postMessage(m);

function failure(err: unknown): WorkerFailure {
  return { kind: isFloeError(err) ? err.kind : 'error', message: (err as Error)?.message ?? String(err) };
}

async function writeReady(load: Load): Promise<void> {
  for (const batch of load.builder.ready.splice(0)) await load.writer.write(batch);
}

async function piece(load: Load, m: Extract<ToWorker, { type: 'piece' }>): Promise<void> {
  const { init, builder, stats } = load;
  const before = { ...stats };
  const header = await decodePiece(
    m.chunks,
    {
      format: init.format,
      csv: init.csv,
      name: init.inputName,
      firstLine: m.firstLine,
      ...(init.maxRecordBytes !== undefined ? { maxRecordBytes: init.maxRecordBytes } : {}),
      ...(m.header ? { header: m.header } : {}),
    },
    builder,
    // Full batches are written as they fill: a piece's rows are never all held as values.
    () => writeReady(load),
  );
  send({
    type: 'piece-done',
    id: m.id,
    rejects: builder.rejects.splice(0),
    stats: {
      recordsRead: stats.recordsRead - before.recordsRead,
      rowsAccepted: stats.rowsAccepted - before.rowsAccepted,
      rowsRejected: stats.rowsRejected - before.rowsRejected,
    },
    ...(m.header === undefined && header ? { header } : {}),
  });
}

// Messages are handled one at a time, in order: the writer takes one call at a time.
let queue = Promise.resolve();
let load: Load | undefined;
let broken = false;
port.on('message', (m: ToWorker) => {
  queue = queue.then(async () => {
    if (m.type === 'abort') {
      await load?.writer.abort().catch(() => undefined);
      send({ type: 'aborted' });
      return;
    }
    if (broken) return;
    try {
      if (m.type === 'init') load = start(m.init);
      else if (!load) throw new Error(`load worker: "${m.type}" before "init"`);
      else if (m.type === 'piece') await piece(load, m);
      else {
        load.builder.finish();
        await writeReady(load);
        send({ type: 'closed', files: await load.writer.close() });
      }
    } catch (err) {
      // After a failed write the writer only accepts abort(): stop taking pieces.
      broken = true;
      send(
        m.type === 'piece'
          ? {
              type: 'piece-failed',
              id: m.id,
              rejects: load?.builder.rejects.splice(0) ?? [],
              error: failure(err),
            }
          : { type: 'failed', error: failure(err) },
      );
    }
  });
});
