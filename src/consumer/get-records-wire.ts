/**
 * GetRecords responses read by floe instead of the SDK's deserialiser. Everything else stays the
 * SDK's: endpoint, credentials, SigV4, the HTTP handler, retries, and every error response.
 *
 * Why: reading from kinesalite with KPL aggregates, the SDK's handling of the response was about
 * a fifth of the consumer's CPU. Before decoding each record's base64 `Data` it tests the whole
 * string against a regular expression (`^[A-Za-z0-9+/]*={0,2}$`: 11.5% of the consumer's CPU on
 * its own), and its schema-driven reader walks the parsed document once more (5%). Here the body
 * is parsed with `JSON.parse` and each blob decoded by Node's native base64 decoder; a blob is
 * checked by its decoded length instead (Node skips characters that are not base64, so a damaged
 * blob decodes short).
 *
 * Only a 200 response whose body is a GetRecords document is taken; anything else (errors,
 * another protocol, a body that does not parse) goes to the SDK's deserialiser untouched, so
 * results and errors are exactly the SDK's there.
 */
import { isAscii } from 'node:buffer';
import type {
  DeserializeHandler,
  DeserializeHandlerArguments,
  MetadataBearer,
  Pluggable,
} from '@smithy/types';
import { collectBody } from '../aws/response-body.js';
import type { GetRecordsResult, KinesisRecord } from './kinesis.js';

interface MutableResponse {
  statusCode?: number;
  body?: unknown;
}

function bad(what: string): never {
  throw new TypeError(`not a GetRecords response: ${what}`);
}

/** Epoch seconds (a number, or a numeric string) as epoch milliseconds, as the SDK rounds them. */
function epochMs(v: unknown): number | undefined {
  const s = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(s) ? Math.round(s * 1000) : undefined;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** `Data`, the key whose values are lifted out of the document (see liftBlobs). */
const DATA_KEY = Buffer.from('Data');
/** Base64 characters decoded per string (a multiple of 4): each string stays a young-generation one. */
const BASE64_PIECE = 64 * 1024;

/** The index of the quote that closes the string whose opening quote is at `open`, or -1. */
function closingQuote(body: Buffer, open: number): number {
  let q = body.indexOf(QUOTE, open + 1);
  while (q !== -1) {
    let slashes = 0;
    while (body[q - 1 - slashes] === BACKSLASH) slashes++;
    if (slashes % 2 === 0) return q;
    q = body.indexOf(QUOTE, q + 1);
  }
  return -1;
}

function isWhite(b: number | undefined): boolean {
  return b === 0x20 || b === 0x0a || b === 0x0d || b === 0x09;
}

/**
 * The document with every `"Data":"<base64>"` value replaced by `"#<n>"`, and the byte ranges
 * of those values. A body of KPL aggregates is nearly all base64: parsed whole, it becomes one
 * large string and each blob another (V8 puts strings over ~128 KiB in the large-object space,
 * which made garbage collection 10% of the consumer's CPU). The scan goes from string to string
 * with `indexOf` (base64 holds no quote or backslash, so a blob is skipped in one call); a key is
 * a string followed by a colon. `#` is not base64, so a placeholder is never taken for a blob
 * that was left in place (a key spelled with escapes, which no server sends, is just not lifted).
 */
export function liftBlobs(body: Buffer): { text: string; blobs: number[] } {
  const blobs: number[] = [];
  const parts: string[] = [];
  const ascii = isAscii(body);
  const slice = (a: number, b: number): string => body.toString(ascii ? 'latin1' : 'utf8', a, b);
  let copied = 0;
  let pos = body.indexOf(QUOTE);
  while (pos !== -1) {
    const close = closingQuote(body, pos);
    if (close === -1) break; // not JSON: JSON.parse says so below
    let after = close + 1;
    while (isWhite(body[after])) after++;
    if (
      body[after] === 0x3a &&
      close - pos - 1 === DATA_KEY.length &&
      body.compare(DATA_KEY, 0, 4, pos + 1, close) === 0
    ) {
      let open = after + 1;
      while (isWhite(body[open])) open++;
      if (body[open] === QUOTE) {
        const end = closingQuote(body, open);
        if (end === -1) break;
        parts.push(slice(copied, open + 1), `#${blobs.length / 2}`);
        blobs.push(open + 1, end);
        copied = end;
        pos = body.indexOf(QUOTE, end + 1);
        continue;
      }
    }
    pos = body.indexOf(QUOTE, close + 1);
  }
  parts.push(slice(copied, body.length));
  return { text: parts.join(''), blobs };
}

/** Decodes the base64 at body[from, to) in pieces (padding included); null when it is not base64. */
function decodeBlob(body: Buffer, from: number, to: number): Buffer | null {
  const n = to - from;
  if (n % 4 !== 0) return null;
  const pad = n === 0 ? 0 : body[to - 1] !== 61 ? 0 : body[to - 2] !== 61 ? 1 : 2;
  const size = (n / 4) * 3 - pad;
  const out = Buffer.allocUnsafe(size);
  let written = 0;
  for (let at = from; at < to; at += BASE64_PIECE) {
    written += out.write(body.toString('latin1', at, Math.min(to, at + BASE64_PIECE)), written, 'base64');
  }
  // Node skips what is not base64, so damage shows as a short blob.
  return written === size ? out : null;
}

/**
 * A GetRecords response body (the JSON protocol) as the consumer's result; throws a TypeError when
 * the body is not one (the caller then lets the SDK deal with it).
 */
export function parseGetRecordsBody(body: Buffer): GetRecordsResult {
  const { text, blobs } = liftBlobs(body);
  const doc: unknown = JSON.parse(text);
  if (typeof doc !== 'object' || doc === null || !Array.isArray((doc as { Records?: unknown }).Records))
    bad('no Records array');
  const { Records, NextShardIterator, MillisBehindLatest } = doc as {
    Records: unknown[];
    NextShardIterator?: unknown;
    MillisBehindLatest?: unknown;
  };
  const records = new Array<KinesisRecord>(Records.length);
  for (let i = 0; i < Records.length; i++) {
    const r = Records[i] as { Data?: unknown; SequenceNumber?: unknown; PartitionKey?: unknown } | null;
    if (typeof r !== 'object' || r === null) bad(`record ${i} is not an object`);
    const { Data, SequenceNumber, PartitionKey } = r;
    if (typeof Data !== 'string' || typeof SequenceNumber !== 'string' || typeof PartitionKey !== 'string')
      bad(`record ${i} lacks Data, SequenceNumber or PartitionKey`);
    let data: Buffer | null;
    if (Data.charCodeAt(0) === 0x23) {
      const k = 2 * Number(Data.slice(1));
      data = decodeBlob(body, blobs[k] as number, blobs[k + 1] as number);
    } else {
      // A blob left in place (its key spelled with escapes): the same decoding and check.
      const bytes = Buffer.from(Data, 'utf8');
      data = decodeBlob(bytes, 0, bytes.length);
    }
    if (data === null) bad(`record ${i}'s Data is not base64`);
    const arrivalMs = epochMs((r as { ApproximateArrivalTimestamp?: unknown }).ApproximateArrivalTimestamp);
    records[i] = {
      sequenceNumber: SequenceNumber,
      partitionKey: PartitionKey,
      data,
      ...(arrivalMs !== undefined ? { arrivalMs } : {}),
    };
  }
  if (NextShardIterator !== undefined && NextShardIterator !== null && typeof NextShardIterator !== 'string')
    bad('NextShardIterator is not a string');
  if (
    MillisBehindLatest !== undefined &&
    MillisBehindLatest !== null &&
    typeof MillisBehindLatest !== 'number'
  )
    bad('MillisBehindLatest is not a number');
  return {
    records,
    nextIterator: typeof NextShardIterator === 'string' ? NextShardIterator : undefined,
    millisBehindLatest: typeof MillisBehindLatest === 'number' ? MillisBehindLatest : undefined,
  };
}

/** Where the plugin leaves the parsed response of its command (undefined: the SDK's output holds it). */
export interface GetRecordsHolder {
  parsed?: GetRecordsResult;
}

const EMPTY_DOCUMENT = Buffer.from('{}');

/**
 * The middleware, for one GetRecordsCommand: it parses a successful response into `holder` and
 * hands the SDK's deserialiser an empty document in its place.
 */
export function getRecordsResponsePlugin<I extends object, O extends MetadataBearer>(
  holder: GetRecordsHolder,
): Pluggable<I, O> {
  return {
    applyToStack(stack) {
      stack.add(
        (next: DeserializeHandler<I, O>) => async (args: DeserializeHandlerArguments<I>) => {
          const out = await next(args);
          const response = out.response as MutableResponse;
          holder.parsed = undefined;
          if (response.statusCode !== 200) return out;
          const bytes = await collectBody(response.body);
          try {
            holder.parsed = parseGetRecordsBody(bytes);
            response.body = EMPTY_DOCUMENT;
          } catch {
            response.body = bytes;
          }
          return out;
        },
        // Inside the SDK's deserializer (same step, lower priority): it reads what we return.
        { step: 'deserialize', priority: 'low', name: 'floeGetRecordsResponse' },
      );
    },
  };
}
