/**
 * An ingest request body → wire records (docs/wire-format.md), through the producer's own
 * readers and encoder, so a record sent through the API is byte for byte what `floe produce`
 * would send for the same input. Only the shape is checked here (valid JSON object, CSV field
 * count, the 1 MiB record limit); the table's rules run in the consumer, which sends failing
 * records to dead letters. One bad record refuses the whole request, naming its line.
 */
import { isFloeError } from '../../errors.js';
import { RecordEncoder, isBad } from '../../producer/encode.js';
import type { UserRecord } from '../../producer/entry.js';
import { chunkReader, type RecordFormat } from '../../records/index.js';
import { HttpError } from '../http.js';

/** Content-Type (without parameters) → input format. */
const FORMATS: Readonly<Record<string, RecordFormat>> = {
  'application/json': 'json',
  'application/x-ndjson': 'ndjson',
  'application/ndjson': 'ndjson',
  'application/jsonl': 'ndjson',
  'application/x-jsonlines': 'ndjson',
  'text/csv': 'csv',
};

export function formatOf(contentType: string | undefined): RecordFormat {
  const type = (contentType ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const f = FORMATS[type];
  if (!f)
    throw new HttpError(
      415,
      `Content-Type must be application/json (an array), application/x-ndjson or text/csv, got ${JSON.stringify(contentType ?? '')}`,
    );
  return f;
}

export interface ParseOptions {
  /** A field whose value becomes the partition key (records of a key keep their order on one shard). */
  readonly partitionKeyField?: string | undefined;
}

export function parseRecords(body: Buffer, format: RecordFormat, options: ParseOptions = {}): UserRecord[] {
  let text = body.toString('utf8');
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  // A single JSON object is accepted as a one-record body (NDJSON of one line).
  const first = /[^\s]/.exec(text)?.[0];
  if (first === undefined) throw new HttpError(400, 'the body holds no records');
  if (format === 'json' && first === '{') format = 'ndjson';
  const encoder = new RecordEncoder({ partitionKeyField: options.partitionKeyField });
  try {
    chunkReader(format, { name: 'body' }).push(text, true, encoder);
  } catch (err) {
    if (!isFloeError(err)) throw err;
    const line = /line (\d+)/.exec(err.message);
    throw new HttpError(400, err.message, {}, line ? { line: Number(line[1]) } : {});
  }
  const out: UserRecord[] = [];
  for (const e of encoder.out) {
    if (isBad(e)) throw new HttpError(400, `line ${e.line}: ${e.reason}`, {}, { line: e.line });
    out.push(e);
  }
  if (out.length === 0) throw new HttpError(400, 'the body holds no records');
  return out;
}
