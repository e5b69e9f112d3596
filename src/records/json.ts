/**
 * JSON readers, chunk at a time: NDJSON (one value per line) and a JSON array (a scanner finds
 * element boundaries by tracking strings and nesting, so a 10 GB array is never held in memory).
 * Readers only cut records; parsing happens in the sink so an invalid element is a rejected
 * row. Structural damage to the array itself (missing brackets or commas) is a fatal error.
 */
import { isAscii } from 'node:buffer';
import { FloeError } from '../errors.js';
import type { RecordSink } from './builder.js';
import { RecordCollector } from './collector.js';
import { mayLosePrecision } from './json-exact.js';
import { DEFAULT_MAX_RECORD_BYTES, type JsonRecord } from './record.js';

export interface JsonReadOptions {
  name?: string;
  maxRecordBytes?: number;
  /** The input is a piece of a larger one that starts at this line (1-based) on a line boundary. */
  firstLine?: number;
}

/**
 * Whether a chunk ends inside a UTF-8 sequence (its last lead byte lacks continuation bytes),
 * so the decoder holds bytes for the next chunk. Conservative: unclear cases say yes.
 */
function endsMidSequence(chunk: Uint8Array): boolean {
  let i = chunk.length - 1;
  let continuation = 0;
  while (i >= 0 && continuation < 4 && ((chunk[i] as number) & 0xc0) === 0x80) {
    i--;
    continuation++;
  }
  if (i < 0) return continuation > 0;
  const lead = chunk[i] as number;
  const need = lead >= 0xf0 ? 3 : lead >= 0xe0 ? 2 : lead >= 0xc0 ? 1 : 0;
  return continuation < need;
}

/**
 * Input bytes decoded per string at most: V8 allocates a string over ~128 KiB in its large-object
 * space, which counts against the old generation, so 1 MiB strings made a 1M-row load run a full
 * mark-compact every ~200 ms for a heap of ~12 MB live. A 32 KiB piece is at most 64 KiB of
 * two-byte string.
 */
const PIECE_BYTES = 32 * 1024;

/**
 * UTF-8 decoding across chunk boundaries, without the BOM, in strings of at most PIECE_BYTES of
 * input. An all-ASCII chunk (the common case for CSV and NDJSON) is copied as Latin-1 instead,
 * ~5x cheaper than TextDecoder's UTF-8 path, unless the decoder still holds the start of a
 * multi-byte character.
 */
export async function* decodeText(source: AsyncIterable<Uint8Array | string>): AsyncGenerator<string> {
  // ignoreBOM: the decoder may first see the input mid-stream (after ASCII chunks); the BOM is
  // stripped below, at the real start only.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let first = true;
  let pending = false;
  /** The text without the input's BOM (only the first text with characters can start with it). */
  const withoutBom = (text: string): string => {
    if (!first || text.length === 0) return text;
    first = false;
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  };
  for await (const chunk of source) {
    if (typeof chunk === 'string') {
      const text = withoutBom(chunk);
      if (text.length > 0) yield text;
      continue;
    }
    const buf = Buffer.isBuffer(chunk)
      ? chunk
      : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const ascii = !pending && isAscii(buf);
    for (let at = 0; at < buf.length; at += PIECE_BYTES) {
      const piece = buf.subarray(at, Math.min(buf.length, at + PIECE_BYTES));
      let text: string;
      if (ascii) text = piece.toString('latin1');
      else {
        text = decoder.decode(piece, { stream: true });
        pending = endsMidSequence(piece);
      }
      text = withoutBom(text);
      if (text.length > 0) yield text;
    }
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield tail;
}

function tooLarge(name: string, line: number, max: number): FloeError {
  return new FloeError('input', `${name}: the record at line ${line} is larger than ${max} bytes`);
}

/** NDJSON: each non-blank line is a record (a trailing CR is dropped). */
export class NdjsonReader {
  /** Lines seen so far. */
  private line = 0;
  private carry: string[] = [];
  private carryLength = 0;
  private readonly name: string;
  private readonly max: number;

  constructor(options: JsonReadOptions = {}) {
    this.name = options.name ?? 'input';
    this.max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
    this.line = (options.firstLine ?? 1) - 1;
  }

  push(text: string, final: boolean, sink: RecordSink): void {
    let start = 0;
    let nl = text.indexOf('\n');
    if (this.carryLength > 0) {
      if (nl === -1 && !final) {
        this.keep(text);
        return;
      }
      this.carry.push(nl === -1 ? text : text.slice(0, nl));
      const joined = this.carry.join('');
      this.carry = [];
      this.carryLength = 0;
      // A digit run may span the chunk boundary: this record gets the per-record check.
      this.emit(joined, 0, joined.length, sink, true);
      if (nl === -1) return;
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    // One regex over the chunk instead of one per record: no long digit run, no exact parsing.
    const mayLose = sink.exactNumbers && mayLosePrecision(text);
    while (nl !== -1) {
      this.emit(text, start, nl, sink, mayLose);
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    if (start < text.length) {
      if (final) this.emit(text, start, text.length, sink, true);
      else this.keep(start === 0 ? text : text.slice(start));
    }
  }

  private keep(piece: string): void {
    this.carry.push(piece);
    this.carryLength += piece.length;
    if (this.carryLength > this.max) throw tooLarge(this.name, this.line + 1, this.max);
  }

  private emit(s: string, start: number, end: number, sink: RecordSink, mayLose: boolean): void {
    const line = ++this.line;
    if (end > start && s.charCodeAt(end - 1) === 13) end--;
    if (end === start) return;
    const raw = start === 0 && end === s.length ? s : s.slice(start, end);
    if (s.charCodeAt(start) !== 123 && raw.trim() === '') return; // blank line
    if (end - start > this.max) throw tooLarge(this.name, line, this.max);
    sink.json(raw, line, mayLose);
  }
}

const enum State {
  BeforeArray,
  ExpectElementOrEnd, // just after '['
  ExpectElement, // after ','
  InElement,
  AfterArray,
}

function isWs(c: number): boolean {
  return c === 32 || c === 10 || c === 13 || c === 9;
}

/** Elements of a top-level JSON array, each with the line it starts on. */
export class JsonArrayReader {
  private state = State.BeforeArray as State;
  private line = 1;
  private depth = 0;
  private inString = false;
  private escape = false;
  private elementLine = 0;
  private parts: string[] = [];
  private partsLength = 0;
  private readonly name: string;
  private readonly max: number;

  constructor(options: JsonReadOptions = {}) {
    this.name = options.name ?? 'input';
    this.max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  private fail(what: string): never {
    throw new FloeError('input', `${this.name}: malformed JSON array at line ${this.line}: ${what}`);
  }

  private finish(text: string, start: number, end: number, sink: RecordSink): void {
    this.parts.push(text.slice(start, end));
    const raw = this.parts.join('').trimEnd();
    this.parts = [];
    this.partsLength = 0;
    sink.json(raw, this.elementLine, true);
  }

  push(text: string, final: boolean, sink: RecordSink): void {
    let elementStart = this.state === State.InElement ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (this.state === State.InElement) {
        if (this.inString) {
          if (this.escape) this.escape = false;
          else if (c === 92) this.escape = true;
          else if (c === 34) this.inString = false;
          else if (c === 10) this.line++;
          continue;
        }
        if (c === 34) this.inString = true;
        else if (c === 123 || c === 91) this.depth++;
        else if (c === 125 || c === 93) {
          if (this.depth === 0) {
            if (c === 125) this.fail('unexpected }');
            // ']' at depth 0 ends the array and the last element.
            this.finish(text, elementStart, i, sink);
            this.state = State.AfterArray;
            continue;
          }
          this.depth--;
        } else if (c === 44 && this.depth === 0) {
          this.finish(text, elementStart, i, sink);
          this.state = State.ExpectElement;
        } else if (c === 10) this.line++;
        continue;
      }
      if (c === 10) {
        this.line++;
        continue;
      }
      if (isWs(c)) continue;
      switch (this.state) {
        case State.BeforeArray:
          if (c !== 91) this.fail('expected [ (the file does not start a JSON array)');
          this.state = State.ExpectElementOrEnd;
          break;
        case State.ExpectElementOrEnd:
        case State.ExpectElement:
          if (c === 93) {
            if (this.state === State.ExpectElement) this.fail('trailing comma before ]');
            this.state = State.AfterArray;
            break;
          }
          if (c === 44) this.fail('missing element before ,');
          this.state = State.InElement;
          elementStart = i;
          this.elementLine = this.line;
          this.depth = 0;
          if (c === 34) this.inString = true;
          else if (c === 123 || c === 91) this.depth = 1;
          break;
        case State.AfterArray:
          this.fail('unexpected text after the closing ]');
      }
    }
    if (this.state === State.InElement && elementStart < text.length) {
      this.parts.push(text.slice(elementStart));
      this.partsLength += text.length - elementStart;
      if (this.partsLength > this.max) throw tooLarge(this.name, this.elementLine, this.max);
    }
    if (final) {
      if (this.state === State.BeforeArray) return; // empty input: no records
      if (this.state !== State.AfterArray) this.fail('the array is not closed (missing ])');
    }
  }
}

/** Per-record generator over a chunk reader (sampling, tests). */
async function* records(
  source: AsyncIterable<Uint8Array>,
  reader: { push(text: string, final: boolean, sink: RecordSink): void },
): AsyncGenerator<JsonRecord> {
  const out: JsonRecord[] = [];
  const collector = new RecordCollector(out);
  for await (const text of decodeText(source)) {
    try {
      reader.push(text, false, collector);
    } finally {
      yield* out.splice(0);
    }
  }
  try {
    reader.push('', true, collector);
  } finally {
    yield* out.splice(0);
  }
}

export function readNdjson(
  source: AsyncIterable<Uint8Array>,
  options: JsonReadOptions = {},
): AsyncGenerator<JsonRecord> {
  return records(source, new NdjsonReader(options));
}

export function readJsonArray(
  source: AsyncIterable<Uint8Array>,
  options: JsonReadOptions = {},
): AsyncGenerator<JsonRecord> {
  return records(source, new JsonArrayReader(options));
}
