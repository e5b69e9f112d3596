/**
 * A dead letter: one rejected record as one NDJSON line.
 *
 *   {"table":"nyc.service_requests","stream":"nyc311","shard":"shardId-000000000001",
 *    "sequenceNumber":"4960…","subSequenceNumber":null,"partitionKey":"60000017",
 *    "reasons":["latitude 39.2 is below 40"],"time":"2024-03-01T10:00:00.000Z",
 *    "snapshotId":"5307…","encoding":"utf8","raw":"{\"unique_key\":60000017,…}"}
 *
 * `raw` is the record's payload as text when it is valid UTF-8 (`encoding: "utf8"`), else base64
 * (`encoding: "base64"`), so binary or mis-encoded payloads survive byte for byte.
 * `sequenceNumber` and `snapshotId` are decimal strings: both exceed 2^53.
 */
import { FloeError } from '../../errors.js';

/** What the consumer knows about a rejected record. */
export interface RejectedRecord {
  /** The record's payload exactly as read from the stream (after KPL de-aggregation). */
  readonly raw: string | Uint8Array;
  readonly stream: string;
  readonly shard: string;
  readonly sequenceNumber: string;
  /** KPL sub-record index within an aggregated record; null (or absent) for a plain record. */
  readonly subSequenceNumber?: number | null;
  /** Kept so that a replay can put the record back under the same key (same shard, same order). */
  readonly partitionKey?: string;
  /** Kinesis ApproximateArrivalTimestamp, when known. */
  readonly arrivalTime?: Date | number;
  readonly reasons: readonly string[];
}

export interface DeadLetter {
  readonly table: string;
  readonly stream: string;
  readonly shard: string;
  readonly sequenceNumber: string;
  readonly subSequenceNumber: number | null;
  readonly partitionKey?: string;
  readonly arrivalTime?: string;
  readonly reasons: readonly string[];
  /** When the record was rejected (ISO-8601 UTC). */
  readonly time: string;
  /** The snapshot whose commit carries this dead letter (decimal). */
  readonly snapshotId: string;
  readonly encoding: 'utf8' | 'base64';
  readonly raw: string;
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

function isoTime(t: Date | number): string {
  return (typeof t === 'number' ? new Date(t) : t).toISOString();
}

export function toDeadLetter(
  record: RejectedRecord,
  context: { table: string; snapshotId: bigint; time: Date },
): DeadLetter {
  let raw: string;
  let encoding: DeadLetter['encoding'] = 'utf8';
  if (typeof record.raw === 'string') raw = record.raw;
  else {
    try {
      raw = strictUtf8.decode(record.raw);
    } catch {
      raw = Buffer.from(record.raw).toString('base64');
      encoding = 'base64';
    }
  }
  return {
    table: context.table,
    stream: record.stream,
    shard: record.shard,
    sequenceNumber: record.sequenceNumber,
    subSequenceNumber: record.subSequenceNumber ?? null,
    ...(record.partitionKey !== undefined ? { partitionKey: record.partitionKey } : {}),
    ...(record.arrivalTime !== undefined ? { arrivalTime: isoTime(record.arrivalTime) } : {}),
    reasons: [...record.reasons],
    time: context.time.toISOString(),
    snapshotId: context.snapshotId.toString(),
    encoding,
    raw,
  };
}

/** The payload bytes of a dead letter, exactly as they were read from the stream. */
export function payloadOf(letter: DeadLetter): Uint8Array {
  return letter.encoding === 'base64'
    ? new Uint8Array(Buffer.from(letter.raw, 'base64'))
    : new TextEncoder().encode(letter.raw);
}

export function encodeDeadLetters(letters: readonly DeadLetter[]): Uint8Array {
  let text = '';
  for (const l of letters) text += JSON.stringify(l) + '\n';
  return new TextEncoder().encode(text);
}

/** Parses a dead-letter file; FloeError('invalid-metadata') naming the file and line on a bad line. */
export function decodeDeadLetters(bytes: Uint8Array, path: string): DeadLetter[] {
  const text = new TextDecoder().decode(bytes);
  const out: DeadLetter[] = [];
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line === '') continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch (err) {
      throw new FloeError('invalid-metadata', `${path}:${lineNo}: not JSON: ${(err as Error).message}`);
    }
    if (!isDeadLetter(v)) throw new FloeError('invalid-metadata', `${path}:${lineNo}: not a dead letter`);
    out.push(v);
  }
  return out;
}

function isDeadLetter(v: unknown): v is DeadLetter {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o['table'] === 'string' &&
    typeof o['stream'] === 'string' &&
    typeof o['shard'] === 'string' &&
    typeof o['sequenceNumber'] === 'string' &&
    typeof o['raw'] === 'string' &&
    (o['encoding'] === 'utf8' || o['encoding'] === 'base64') &&
    Array.isArray(o['reasons']) &&
    typeof o['time'] === 'string' &&
    typeof o['snapshotId'] === 'string'
  );
}
