/**
 * The per-flush record pipeline between decoding and writing: validation and cleaning
 * (src/records/validate), dedupe (src/records/dedupe) and dead letters (src/consumer/deadletter),
 * composed into the TableConsumer's FlushProcessor hook.
 *
 * Exactly-once for dead letters: the flush's rejected records are written to a file named by the
 * snapshot id the flush's commit will have, BEFORE the commit; that file counts only once the
 * snapshot is committed (deadletter/index.ts). Dedupe keys of a flush stay pending until its
 * commit landed; a flush that is abandoned rolls them back, so re-read records are not taken for
 * duplicates of themselves.
 */
import type { FileIO } from '../iceberg/io/fileio.js';
import type { Schema } from '../iceberg/spec/schema.js';
import type { TableIdentifier } from '../iceberg/catalog.js';
import { DedupeWindow, type DedupeConfigInput } from '../records/dedupe/index.js';
import { compactBatch, Validator } from '../records/validate/index.js';
import {
  markCommitted,
  writeDeadLetters,
  type RejectedRecord as DeadLetterInput,
} from './deadletter/index.js';
import type { FlushProcessor, FlushStep, RejectedRecord } from './table-consumer.js';

export interface ProcessorOptions {
  readonly schema: Schema;
  readonly table: TableIdentifier;
  readonly stream: string;
  /** Validation and cleaning rules (parsed or raw JSON); none: no validation. */
  readonly rules?: unknown;
  readonly dedupe?: DedupeConfigInput;
  /** Dead-letter root (directory or s3:// prefix) and the FileIO for it; none: rejects are only counted. */
  readonly deadLetter?: { readonly location: string; readonly io: FileIO };
}

function toDeadLetter(r: RejectedRecord): DeadLetterInput {
  return {
    raw: r.raw,
    stream: r.stream,
    shard: r.shardId,
    sequenceNumber: r.position.sequence.toString(),
    subSequenceNumber: r.aggregated ? r.position.sub : null,
    partitionKey: r.partitionKey,
    reasons: r.reasons,
  };
}

const utf8 = new TextDecoder('utf-8');

export function createProcessor(o: ProcessorOptions): FlushProcessor & { readonly window?: DedupeWindow } {
  const validator = o.rules !== undefined ? new Validator(o.schema, o.rules) : undefined;
  const window = o.dedupe !== undefined ? DedupeWindow.fromConfig(o.schema, o.dedupe) : undefined;
  /** Per uncommitted flush: the dedupe token of its last slice. */
  const tokens = new Map<bigint, number>();
  return {
    ...(window ? { window } : {}),
    begin(snapshotId: bigint): FlushStep {
      // Decode failures first, then rule failures, each in record order (as one list per flush).
      const decodeRejects: DeadLetterInput[] = [];
      const ruleRejects: DeadLetterInput[] = [];
      const byRule: Record<string, number> = {};
      const count = (rule: string) => (byRule[rule] = (byRule[rule] ?? 0) + 1);
      let deduped = 0;
      // One clock reading per flush: age eviction sees the flush as one batch, as before slicing.
      const nowMs = Date.now();
      return {
        process({ batch, origin, rejected }) {
          for (const r of rejected) decodeRejects.push(toDeadLetter(r));
          const n = batch.rowCount;
          let drop: Uint8Array | undefined;
          let dropped = 0;
          let rows = batch;
          if (validator) {
            // The decoded batch is this flush's own: clean it in place, compact once below.
            const v = validator.check(batch, { inPlace: true });
            rows = v.batch;
            drop = v.drop;
            dropped = v.rejected.length;
            for (const r of v.rejected) {
              const { shardId, record } = origin(r.index);
              ruleRejects.push(
                toDeadLetter({
                  stream: o.stream,
                  shardId,
                  position: record.position,
                  partitionKey: record.partitionKey,
                  raw: utf8.decode(record.data),
                  reasons: r.reasons,
                  ...(record.aggregated ? { aggregated: true as const } : {}),
                }),
              );
              for (const rule of new Set(r.rules)) count(rule);
            }
          }
          if (window) {
            drop ??= new Uint8Array(n);
            const d = window.mark(rows, drop, { nowMs, deferEviction: true });
            deduped += d.dropped.length;
            dropped += d.dropped.length;
            tokens.set(snapshotId, d.token);
          }
          return drop && dropped > 0 ? compactBatch(rows, drop, dropped).batch : rows;
        },
        async finish() {
          window?.evict();
          const rejects = decodeRejects.length > 0 ? decodeRejects.concat(ruleRejects) : ruleRejects;
          const rejectedByRule: Record<string, number> = {
            ...(decodeRejects.length > 0 ? { decode: decodeRejects.length } : {}),
            ...byRule,
          };
          let file: string | undefined;
          if (o.deadLetter && rejects.length > 0) {
            const written = await writeDeadLetters({
              io: o.deadLetter.io,
              location: o.deadLetter.location,
              table: o.table,
              snapshotId,
              records: rejects,
            });
            file = written.path;
          }
          return {
            rejected: rejects.length,
            rejectedByRule,
            deduped,
            ...(file ? { summary: { 'floe.dead-letters': file } } : {}),
          };
        },
      };
    },
    async committed(snapshotId) {
      const token = tokens.get(snapshotId);
      if (token !== undefined && window) window.commit(token);
      tokens.delete(snapshotId);
      if (o.deadLetter) {
        // Best effort: seals the file against snapshot expiry; reconcile does it otherwise.
        await markCommitted({
          io: o.deadLetter.io,
          location: o.deadLetter.location,
          table: o.table,
          snapshotId,
        });
      }
    },
    async abandoned(snapshotId) {
      tokens.delete(snapshotId);
      window?.rollback();
    },
  };
}
