/** A RecordSink that keeps each record as a SourceRecord object (sampling, per-record readers). */
import type { RecordSink } from './builder.js';
import type { SourceRecord } from './record.js';

export class RecordCollector implements RecordSink {
  readonly exactNumbers = false;

  constructor(readonly out: SourceRecord[]) {}

  csv(
    header: readonly string[],
    cells: readonly string[],
    count: number,
    line: number,
    text: string,
    start: number,
    end: number,
  ): void {
    this.out.push({ kind: 'csv', line, raw: text.slice(start, end), header, cells: cells.slice(0, count) });
  }

  json(raw: string, line: number): void {
    this.out.push({ kind: 'json', line, raw });
  }
}
