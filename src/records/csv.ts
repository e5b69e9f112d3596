/**
 * Streaming CSV reader over csv-parse. The first record is the header. Records with the wrong
 * number of fields are passed on (the mapper rejects them with a reason); quoting errors are
 * fatal, because after a bad quote csv-parse cannot find the next record boundary and would
 * swallow the rest of the file into one field.
 */
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { CsvError, parse, type Options } from 'csv-parse';
import { FloeError } from '../errors.js';
import { DEFAULT_MAX_RECORD_BYTES, type CsvRecord } from './record.js';

export interface CsvOptions {
  /** Field delimiter; default ','. */
  delimiter?: string;
  /** Quote character; default '"'. */
  quote?: string;
  /** Name used in error messages. */
  name?: string;
  maxRecordBytes?: number;
}

function countNewlines(s: string): number {
  let n = 0;
  for (let i = s.indexOf('\n'); i !== -1; i = s.indexOf('\n', i + 1)) n++;
  return n;
}

/** The record as CSV text again, for the rejected-rows file (csv-parse's `raw` option costs too much per record). */
export function csvLine(cells: readonly string[], delimiter = ',', quote = '"'): string {
  return cells
    .map((c) =>
      c.includes(delimiter) || c.includes(quote) || c.includes('\n') || c.includes('\r')
        ? quote + c.split(quote).join(quote + quote) + quote
        : c,
    )
    .join(delimiter);
}

/**
 * Yields every data record (the header row is not yielded; it is each record's `header`).
 *
 * Line numbers are counted here rather than with csv-parse's `info` option, which builds a
 * large object per record: a record spans 1 + (newlines inside its quoted fields) lines.
 * Blank lines are skipped but counted.
 */
export async function* readCsv(
  source: AsyncIterable<Uint8Array>,
  options: CsvOptions = {},
): AsyncGenerator<CsvRecord> {
  const name = options.name ?? 'input';
  const delimiter = options.delimiter ?? ',';
  const quote = options.quote ?? '"';
  let header: string[] | undefined;
  // Counted in on_record, which runs synchronously as csv-parse parses: when parsing fails, this
  // is where the failing record starts even though earlier records are still buffered unread.
  let nextLine = 1;
  const parserOptions: Options<CsvRecord, string[]> = {
    delimiter,
    quote,
    bom: true,
    relax_column_count: true,
    skip_empty_lines: false,
    max_record_size: options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES,
    on_record: (cells: string[]): CsvRecord | null => {
      const line = nextLine;
      let span = 1;
      for (let i = 0; i < cells.length; i++) {
        const c = cells[i] as string;
        if (c.length > 0 && c.includes('\n')) span += countNewlines(c);
      }
      nextLine += span;
      if (cells.length === 1 && cells[0] === '') return null; // blank line
      if (header === undefined) {
        header = cells.map((h) => h.trim());
        return null;
      }
      return {
        kind: 'csv',
        line,
        get raw() {
          return csvLine(cells, delimiter, quote);
        },
        header,
        cells,
      };
    },
  };
  // The overloads only type on_record with `columns`; the runtime takes it either way.
  const parser = parse(parserOptions as unknown as Options);
  // Errors of either side reach us through the parser's iterator; the promise only must not float.
  const piping = pipeline(Readable.from(source, { objectMode: false }), parser).catch(() => undefined);
  try {
    yield* parser as AsyncIterable<CsvRecord>;
  } catch (err) {
    throw csvError(name, err, nextLine);
  } finally {
    parser.destroy();
    await piping;
  }
}

function csvError(name: string, err: unknown, nextLine: number): unknown {
  if (err instanceof FloeError) return err;
  if (err instanceof CsvError) {
    const e = err as CsvError & { lines?: number };
    if (e.code === 'CSV_QUOTE_NOT_CLOSED') {
      // Reported at end of file; the useful line is where the unclosed field's record began.
      return new FloeError(
        'input',
        `${name}: malformed CSV: a quote opened in the record at line ${nextLine} is never closed`,
        {
          cause: err,
        },
      );
    }
    return new FloeError('input', `${name}: malformed CSV at line ${e.lines ?? nextLine}: ${e.message}`, {
      cause: err,
    });
  }
  return err;
}
