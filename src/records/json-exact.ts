/**
 * JSON parsing that keeps the source text of numbers a double cannot hold exactly.
 *
 * `JSON.parse` turns 9007199254740993 into 9007199254740992 and 0.30000000000000001 into 0.3.
 * For long and decimal columns that is silent data corruption, so records that might contain
 * such a number are parsed here instead: numbers with 16 or more significant digits come back as
 * `JsonNumber` (their text), everything else as with JSON.parse. This parser is several times
 * slower than V8's, which is why `parseJsonRecord` only uses it when a cheap scan of the raw text
 * finds a long run of digits (see `mayLosePrecision`).
 */
import { FloeError } from '../errors.js';

/** A JSON number kept as its source text because a double would round it. */
export class JsonNumber {
  constructor(readonly text: string) {}
  toString(): string {
    return this.text;
  }
}

// A digit run of 16+ characters (dots allowed inside) is the only way to write a number with
// more than 15 significant digits; anything shorter is exact as a double.
export const LONG_DIGIT_RUN = /\d[\d.]{15}/;

export function mayLosePrecision(raw: string): boolean {
  // Same as LONG_DIGIT_RUN.test(raw), by hand: the regex retries at every digit and costs ~10x
  // more on number-heavy text (it ran over whole NDJSON chunks).
  let run = 0; // length of the current [\d.] run that began at a digit
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charCodeAt(i);
    if (c >= 48 && c <= 57) run++;
    else if (c === 46) {
      if (run > 0) run++;
    } else run = 0;
    if (run >= 16) return true;
  }
  return false;
}

function countSignificantDigits(num: string): number {
  const mantissa = num
    .replace(/^-/, '')
    .replace(/[eE].*$/, '')
    .replace('.', '');
  return mantissa.replace(/^0+/, '').length;
}

class Parser {
  pos = 0;
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw new FloeError('input', `invalid JSON: ${what} at position ${this.pos + 1}`);
  }

  ws(): void {
    const s = this.s;
    let c = s.charCodeAt(this.pos);
    while (c === 32 || c === 10 || c === 13 || c === 9) c = s.charCodeAt(++this.pos);
  }

  value(): unknown {
    this.ws();
    const c = this.s[this.pos];
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

  literal<T>(word: string, value: T): T {
    if (this.s.startsWith(word, this.pos)) {
      this.pos += word.length;
      return value;
    }
    return this.fail('unexpected token');
  }

  number(): number | JsonNumber {
    const re = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
    re.lastIndex = this.pos;
    const m = re.exec(this.s);
    if (!m) return this.fail('bad number');
    this.pos += m[0].length;
    return countSignificantDigits(m[0]) > 15 ? new JsonNumber(m[0]) : Number(m[0]);
  }

  string(): string {
    // Delegate escapes to JSON.parse: find the closing quote, then parse just the literal.
    const s = this.s;
    const start = this.pos;
    let i = start + 1;
    let escaped = false;
    for (;;) {
      const c = s.charCodeAt(i);
      if (Number.isNaN(c)) {
        this.pos = i;
        return this.fail('unterminated string');
      }
      if (c === 92) escaped = true;
      else if (c === 34) break;
      else if (c < 32) {
        this.pos = i;
        return this.fail('control character in string');
      }
      i++;
      if (c === 92) i++;
    }
    this.pos = i + 1;
    const lit = s.slice(start, i + 1);
    if (!escaped) return lit.slice(1, -1);
    try {
      return JSON.parse(lit) as string;
    } catch {
      this.pos = start;
      return this.fail('bad string escape');
    }
  }

  array(): unknown[] {
    this.pos++;
    const out: unknown[] = [];
    this.ws();
    if (this.s[this.pos] === ']') {
      this.pos++;
      return out;
    }
    for (;;) {
      out.push(this.value());
      this.ws();
      const c = this.s[this.pos++];
      if (c === ']') return out;
      if (c !== ',') {
        this.pos--;
        return this.fail('expected , or ]');
      }
    }
  }

  object(): Record<string, unknown> {
    this.pos++;
    const out: Record<string, unknown> = {};
    this.ws();
    if (this.s[this.pos] === '}') {
      this.pos++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.pos] !== '"') return this.fail('expected a property name');
      const key = this.string();
      this.ws();
      if (this.s[this.pos] !== ':') return this.fail('expected :');
      this.pos++;
      // defineProperty: a "__proto__" key must be data, not a prototype change (as JSON.parse does).
      Object.defineProperty(out, key, {
        value: this.value(),
        enumerable: true,
        writable: true,
        configurable: true,
      });
      this.ws();
      const c = this.s[this.pos++];
      if (c === '}') return out;
      if (c !== ',') {
        this.pos--;
        return this.fail('expected , or }');
      }
    }
  }
}

/** Parses JSON text; numbers with more than 15 significant digits become JsonNumber. */
export function parseJsonExact(text: string): unknown {
  const p = new Parser(text);
  const v = p.value();
  p.ws();
  if (p.pos < text.length) p.fail('unexpected text after the value');
  return v;
}

/**
 * Parses one record's JSON. `exact` asks for JsonNumber where a double would round (long and
 * decimal columns); the fast V8 parser is used whenever the text cannot hold such a number.
 * Throws FloeError('input') with a short reason on invalid JSON.
 */
export function parseJsonRecord(raw: string, exact: boolean): unknown {
  if (exact && mayLosePrecision(raw)) return parseJsonExact(raw);
  try {
    return JSON.parse(raw) as unknown;
  } catch (err) {
    throw new FloeError('input', `invalid JSON: ${(err as Error).message}`);
  }
}
