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
import { parseJsonWith, type JsonParseOptions } from '../iceberg/spec/json.js';

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

const EXACT: JsonParseOptions<number | JsonNumber> = {
  number: (lit) => (countSignificantDigits(lit) > 15 ? new JsonNumber(lit) : Number(lit)),
  errorKind: 'input',
};

/** Parses JSON text; numbers with more than 15 significant digits become JsonNumber. */
export function parseJsonExact(text: string): unknown {
  return parseJsonWith(text, EXACT);
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
