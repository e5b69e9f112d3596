/**
 * Streaming JSON readers: NDJSON (one value per line) and a JSON array (a scanner finds element
 * boundaries by tracking strings and nesting, so a 10 GB array is never held in memory).
 * Readers only cut records; parsing happens in the mapper so an invalid element is a rejected
 * row. Structural damage to the array itself (missing brackets or commas) is a fatal error.
 */
import { FloeError } from '../errors.js';
import { DEFAULT_MAX_RECORD_BYTES, type JsonRecord } from './record.js';

export interface JsonReadOptions {
  name?: string;
  maxRecordBytes?: number;
}

/** UTF-8 decoding across chunk boundaries, without the BOM. */
export async function* decodeText(source: AsyncIterable<Uint8Array>): AsyncGenerator<string> {
  const decoder = new TextDecoder('utf-8');
  let first = true;
  for await (const chunk of source) {
    let text = decoder.decode(chunk, { stream: true });
    if (first && text.length > 0) {
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
      first = false;
    }
    if (text.length > 0) yield text;
  }
  const tail = decoder.decode();
  if (tail.length > 0) yield tail;
}

function tooLarge(name: string, line: number, max: number): FloeError {
  return new FloeError('input', `${name}: the record at line ${line} is larger than ${max} bytes`);
}

export async function* readNdjson(
  source: AsyncIterable<Uint8Array>,
  options: JsonReadOptions = {},
): AsyncGenerator<JsonRecord> {
  const name = options.name ?? 'input';
  const max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  let carry = '';
  let line = 0;
  const emit = (text: string): JsonRecord | undefined => {
    line++;
    const raw = text.endsWith('\r') ? text.slice(0, -1) : text;
    return raw.trim() === '' ? undefined : { kind: 'json', line, raw };
  };
  for await (const text of decodeText(source)) {
    let start = 0;
    let nl = text.indexOf('\n');
    if (nl === -1) {
      carry += text;
      if (carry.length > max) throw tooLarge(name, line + 1, max);
      continue;
    }
    while (nl !== -1) {
      const piece = start === 0 && carry !== '' ? carry + text.slice(0, nl) : text.slice(start, nl);
      if (start === 0) carry = '';
      const rec = emit(piece);
      if (rec) yield rec;
      start = nl + 1;
      nl = text.indexOf('\n', start);
    }
    carry = text.slice(start);
  }
  if (carry !== '') {
    const rec = emit(carry);
    if (rec) yield rec;
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
export async function* readJsonArray(
  source: AsyncIterable<Uint8Array>,
  options: JsonReadOptions = {},
): AsyncGenerator<JsonRecord> {
  const name = options.name ?? 'input';
  const max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  let state = State.BeforeArray as State;
  let line = 1;
  let depth = 0;
  let inString = false;
  let escape = false;
  let elementLine = 0;
  let parts: string[] = [];
  let partsLength = 0;
  const fail = (what: string): never => {
    throw new FloeError('input', `${name}: malformed JSON array at line ${line}: ${what}`);
  };
  const finish = (text: string, start: number, end: number): JsonRecord => {
    parts.push(text.slice(start, end));
    const raw = parts.join('').trimEnd();
    parts = [];
    partsLength = 0;
    return { kind: 'json', line: elementLine, raw };
  };
  for await (const text of decodeText(source)) {
    let elementStart = state === State.InElement ? 0 : -1;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (state === State.InElement) {
        if (inString) {
          if (escape) escape = false;
          else if (c === 92) escape = true;
          else if (c === 34) inString = false;
          else if (c === 10) line++;
          continue;
        }
        if (c === 34) inString = true;
        else if (c === 123 || c === 91) depth++;
        else if (c === 125 || c === 93) {
          if (depth === 0) {
            if (c === 125) fail('unexpected }');
            // ']' at depth 0 ends the array and the last element.
            yield finish(text, elementStart, i);
            state = State.AfterArray;
            continue;
          }
          depth--;
        } else if (c === 44 && depth === 0) {
          yield finish(text, elementStart, i);
          state = State.ExpectElement;
        } else if (c === 10) line++;
        continue;
      }
      if (c === 10) {
        line++;
        continue;
      }
      if (isWs(c)) continue;
      switch (state) {
        case State.BeforeArray:
          if (c !== 91) fail('expected [ (the file does not start a JSON array)');
          state = State.ExpectElementOrEnd;
          break;
        case State.ExpectElementOrEnd:
        case State.ExpectElement:
          if (c === 93) {
            if (state === State.ExpectElement) fail('trailing comma before ]');
            state = State.AfterArray;
            break;
          }
          if (c === 44) fail('missing element before ,');
          state = State.InElement;
          elementStart = i;
          elementLine = line;
          depth = 0;
          if (c === 34) inString = true;
          else if (c === 123 || c === 91) depth = 1;
          break;
        case State.AfterArray:
          fail('unexpected text after the closing ]');
      }
    }
    if (state === State.InElement) {
      parts.push(text.slice(elementStart));
      partsLength += text.length - elementStart;
      if (partsLength > max) throw tooLarge(name, elementLine, max);
    }
  }
  if (state === State.BeforeArray) return; // empty input: no records
  if (state !== State.AfterArray) fail('the array is not closed (missing ])');
}
