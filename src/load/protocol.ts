/**
 * Messages between `floe load` and its decode+write worker threads (src/load/worker.ts). Values
 * cross by structured clone: DataFiles (bigints, Maps, byte arrays) arrive intact.
 */
import type { ErrorKind } from '../errors.js';
import type { ParquetCodec } from '../iceberg/writer/index.js';
import type { DataFile } from '../iceberg/spec/model.js';
import type { RejectedRow } from '../records/builder.js';

export interface WorkerInit {
  readonly schema: unknown;
  readonly spec: unknown;
  readonly properties: Readonly<Record<string, string>>;
  readonly dataLocation: string;
  readonly codec?: ParquetCodec;
  readonly format: 'csv' | 'ndjson';
  readonly csv: { readonly delimiter?: string; readonly quote?: string };
  readonly inputName: string;
  readonly batchRows?: number;
  readonly maxRecordBytes?: number;
}

export type ToWorker =
  /** The first message: what to write (workers start before the table is known). */
  | { readonly type: 'init'; readonly init: WorkerInit }
  | {
      readonly type: 'piece';
      readonly id: number;
      /** The piece's bytes (transferred), ending on a record boundary; not decoded yet. */
      readonly chunks: readonly Uint8Array[];
      readonly firstLine: number;
      /** CSV: the header, for every piece but the first (which holds it). */
      readonly header?: readonly string[];
    }
  | { readonly type: 'close' }
  | { readonly type: 'abort' };

export interface PieceStats {
  readonly recordsRead: number;
  readonly rowsAccepted: number;
  readonly rowsRejected: number;
}

export interface WorkerFailure {
  readonly kind: ErrorKind | 'error';
  readonly message: string;
}

export type FromWorker =
  | {
      readonly type: 'piece-done';
      readonly id: number;
      readonly rejects: readonly RejectedRow[];
      readonly stats: PieceStats;
      /** CSV, first piece: the header it held. */
      readonly header?: readonly string[];
    }
  | {
      readonly type: 'piece-failed';
      readonly id: number;
      /** Rows rejected before the fatal error, in order. */
      readonly rejects: readonly RejectedRow[];
      readonly error: WorkerFailure;
    }
  | { readonly type: 'closed'; readonly files: readonly DataFile[] }
  | { readonly type: 'aborted' }
  | { readonly type: 'failed'; readonly error: WorkerFailure };
