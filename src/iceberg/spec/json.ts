/**
 * int64-safe JSON. Iceberg snapshot ids are random 63-bit integers; V8's JSON.parse would round
 * them to the nearest double and a later commit would then reference a snapshot that does not
 * exist. This parser yields a bigint for every integer literal outside the safe-integer range
 * (numbers otherwise), and the stringifier writes bigints as plain digits.
 */
import { FloeError, type ErrorKind } from '../../errors.js';
import { keepShape } from '../../keep-shape.js';

export type JsonValue =
  null | boolean | number | bigint | string | JsonValue[] | { [key: string]: JsonValue };

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const INTEGER = /^-?\d+$/;

/** How a parse treats number literals and reports errors; the rest of JSON is the same for all. */
export interface JsonParseOptions<N> {
  /** Turns a number literal (exactly as written) into its value. */
  number: (literal: string) => N;
  /** The FloeError kind of a syntax error: bad metadata and bad user records are different failures. */
  errorKind: ErrorKind;
  /** Skip a leading UTF-8 BOM (some editors add one to files); records never carry one. */
  allowBom?: boolean;
}

export type ParsedJson<N> = null | boolean | N | string | ParsedJson<N>[] | { [key: string]: ParsedJson<N> };

class Parser<N> {
  pos = 0;
  constructor(
    private readonly text: string,
    private readonly options: JsonParseOptions<N>,
  ) {
    keepShape(this);
  }

  fail(what: string): never {
    const at = this.pos >= this.text.length ? 'end of input' : `position ${this.pos + 1}`;
    throw new FloeError(this.options.errorKind, `invalid JSON: ${what} at ${at}`);
  }

  parseDocument(): ParsedJson<N> {
    if (this.options.allowBom && this.text.charCodeAt(0) === 0xfeff) this.pos = 1;
    const v = this.value();
    this.skipWs();
    if (this.pos !== this.text.length) this.fail('unexpected text after the value');
    return v;
  }

  skipWs(): void {
    const s = this.text;
    let p = this.pos;
    for (;;) {
      const c = s.charCodeAt(p);
      if (c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09) p++;
      else break;
    }
    this.pos = p;
  }

  value(): ParsedJson<N> {
    this.skipWs();
    const c = this.text[this.pos];
    switch (c) {
      case '{':
        return this.object();
      case '[':
        return this.array();
      case '"':
        return this.string();
      case 't':
        return this.literal('true', true);
      case 'f':
        return this.literal('false', false);
      case 'n':
        return this.literal('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
        return this.fail(c === undefined ? 'unexpected end' : `unexpected ${JSON.stringify(c)}`);
    }
  }

  literal<T extends boolean | null>(word: string, v: T): T {
    if (!this.text.startsWith(word, this.pos)) this.fail('unexpected token');
    this.pos += word.length;
    return v;
  }

  number(): N {
    NUMBER.lastIndex = this.pos;
    const m = NUMBER.exec(this.text);
    if (!m) this.fail('bad number');
    const lit = m[0];
    this.pos += lit.length;
    return this.options.number(lit);
  }

  string(): string {
    const s = this.text;
    const start = this.pos + 1;
    let p = start;
    let escaped = false;
    for (;;) {
      const c = s.charCodeAt(p);
      if (Number.isNaN(c)) {
        this.pos = p;
        this.fail('unterminated string');
      }
      if (c === 0x22) break; // "
      if (c === 0x5c) {
        escaped = true;
        p += 2;
        continue;
      }
      if (c < 0x20) {
        this.pos = p;
        this.fail('control character in string');
      }
      p++;
    }
    this.pos = p + 1;
    if (!escaped) return s.slice(start, p);
    try {
      // Escapes are JSON.parse's job: it is exact and fast on a single string literal.
      return JSON.parse(s.slice(start - 1, p + 1)) as string;
    } catch {
      this.pos = start;
      return this.fail('invalid escape in string');
    }
  }

  array(): ParsedJson<N>[] {
    this.pos++; // [
    const out: ParsedJson<N>[] = [];
    this.skipWs();
    if (this.text[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.skipWs();
      const c = this.text[this.pos++];
      if (c === ']') return out;
      if (c !== ',') {
        this.pos--;
        this.fail('expected "," or "]"');
      }
    }
  }

  object(): { [key: string]: ParsedJson<N> } {
    this.pos++; // {
    const out: { [key: string]: ParsedJson<N> } = {};
    this.skipWs();
    if (this.text[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.skipWs();
      if (this.text[this.pos] !== '"') this.fail('expected a property name');
      const key = this.string();
      this.skipWs();
      if (this.text[this.pos++] !== ':') {
        this.pos--;
        this.fail('expected ":"');
      }
      setMember(out, key, this.value());
      this.skipWs();
      const c = this.text[this.pos++];
      if (c === '}') return out;
      if (c !== ',') {
        this.pos--;
        this.fail('expected "," or "}"');
      }
    }
  }
}

/** Parses a JSON document with the given number handling and error kind. */
export function parseJsonWith<N>(text: string, options: JsonParseOptions<N>): ParsedJson<N> {
  return new Parser(text, options).parseDocument();
}

const INT64_SAFE: JsonParseOptions<number | bigint> = {
  number: (lit) => {
    const n = Number(lit);
    return !Number.isSafeInteger(n) && INTEGER.test(lit) ? BigInt(lit) : n;
  },
  errorKind: 'invalid-metadata',
  allowBom: true,
};

/** Sets a member so that a key like "__proto__" (possible in a properties map) stays plain data. */
export function setMember<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** Parses JSON; integers beyond ±(2^53-1) come back as bigint. Errors are FloeError('invalid-metadata'). */
export function parseJson(text: string): JsonValue {
  return parseJsonWith(text, INT64_SAFE);
}

export interface StringifyOptions {
  /** Indent with this many spaces (pretty print); compact when absent or 0. */
  indent?: number;
}

/** JSON.stringify that writes bigint as exact digits. `undefined` object members are omitted. */
export function stringifyJson(value: unknown, options: StringifyOptions = {}): string {
  const indent = options.indent ?? 0;
  const out: string[] = [];
  const write = (v: unknown, depth: number): void => {
    if (v === null) out.push('null');
    else if (typeof v === 'bigint') out.push(v.toString());
    else if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw new FloeError('internal', `cannot write ${v} to JSON`);
      out.push(JSON.stringify(v));
    } else if (typeof v === 'string') out.push(JSON.stringify(v));
    else if (typeof v === 'boolean') out.push(v ? 'true' : 'false');
    else if (Array.isArray(v)) {
      if (v.length === 0) {
        out.push('[]');
        return;
      }
      const pad = indent ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
      out.push('[');
      v.forEach((item, i) => {
        if (i > 0) out.push(',');
        out.push(pad);
        write(item === undefined ? null : item, depth + 1);
      });
      out.push(indent ? '\n' + ' '.repeat(indent * depth) : '', ']');
    } else if (typeof v === 'object') {
      const entries = Object.entries(v as Record<string, unknown>).filter(([, x]) => x !== undefined);
      if (entries.length === 0) {
        out.push('{}');
        return;
      }
      const pad = indent ? '\n' + ' '.repeat(indent * (depth + 1)) : '';
      out.push('{');
      entries.forEach(([k, x], i) => {
        if (i > 0) out.push(',');
        out.push(pad, JSON.stringify(k), indent ? ': ' : ':');
        write(x, depth + 1);
      });
      out.push(indent ? '\n' + ' '.repeat(indent * depth) : '', '}');
    } else {
      throw new FloeError('internal', `cannot write a ${typeof v} to JSON`);
    }
  };
  write(value, 0);
  return out.join('');
}

/** An int64 field of parsed JSON as bigint (accepts safe numbers and bigints). */
export function toInt64(v: unknown, what: string): bigint {
  if (typeof v === 'bigint') {
    if (v < -(2n ** 63n) || v >= 2n ** 63n)
      throw new FloeError('invalid-metadata', `${what} is out of the int64 range`);
    return v;
  }
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw new FloeError('invalid-metadata', `${what} must be an integer`);
}

/** An int32 (or safe-integer) field of parsed JSON as number. */
export function toInt(v: unknown, what: string): number {
  if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
  throw new FloeError('invalid-metadata', `${what} must be an integer`);
}
