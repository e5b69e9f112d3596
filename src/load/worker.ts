/**
 * A `floe load` worker thread: decodes the text pieces it is sent (each ends on a record
 * boundary) into column batches and writes them with its own data writer, so decoding and
 * Parquet encoding run on every core. The main thread keeps the order of rejected rows, the
 * bad-row limit and the one commit; a worker only writes files, and deletes them on `abort`.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { isFloeError } from '../errors.js';
import { fileIOFor } from '../iceberg/io/index.js';
import { partitionSpecFromJson } from '../iceberg/spec/partition.js';
import { Schema } from '../iceberg/spec/schema.js';
import { createDataWriter, type DataWriter } from '../iceberg/writer/index.js';
import { BatchBuilder, newBatchStats } from '../records/builder.js';
import { CsvReader } from '../records/csv.js';
import { NdjsonReader } from '../records/json.js';
import type { FromWorker, ToWorker, WorkerFailure, WorkerInit } from './protocol.js';

const init = workerData as WorkerInit;
const port = parentPort;
if (!port) throw new Error('src/load/worker.ts runs as a worker thread');

const schema = Schema.fromJson(init.schema);
const writer: DataWriter = createDataWriter({
  io: fileIOFor(init.dataLocation),
  schema,
  spec: partitionSpecFromJson(init.spec),
  dataLocation: init.dataLocation,
  properties: init.properties,
  ...(init.codec ? { codec: init.codec } : {}),
});
const stats = newBatchStats();
// One builder for every piece: a partly filled batch carries over, so pieces do not make small row groups.
const builder = new BatchBuilder(schema, {
  stats,
  inputName: init.inputName,
  ...(init.batchRows !== undefined ? { batchRows: init.batchRows } : {}),
});

const send = (m: FromWorker): void => port.postMessage(m);

function failure(err: unknown): WorkerFailure {
  return { kind: isFloeError(err) ? err.kind : 'error', message: (err as Error)?.message ?? String(err) };
}

async function writeReady(): Promise<void> {
  for (const batch of builder.ready.splice(0)) await writer.write(batch);
}

async function piece(m: Extract<ToWorker, { type: 'piece' }>): Promise<void> {
  const before = { ...stats };
  const common = {
    name: init.inputName,
    firstLine: m.firstLine,
    ...(init.maxRecordBytes !== undefined ? { maxRecordBytes: init.maxRecordBytes } : {}),
  };
  let header: readonly string[] | undefined;
  if (init.format === 'csv') {
    const reader = new CsvReader({ ...init.csv, ...common, ...(m.header ? { header: m.header } : {}) });
    reader.push(m.text, true, builder);
    header = reader.header;
  } else {
    new NdjsonReader(common).push(m.text, true, builder);
  }
  const rejects = builder.rejects.splice(0);
  await writeReady();
  send({
    type: 'piece-done',
    id: m.id,
    rejects,
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
let broken = false;
port.on('message', (m: ToWorker) => {
  queue = queue.then(async () => {
    if (m.type === 'abort') {
      await writer.abort().catch(() => undefined);
      send({ type: 'aborted' });
      return;
    }
    if (broken) return;
    try {
      if (m.type === 'piece') await piece(m);
      else {
        builder.finish();
        await writeReady();
        send({ type: 'closed', files: await writer.close() });
      }
    } catch (err) {
      // After a failed write the writer only accepts abort(): stop taking pieces.
      broken = true;
      send(
        m.type === 'piece'
          ? { type: 'piece-failed', id: m.id, rejects: builder.rejects.splice(0), error: failure(err) }
          : { type: 'failed', error: failure(err) },
      );
    }
  });
});
