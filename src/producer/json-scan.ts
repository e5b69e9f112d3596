/**
 * A validating JSON scanner for the producer's hot path: it says whether a text is one JSON
 * object (RFC 8259, as strict as JSON.parse), whether it has whitespace to remove, and where the
 * value of one top-level field is, without building any values. The producer sends the text as
 * written, so parsing it into objects (and collecting them again) was most of its CPU.
 *
 * Contract: `object()` returning true implies JSON.parse accepts the text and yields an object.
 * False means "not sure": the caller falls back to JSON.parse, which gives the verdict and the
 * error message. (Very deep nesting also answers false rather than risk the stack.)
 */

const MAX_DEPTH = 512;
/** The rest of a string without escapes or control characters, and its closing quote. */
// eslint-disable-next-line no-control-regex -- control characters end a plain string run
const PLAIN_STRING = /[^"\\\x00-\x1f]*"/y;

/** A backslash or a control character anywhere: strings need the full check. */
// eslint-disable-next-line no-control-regex -- control characters are what it looks for
const NEEDS_CHECK = /[\x00-\x1f\\]/;

function isHex(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 70) || (c >= 97 && c <= 102);
}

export class JsonObjectScanner {
  private s = '';
  private i = 0;
  private depth = 0;
  /** Whether the last string scanned had an escape. */
  private escaped = false;
  /**
   * The text has no backslash and no control character, so every string runs to the next quote
   * (found by indexOf, which searches natively) and has no escape. Checked once per text: a
   * regular expression per string cost more than the rest of the scan.
   */
  private plain = false;
  private field: string | undefined;
  /** Whitespace outside strings was seen: the text is not compact. */
  spaced = false;
  /** Span of the last top-level value named `field` (-1: no such field). */
  valueStart = -1;
  valueEnd = -1;

  /** Whether `s` is exactly one JSON object (surrounding whitespace allowed). */
  object(s: string, field?: string): boolean {
    this.s = s;
    this.i = 0;
    this.depth = 0;
    this.spaced = false;
    this.valueStart = -1;
    this.valueEnd = -1;
    this.field = field;
    this.plain = !NEEDS_CHECK.test(s);
    this.ws();
    if (s.charCodeAt(this.i) !== 123 || !this.obj(true)) return false;
    this.ws();
    return this.i === s.length;
  }

  private ws(): void {
    const s = this.s;
    let i = this.i;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 10 || c === 13 || c === 9) i++;
      else break;
    }
    if (i !== this.i) {
      this.spaced = true;
      this.i = i;
    }
  }

  private value(): boolean {
    const c = this.s.charCodeAt(this.i);
    if (c === 34) return this.str();
    if (c === 123) return this.obj(false);
    if (c === 91) return this.arr();
    if (c === 45 || (c >= 48 && c <= 57)) return this.num();
    if (c === 116) return this.word('true');
    if (c === 102) return this.word('false');
    if (c === 110) return this.word('null');
    return false;
  }

  private word(w: string): boolean {
    if (!this.s.startsWith(w, this.i)) return false;
    this.i += w.length;
    return true;
  }

  private str(): boolean {
    const s = this.s;
    if (this.plain) {
      const end = s.indexOf('"', this.i + 1);
      if (end < 0) return false;
      this.i = end + 1;
      this.escaped = false;
      return true;
    }
    // Most strings have no escapes: one native regex run to the closing quote.
    PLAIN_STRING.lastIndex = this.i + 1;
    if (PLAIN_STRING.test(s)) {
      this.i = PLAIN_STRING.lastIndex;
      this.escaped = false;
      return true;
    }
    let i = this.i + 1;
    this.escaped = false;
    for (;;) {
      const c = s.charCodeAt(i);
      if (c === 34) {
        this.i = i + 1;
        return true;
      }
      if (c === 92) {
        this.escaped = true;
        const e = s.charCodeAt(i + 1);
        if (e === 117) {
          if (
            !isHex(s.charCodeAt(i + 2)) ||
            !isHex(s.charCodeAt(i + 3)) ||
            !isHex(s.charCodeAt(i + 4)) ||
            !isHex(s.charCodeAt(i + 5))
          )
            return false;
          i += 6;
        } else if (
          e === 34 ||
          e === 92 ||
          e === 47 ||
          e === 98 ||
          e === 102 ||
          e === 110 ||
          e === 114 ||
          e === 116
        ) {
          i += 2;
        } else return false;
      } else if (c < 32 || c !== c) {
        // A control character, or the end of the text (NaN) inside a string.
        return false;
      } else i++;
    }
  }

  private digits(): boolean {
    const s = this.s;
    const from = this.i;
    let c = s.charCodeAt(this.i);
    while (c >= 48 && c <= 57) c = s.charCodeAt(++this.i);
    return this.i > from;
  }

  private num(): boolean {
    const s = this.s;
    if (s.charCodeAt(this.i) === 45) this.i++;
    const c = s.charCodeAt(this.i);
    if (c === 48) this.i++;
    else if (c >= 49 && c <= 57) this.digits();
    else return false;
    if (s.charCodeAt(this.i) === 46) {
      this.i++;
      if (!this.digits()) return false;
    }
    const e = s.charCodeAt(this.i);
    if (e === 101 || e === 69) {
      this.i++;
      const sign = s.charCodeAt(this.i);
      if (sign === 43 || sign === 45) this.i++;
      if (!this.digits()) return false;
    }
    return true;
  }

  private obj(top: boolean): boolean {
    if (++this.depth > MAX_DEPTH) return false;
    const s = this.s;
    this.i++;
    this.ws();
    if (s.charCodeAt(this.i) === 125) {
      this.i++;
      this.depth--;
      return true;
    }
    const field = top ? this.field : undefined;
    for (;;) {
      if (s.charCodeAt(this.i) !== 34) return false;
      const keyStart = this.i;
      if (!this.str()) return false;
      const keyEnd = this.i;
      const keyEscaped = this.escaped;
      this.ws();
      if (s.charCodeAt(this.i) !== 58) return false;
      this.i++;
      this.ws();
      const valueStart = this.i;
      if (!this.value()) return false;
      if (field !== undefined && this.keyIs(field, keyStart, keyEnd, keyEscaped)) {
        // Last one wins, as with JSON.parse.
        this.valueStart = valueStart;
        this.valueEnd = this.i;
      }
      this.ws();
      const c = s.charCodeAt(this.i);
      if (c === 44) {
        this.i++;
        this.ws();
      } else if (c === 125) {
        this.i++;
        this.depth--;
        return true;
      } else return false;
    }
  }

  private keyIs(field: string, start: number, end: number, escaped: boolean): boolean {
    if (!escaped) return end - start - 2 === field.length && this.s.startsWith(field, start + 1);
    return JSON.parse(this.s.slice(start, end)) === field;
  }

  private arr(): boolean {
    if (++this.depth > MAX_DEPTH) return false;
    const s = this.s;
    this.i++;
    this.ws();
    if (s.charCodeAt(this.i) === 93) {
      this.i++;
      this.depth--;
      return true;
    }
    for (;;) {
      if (!this.value()) return false;
      this.ws();
      const c = s.charCodeAt(this.i);
      if (c === 44) {
        this.i++;
        this.ws();
      } else if (c === 93) {
        this.i++;
        this.depth--;
        return true;
      } else return false;
    }
  }
}

/**
 * The partition key text of a scanned field value (`text` is valid JSON): a string as is, a
 * number as its parsed value's text (as `String(JSON.parse(text))`), a boolean as written; for
 * null, arrays and objects, a description of what it is instead (`{ not: … }`).
 */
export function scalarKeyText(text: string): string | { not: string } {
  const c = text.charCodeAt(0);
  if (c === 34) return text.includes('\\') ? (JSON.parse(text) as string) : text.slice(1, -1);
  if (c === 116 || c === 102) return text;
  if (c === 110) return { not: 'null' };
  if (c === 123) return { not: 'an object' };
  if (c === 91) return { not: 'an array' };
  return String(Number(text));
}
