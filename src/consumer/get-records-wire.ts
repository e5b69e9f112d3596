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

/** Bytes a base64 text of this length (padding included) decodes to. */
function decodedLength(text: string): number {
  const n = text.length;
  if (n % 4 !== 0) return -1;
  const pad = n === 0 ? 0 : text.charCodeAt(n - 1) !== 61 ? 0 : text.charCodeAt(n - 2) !== 61 ? 1 : 2;
  return (n / 4) * 3 - pad;
}

function bad(what: string): never {
  throw new TypeError(`not a GetRecords response: ${what}`);
}

/** Epoch seconds (a number, or a numeric string) as epoch milliseconds, as the SDK rounds them. */
function epochMs(v: unknown): number | undefined {
  const s = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : NaN;
  return Number.isFinite(s) ? Math.round(s * 1000) : undefined;
}

/**
 * A GetRecords response body (the JSON protocol) as the consumer's result; throws a TypeError when
 * the body is not one (the caller then lets the SDK deal with it).
 */
export function parseGetRecordsBody(body: Buffer): GetRecordsResult {
  const doc: unknown = JSON.parse(isAscii(body) ? body.toString('latin1') : body.toString('utf8'));
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
    const data = Buffer.from(Data, 'base64');
    if (data.length !== decodedLength(Data)) bad(`record ${i}'s Data is not base64`);
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
