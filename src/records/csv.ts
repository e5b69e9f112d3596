/**
 * CSV records: the header (the first non-blank record, names trimmed), blank lines skipped but
 * counted, and every other record handed on with the header it belongs to. Records with the
 * wrong number of fields are passed on (the batch builder rejects them with a reason); quoting
 * errors are fatal (see csv-scan.ts).
 */
import { CsvScanner, type CsvScanTarget } from './csv-scan.js';
import type { RecordSink } from './builder.js';
import { decodeText } from './json.js';
import type { CsvRecord } from './record.js';
import { RecordCollector } from './collector.js';

export interface CsvOptions {
  /** Field delimiter; default ','. */
  delimiter?: string;
  /** Quote character; default '"'. */
  quote?: string;
  /** Name used in error messages. */
  name?: string;
  maxRecordBytes?: number;
  /** See CsvScanOptions.firstLine. */
  firstLine?: number;
  /** A piece of an input whose header was read elsewhere: every record is data. */
  header?: readonly string[];
}

/** The record as CSV text again (for tests and for callers that only have cells). */
export function csvLine(cells: readonly string[], delimiter = ',', quote = '"'): string {
  return cells
    .map((c) =>
      c.includes(delimiter) || c.includes(quote) || c.includes('\n') || c.includes('\r')
        ? quote + c.split(quote).join(quote + quote) + quote
        : c,
    )
    .join(delimiter);
}

/** Chunk-at-a-time CSV reader: push text, records go to the sink synchronously. */
export class CsvReader implements CsvScanTarget {
  /** The header once read (the same array for every record: plans are cached by identity). */
  header: string[] | undefined;
  private readonly scanner: CsvScanner;
  private sink: RecordSink | undefined;

  constructor(options: CsvOptions = {}) {
    this.scanner = new CsvScanner(options);
    if (options.header) this.header = [...options.header];
  }

  push(text: string, final: boolean, sink: RecordSink): void {
    this.sink = sink;
    this.scanner.push(text, final, this);
  }

  record(cells: string[], count: number, line: number, text: string, start: number, end: number): void {
    if (count === 1 && (cells[0] as string).length === 0) return; // a blank line
    if (this.header === undefined) {
      this.header = cells.slice(0, count).map((h) => h.trim());
      return;
    }
    (this.sink as RecordSink).csv(this.header, cells, count, line, text, start, end);
  }
}

/**
 * Yields every data record (the header row is not yielded; it is each record's `header`), with
 * the line it starts on and its source text as `raw`. One object per record: for sampling and
 * tests; the load path pushes chunks through CsvReader into a BatchBuilder instead.
 */
export async function* readCsv(
  source: AsyncIterable<Uint8Array>,
  options: CsvOptions = {},
): AsyncGenerator<CsvRecord> {
  const reader = new CsvReader(options);
  const out: CsvRecord[] = [];
  const collector = new RecordCollector(out);
  for await (const text of decodeText(source)) {
    try {
      reader.push(text, false, collector);
    } finally {
      // Records before a fatal error still come first, as they would from a per-record parser.
      yield* out.splice(0) as CsvRecord[];
    }
  }
  try {
    reader.push('', true, collector);
  } finally {
    yield* out.splice(0) as CsvRecord[];
  }
}
