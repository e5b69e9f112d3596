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
import { Validator, type RejectedRow } from '../records/validate/index.js';
import {
  markCommitted,
  writeDeadLetters,
  type RejectedRecord as DeadLetterInput,
} from './deadletter/index.js';
import type { FlushProcessor, RejectedRecord } from './table-consumer.js';

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
  const tokens = new Map<bigint, number>();
  return {
    ...(window ? { window } : {}),
    async prepare({ batch, rows, rowShards, rejected, snapshotId }) {
      const rejects: RejectedRecord[] = [...rejected];
      let out = batch;
      let validatorRejects: readonly RejectedRow[] = [];
      if (validator) {
        const v = validator.apply(batch);
        validatorRejects = v.rejected;
        for (const r of v.rejected) {
          const rec = rows[r.index];
          if (!rec) continue;
          rejects.push({
            stream: o.stream,
            shardId: rowShards[r.index] as string,
            position: rec.position,
            partitionKey: rec.partitionKey,
            raw: utf8.decode(rec.data),
            reasons: r.reasons,
            ...(rec.aggregated ? { aggregated: true } : {}),
          });
        }
        out = v.batch;
      }
      const rejectedByRule: Record<string, number> = {};
      const count = (rule: string) => (rejectedByRule[rule] = (rejectedByRule[rule] ?? 0) + 1);
      for (let i = 0; i < rejected.length; i++) count('decode');
      for (const r of validatorRejects) for (const rule of new Set(r.rules)) count(rule);
      let deduped = 0;
      if (window) {
        const d = window.process(out);
        deduped = d.dropped.length;
        out = d.batch;
        tokens.set(snapshotId, d.token);
      }
      let file: string | undefined;
      if (o.deadLetter && rejects.length > 0) {
        const written = await writeDeadLetters({
          io: o.deadLetter.io,
          location: o.deadLetter.location,
          table: o.table,
          snapshotId,
          records: rejects.map(toDeadLetter),
        });
        file = written.path;
      }
      return {
        batch: out,
        rejected: rejects.length,
        rejectedByRule,
        deduped,
        ...(file ? { summary: { 'floe.dead-letters': file } } : {}),
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
