/**
 * One call from "a path and some options" to "an async stream of SourceRecords": opens the file
 * or stdin, gunzips, decides the format (explicit, else extension, else first character) and
 * picks the reader. A `.json` file whose content starts with `{` is read as NDJSON, since many
 * tools write NDJSON under that extension.
 */
import type { Readable } from 'node:stream';
import { readCsv, type CsvOptions } from './csv.js';
import { formatFromFirstChar, formatFromPath, inputName, openInput, type RecordFormat } from './input.js';
import { readJsonArray, readNdjson } from './json.js';
import type { SourceRecord } from './record.js';

export interface OpenRecordsOptions {
  /** Explicit format; otherwise from the extension, otherwise sniffed. */
  format?: RecordFormat;
  csv?: Omit<CsvOptions, 'name'>;
  stdin?: Readable;
  maxRecordBytes?: number;
}

export interface RecordSource {
  readonly format: RecordFormat;
  readonly name: string;
  readonly records: AsyncIterable<SourceRecord>;
}

/** The first byte that is not whitespace or a UTF-8 BOM, as a character; undefined for empty input. */
function firstSignificant(chunks: readonly Uint8Array[]): string | undefined {
  for (const chunk of chunks) {
    for (const b of chunk) {
      if (b === 0x20 || b === 0x09 || b === 0x0a || b === 0x0d || b === 0xef || b === 0xbb || b === 0xbf)
        continue;
      return String.fromCharCode(b);
    }
  }
  return undefined;
}

export async function openRecords(path: string, options: OpenRecordsOptions = {}): Promise<RecordSource> {
  const name = inputName(path);
  const bytes = openInput(path, options.stdin ? { stdin: options.stdin } : {});
  const it = bytes[Symbol.asyncIterator]() as AsyncIterator<Uint8Array>;
  // Peek until the first significant character (bounded: stops at the first non-blank byte).
  const head: Uint8Array[] = [];
  let first: string | undefined;
  let ended = false;
  while (first === undefined) {
    const r = await it.next();
    if (r.done) {
      ended = true;
      break;
    }
    head.push(r.value);
    first = firstSignificant([r.value]);
  }
  const source = (async function* (): AsyncGenerator<Uint8Array> {
    try {
      yield* head;
      if (ended) return;
      for (;;) {
        const r = await it.next();
        if (r.done) return;
        yield r.value;
      }
    } finally {
      if (!ended) await it.return?.();
    }
  })();
  let format = options.format ?? formatFromPath(path) ?? formatFromFirstChar(first);
  if (format === 'json' && first === '{') format = 'ndjson';
  const maxRecordBytes = options.maxRecordBytes;
  const common = { name, ...(maxRecordBytes !== undefined ? { maxRecordBytes } : {}) };
  const records =
    format === 'csv'
      ? readCsv(source, { ...options.csv, ...common })
      : format === 'json'
        ? readJsonArray(source, common)
        : readNdjson(source, common);
  return { format, name, records };
}
