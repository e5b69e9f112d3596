/**
 * The rejected-rows file (NDJSON: {"line":N,"reasons":[...],"raw":"..."} per line) and the
 * max-bad-rows policy. The file is created on the first rejected row only, so a clean load leaves
 * no empty file behind (and does not clobber an earlier run's file).
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { FloeError } from '../errors.js';
import type { RejectedRow } from './batcher.js';

export class RejectedRowsWriter {
  private stream: WriteStream | undefined;
  private failed: Error | undefined;
  count = 0;

  constructor(readonly path: string) {}

  async write(row: RejectedRow): Promise<void> {
    if (this.failed) throw this.failed;
    if (!this.stream) {
      await mkdir(dirname(this.path), { recursive: true });
      this.stream = createWriteStream(this.path);
      this.stream.on('error', (err) => {
        this.failed = new FloeError('io', `cannot write rejected rows to ${this.path}: ${err.message}`, {
          cause: err,
        });
      });
    }
    this.count++;
    const line = JSON.stringify({ line: row.line, reasons: row.reasons, raw: row.raw }) + '\n';
    if (!this.stream.write(line)) await once(this.stream, 'drain');
  }

  /** Flushes and closes; resolves when the data is on disk. */
  async close(): Promise<void> {
    const s = this.stream;
    if (!s) return;
    this.stream = undefined;
    await new Promise<void>((resolve, reject) => {
      s.end((err?: Error | null) => (err ? reject(err) : resolve()));
    });
    if (this.failed) throw this.failed;
  }
}

export interface RejectPolicyOptions {
  /** Rows that may be rejected before the load fails; Infinity for no limit. */
  maxBadRows: number;
  writer?: RejectedRowsWriter;
  /** How the limit is named in the message (the CLI says "--max-bad-rows"). */
  limitName?: string;
}

/**
 * An onReject handler: records the row, then fails with FloeError('input') naming the line once
 * more than `maxBadRows` rows were rejected.
 */
export function rejectPolicy(options: RejectPolicyOptions): (row: RejectedRow) => Promise<void> {
  let rejected = 0;
  const limitName = options.limitName ?? 'max-bad-rows';
  return async (row) => {
    rejected++;
    if (options.writer) await options.writer.write(row);
    if (rejected > options.maxBadRows) {
      const first = row.reasons[0] ?? 'rejected';
      const more = row.reasons.length > 1 ? ` (+${row.reasons.length - 1} more)` : '';
      throw new FloeError(
        'input',
        `line ${row.line}: ${first}${more} (rejected row ${rejected}, more than ${limitName} ${options.maxBadRows})`,
      );
    }
  };
}
