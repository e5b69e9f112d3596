/**
 * Input records → wire records (see docs/wire-format.md): one JSON object per record, with its
 * partition key. A RecordSink, so the chunk readers of src/records push straight into it.
 *
 * - CSV: an object keyed by the header, every value the cell's text as a JSON string, an empty
 *   cell as null (as `floe load` reads CSV).
 * - JSON / NDJSON: the object's own text, whitespace outside strings removed, numbers exactly as
 *   written (re-serialising a parsed object would round integers beyond 2^53). A validating
 *   scanner (json-scan.ts) checks the text without parsing it; JSON.parse is only the fallback
 *   that words the error for text the scanner refuses.
 *
 * Records that cannot be sent are `BadRecord`s with a reason: wrong CSV field count, invalid JSON,
 * a value that is not an object, a missing partition key, over the 1 MiB Kinesis record limit.
 */
import type { RecordSink } from '../records/index.js';
import { TextRecord, type UserRecord } from './entry.js';
import { JsonObjectScanner, scalarKeyText } from './json-scan.js';
import { MAX_PARTITION_KEY_CHARS, MAX_RECORD_BYTES } from './limits.js';

export interface BadRecord {
  readonly bad: true;
  readonly line: number;
  readonly reason: string;
  readonly raw: string;
}

export type Encoded = UserRecord | BadRecord;

export function isBad(e: Encoded): e is BadRecord {
  return (e as BadRecord).bad === true;
}

export interface EncodeOptions {
  /** Field whose value is the partition key; default: the record's ordinal number. */
  partitionKeyField?: string | undefined;
  /** Set on every record (decimal 128-bit), overriding the key's hash for routing. */
  explicitHashKey?: string | undefined;
  /** Kinesis record limit (data + partition key). */
  maxRecordBytes?: number;
}

const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** JSON text without insignificant whitespace; `text` must be valid JSON. */
export function compactJson(text: string): string {
  let needs = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x0a || c === 0x0d || c === 0x09) {
      needs = true;
      break;
    }
  }
  const t = text.trim();
  if (!needs && !/[:,[{]\s|\s[:,\]}]/.test(t)) return t;
  let out = '';
  let from = 0;
  let inString = false;
  for (let i = 0; i < t.length; i++) {
    const c = t.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) i++;
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (WS.has(c)) {
      out += t.slice(from, i);
      from = i + 1;
    }
  }
  return out + t.slice(from);
}

function keyText(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint')
    return String(value);
  return undefined;
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

export class RecordEncoder implements RecordSink {
  readonly exactNumbers = false;
  /** Encoded records since the caller last emptied it. */
  out: Encoded[] = [];
  /** Records seen (good and bad): the default partition key is this ordinal. */
  ordinal = 0;
  private headerFor: readonly string[] | undefined;
  private keyParts: string[] = [];
  private keyColumn = -1;
  private readonly maxBytes: number;
  private readonly scanner = new JsonObjectScanner();

  constructor(private readonly options: EncodeOptions = {}) {
    this.maxBytes = options.maxRecordBytes ?? MAX_RECORD_BYTES;
  }

  csv(
    header: readonly string[],
    cells: readonly string[],
    count: number,
    line: number,
    text: string,
    start: number,
    end: number,
  ): void {
    this.ordinal++;
    if (header !== this.headerFor) {
      this.headerFor = header;
      this.keyParts = header.map((h, i) => (i === 0 ? '{' : ',') + JSON.stringify(h) + ':');
      this.keyColumn =
        this.options.partitionKeyField === undefined ? -1 : header.indexOf(this.options.partitionKeyField);
    }
    if (count !== header.length) {
      this.bad(
        line,
        `${count} field${count === 1 ? '' : 's'}, but the header has ${header.length}`,
        text.slice(start, end),
      );
      return;
    }
    let json = '';
    for (let i = 0; i < count; i++) {
      const cell = cells[i] as string;
      json += (this.keyParts[i] as string) + (cell.length === 0 ? 'null' : JSON.stringify(cell));
    }
    json += count === 0 ? '{}' : '}';
    let key: string | undefined;
    if (this.options.partitionKeyField !== undefined) {
      if (this.keyColumn < 0) {
        this.bad(
          line,
          `no column "${this.options.partitionKeyField}" for the partition key`,
          text.slice(start, end),
        );
        return;
      }
      key = cells[this.keyColumn] as string;
    }
    this.finish(line, json, key, text, start, end);
  }

  json(raw: string, line: number): void {
    this.ordinal++;
    const field = this.options.partitionKeyField;
    const scan = this.scanner;
    // The fast path: a scan proves the line is one JSON object, and its text is sent as written.
    if (!scan.object(raw, field)) {
      this.jsonParsed(raw, line);
      return;
    }
    let key: string | undefined;
    if (field !== undefined) {
      if (scan.valueStart < 0) {
        this.bad(line, `no field "${field}" for the partition key`, raw);
        return;
      }
      const k = scalarKeyText(raw.slice(scan.valueStart, scan.valueEnd));
      if (typeof k !== 'string') {
        this.bad(line, `the partition key field "${field}" is ${k.not}`, raw);
        return;
      }
      key = k;
    }
    this.finish(line, scan.spaced ? compactJson(raw) : raw, key, raw, 0, raw.length);
  }

  /** The slow path, for what the scanner did not accept: JSON.parse gives the verdict and message. */
  private jsonParsed(raw: string, line: number): void {
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      this.bad(line, `invalid JSON: ${(err as Error).message}`, raw);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.bad(line, `expected a JSON object, got ${describe(value)}`, raw);
      return;
    }
    let key: string | undefined;
    const field = this.options.partitionKeyField;
    if (field !== undefined) {
      const v = (value as Record<string, unknown>)[field];
      key = keyText(v);
      if (key === undefined) {
        this.bad(
          line,
          v === undefined
            ? `no field "${field}" for the partition key`
            : `the partition key field "${field}" is ${describe(v)}`,
          raw,
        );
        return;
      }
    }
    this.finish(line, compactJson(raw), key, raw, 0, raw.length);
  }

  /** `text.slice(start, end)` is the raw input, cut only when the record turns out bad. */
  private finish(
    line: number,
    json: string,
    key: string | undefined,
    text: string,
    start: number,
    end: number,
  ): void {
    const field = this.options.partitionKeyField;
    if (key !== undefined) {
      if (key.length === 0) {
        this.bad(line, `the partition key field "${field}" is empty`, text.slice(start, end));
        return;
      }
      if (key.length > MAX_PARTITION_KEY_CHARS && [...key].length > MAX_PARTITION_KEY_CHARS) {
        this.bad(
          line,
          `the partition key (field "${field}") is longer than ${MAX_PARTITION_KEY_CHARS} characters`,
          text.slice(start, end),
        );
        return;
      }
    }
    // UTF-8 is at most 3 bytes per UTF-16 unit (the ordinal key is ASCII): measure only near the limit.
    if ((json.length + (key === undefined ? 16 : key.length)) * 3 > this.maxBytes) {
      const size = Buffer.byteLength(json, 'utf8') + Buffer.byteLength(key ?? String(this.ordinal), 'utf8');
      if (size > this.maxBytes) {
        this.bad(
          line,
          `the record is ${size} bytes with its partition key, over the Kinesis limit of ${this.maxBytes} bytes`,
          text.slice(start, end),
        );
        return;
      }
    }
    // One class for every record: cheaper to make and to read downstream; no bytes made yet.
    this.out.push(new TextRecord(line, json, key ?? this.ordinal, this.options.explicitHashKey));
  }

  private bad(line: number, reason: string, raw: string): void {
    this.out.push({ bad: true, line, reason, raw });
  }
}
