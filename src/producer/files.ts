/**
 * The failed-records file: NDJSON, one line per user record the service did not take, with its
 * line number, error code and message, attempts, key(s) and the record itself (the wire JSON as a
 * nested object, so the file can be fixed up and produced again). Created on the first failure.
 */
import { createWriteStream, type WriteStream } from 'node:fs';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { FloeError } from '../errors.js';
import { TextRecord, type PutEntry } from './entry.js';

export class FailedRecordsWriter {
  private stream: WriteStream | undefined;
  private error: Error | undefined;
  count = 0;

  constructor(readonly path: string) {}

  /** Synchronous (the sender's callbacks are): lines are buffered by the stream. */
  write(entry: PutEntry, code: string, message: string): void {
    if (!this.stream) {
      mkdirSync(dirname(this.path), { recursive: true });
      this.stream = createWriteStream(this.path);
      this.stream.on('error', (err) => {
        this.error = new FloeError('io', `cannot write failed records to ${this.path}: ${err.message}`, {
          cause: err,
        });
      });
    }
    let text = '';
    for (const r of entry.records) {
      this.count++;
      text +=
        `{"line":${r.line},"errorCode":${JSON.stringify(code)},"errorMessage":${JSON.stringify(message)},` +
        `"attempts":${entry.attempts},"partitionKey":${JSON.stringify(entry.sharedKey ? entry.partitionKey : r.partitionKey)},` +
        (r.explicitHashKey !== undefined ? `"explicitHashKey":${JSON.stringify(r.explicitHashKey)},` : '') +
        `"record":${r instanceof TextRecord ? r.text : r.data.toString('utf8')}}\n`;
    }
    this.stream.write(text);
  }

  async close(): Promise<void> {
    const s = this.stream;
    if (s) {
      this.stream = undefined;
      await new Promise<void>((resolve) => s.end(() => resolve()));
    }
    if (this.error) throw this.error;
  }
}
