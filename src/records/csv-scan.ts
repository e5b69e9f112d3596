/**
 * A synchronous, chunk-at-a-time CSV tokenizer (RFC 4180). It replaced csv-parse on the load
 * path because csv-parse's per-record stream/async-iterator machinery and per-field Buffer
 * decoding cost ~10x more CPU than the scanning itself (numbers in BENCHMARKS.md); csv-parse
 * stays in the tests as the reference this scanner must agree with (csv-scan.test.ts).
 *
 * Text in: chunks of decoded text. Records out: for each complete record, one call to
 * `target.record(cells, count, line, text, start, end)` with a REUSED cells array (valid up to
 * `count`, valid only during the call), the 1-based line the record starts on, and the record's
 * source range `text.slice(start, end)` (without its line terminator), so the raw text is only
 * materialised when someone needs it (a rejected row).
 *
 * Dialect: quoted fields with doubled quotes inside, newlines inside quotes, LF or CRLF record
 * terminators (in any mix; a bare CR is data, not a terminator), a leading BOM skipped, custom
 * single-character delimiter and quote. A quote in the middle of an unquoted field, or anything
 * but a delimiter or line end after a closing quote, is a fatal FloeError('input') naming the
 * line: after a broken quote the record boundaries are unknowable, so guessing would shift every
 * later row. Differences from csv-parse (which auto-detects one terminator from the first line):
 * a file mixing LF and CRLF lines is read as the lines a human sees.
 */
import { FloeError } from '../errors.js';
import { DEFAULT_MAX_RECORD_BYTES } from './record.js';

export interface CsvScanOptions {
  delimiter?: string;
  quote?: string;
  /** Name used in error messages. */
  name?: string;
  /** A record longer than this (in UTF-16 units, ~bytes) is an error: a lost quote must not eat all memory. */
  maxRecordBytes?: number;
  /**
   * The input is a piece of a larger one that starts at this line (1-based), on a record
   * boundary: line numbers count from it, and no byte-order mark is looked for.
   */
  firstLine?: number;
}

export interface CsvScanTarget {
  record(cells: string[], count: number, line: number, text: string, start: number, end: number): void;
}

const LF = 10;
const CR = 13;

export class CsvScanner {
  /** Line on which the next record starts (1-based). */
  line = 1;
  readonly name: string;
  private readonly d: number;
  private readonly q: number;
  private readonly quoteChar: string;
  private readonly delimiterChar: string;
  private readonly max: number;
  private readonly cells: string[] = [];
  /** Text of an incomplete record at the end of the previous chunk(s). */
  private carry: string[] = [];
  private carryLength = 0;
  /** Quote parity at the end of the carry. */
  private carryInQuote = false;
  private started = false;

  constructor(options: CsvScanOptions = {}) {
    if (options.firstLine !== undefined) {
      this.line = options.firstLine;
      this.started = options.firstLine > 1;
    }
    const delimiter = options.delimiter ?? ',';
    const quote = options.quote ?? '"';
    if (delimiter.length !== 1 || quote.length !== 1) {
      throw new FloeError('usage', 'the CSV delimiter and quote must be single characters');
    }
    if (delimiter === quote) throw new FloeError('usage', 'the CSV delimiter and quote must differ');
    this.d = delimiter.charCodeAt(0);
    this.q = quote.charCodeAt(0);
    if (this.d === LF || this.d === CR || this.q === LF || this.q === CR) {
      throw new FloeError('usage', 'the CSV delimiter and quote cannot be line breaks');
    }
    this.quoteChar = quote;
    this.delimiterChar = delimiter;
    this.name = options.name ?? 'input';
    this.max = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES;
  }

  /**
   * Scans the next piece of text. Complete records go to `target`; an incomplete last record is
   * kept for the next call. `final` marks the end of input: the rest is the last record.
   */
  push(chunk: string, final: boolean, target: CsvScanTarget): void {
    if (!this.started && chunk.length > 0) {
      this.started = true;
      if (chunk.charCodeAt(0) === 0xfeff) chunk = chunk.slice(1);
    }
    let from = 0;
    if (this.carryLength > 0) {
      // Finish the carried record with as little of this chunk as needed: joining whole chunks
      // would copy every chunk once more, and the field strings would keep both copies alive.
      const end = this.carriedRecordEnd(chunk);
      if (end === -1 && !final) {
        this.carry.push(chunk);
        this.carryLength += chunk.length;
        if (this.carryLength > this.max) this.tooLarge();
        return;
      }
      from = end === -1 ? chunk.length : end + 1;
      this.carry.push(from === chunk.length ? chunk : chunk.slice(0, from));
      const piece = this.carry.join('');
      this.carry = [];
      this.carryLength = 0;
      const last = final && from === chunk.length;
      const rest = this.scan(piece, 0, last, target);
      if (rest < piece.length) {
        // Quote parity misjudged the end (only possible around broken quoting, which the full
        // scan reports): fall back to scanning the rest in one piece.
        chunk = piece.slice(rest) + chunk.slice(from);
        from = 0;
      }
    }
    const rest = this.scan(chunk, from, final, target);
    if (rest < chunk.length) {
      const tail = chunk.slice(rest);
      this.carry = [tail];
      this.carryLength = tail.length;
      if (this.carryLength > this.max) this.tooLarge();
      this.carryInQuote = quoteParity(tail, this.q);
    }
  }

  /**
   * Where the carried record ends in `chunk`: its first LF outside quotes (by quote parity,
   * continuing from the carry's), or -1 (then the parity is kept for the next chunk).
   */
  private carriedRecordEnd(chunk: string): number {
    let inQuote = this.carryInQuote;
    const q = this.q;
    for (let i = 0; i < chunk.length; i++) {
      const c = chunk.charCodeAt(i);
      if (c === q) inQuote = !inQuote;
      else if (c === LF && !inQuote) return i;
    }
    this.carryInQuote = inQuote;
    return -1;
  }

  private tooLarge(): never {
    throw new FloeError(
      'input',
      `${this.name}: the record at line ${this.line} is larger than ${this.max} bytes`,
    );
  }

  /**
   * Emits every complete record of `s`; returns where the incomplete rest begins (s.length when
   * none). `this.line` always names the line of the next record.
   */
  private scan(s: string, from: number, final: boolean, target: CsvScanTarget): number {
    const len = s.length;
    const d = this.d;
    const q = this.q;
    const delimiterChar = this.delimiterChar;
    const quoteChar = this.quoteChar;
    const cells = this.cells;
    let p = from;
    let line = this.line;
    let nextQuote = -1; // the first quote at or after p (len: none)
    records: while (p < len) {
      const recStart = p;
      const recLine = line;
      const lf = s.indexOf('\n', p);
      if (lf === -1 && !final) {
        this.line = recLine;
        return recStart;
      }
      if (nextQuote < p) {
        nextQuote = s.indexOf(quoteChar, p);
        if (nextQuote === -1) nextQuote = len;
      }
      if (lf === -1 ? nextQuote === len : lf < nextQuote) {
        // Fast path, a record without quotes: split with indexOf (a vectorised search) rather
        // than char by char.
        const stop = lf === -1 ? len : lf;
        const end = stop > p && s.charCodeAt(stop - 1) === CR ? stop - 1 : stop;
        let n = 0;
        let f = p;
        for (;;) {
          const k = s.indexOf(delimiterChar, f);
          if (k === -1 || k >= end) {
            cells[n++] = s.slice(f, end);
            break;
          }
          cells[n++] = s.slice(f, k);
          f = k + 1;
        }
        if (end - recStart > this.max) {
          this.line = recLine;
          this.tooLarge();
        }
        if (lf === -1) p = len;
        else {
          p = lf + 1;
          line++;
        }
        this.line = line;
        target.record(cells, n, recLine, s, recStart, end);
        continue;
      }
      let n = 0;
      let end: number; // end of the record's text, before its terminator
      fields: for (;;) {
        if (p < len && s.charCodeAt(p) === q) {
          // Quoted field: up to the next quote that is not doubled.
          let i = p + 1;
          let from = i;
          let value = '';
          for (;;) {
            let c = 0;
            while (i < len) {
              c = s.charCodeAt(i);
              if (c === q) break;
              if (c === LF) line++;
              i++;
            }
            if (i >= len) {
              if (final) {
                throw new FloeError(
                  'input',
                  `${this.name}: malformed CSV: a quote opened in the record at line ${recLine} is never closed`,
                );
              }
              this.line = recLine;
              return recStart;
            }
            // s[i] is a quote: doubled, or the end of the field.
            const next = i + 1 < len ? s.charCodeAt(i + 1) : -1;
            if (next === q) {
              value += s.slice(from, i + 1);
              i += 2;
              from = i;
              continue;
            }
            cells[n++] = from === p + 1 ? s.slice(from, i) : value + s.slice(from, i);
            if (next === d) {
              p = i + 2;
              continue fields;
            }
            if (next === LF) {
              end = i + 1;
              p = i + 2;
              line++;
              break fields;
            }
            if (next === CR && i + 2 < len && s.charCodeAt(i + 2) === LF) {
              end = i + 1;
              p = i + 3;
              line++;
              break fields;
            }
            if (next === -1 || (next === CR && i + 2 >= len)) {
              // The text ends right after the quote (or after a CR that may start a CRLF).
              if (!final) {
                this.line = recLine;
                return recStart;
              }
              // A CR at the very end is a cut-off CRLF, not data.
              end = i + 1;
              p = len;
              break fields;
            }
            throw new FloeError(
              'input',
              `${this.name}: malformed CSV at line ${line}: Invalid Closing Quote: got ${JSON.stringify(String.fromCharCode(next))} after the closing quote of field ${n} instead of a delimiter or the end of the line`,
            );
          }
        }
        // Unquoted field: up to the delimiter or LF; a quote inside is an error.
        let i = p;
        let c = -1;
        while (i < len) {
          c = s.charCodeAt(i);
          if (c === d || c === LF) break;
          if (c === q) {
            throw new FloeError(
              'input',
              `${this.name}: malformed CSV at line ${line}: Invalid Opening Quote: a ${this.quoteChar} in the middle of unquoted field ${n + 1}`,
            );
          }
          i++;
        }
        if (i >= len) {
          if (!final) {
            this.line = recLine;
            return recStart;
          }
          // The last record, without a terminator (a CR at the very end is a cut-off CRLF).
          end = len > p && s.charCodeAt(len - 1) === CR ? len - 1 : len;
          cells[n++] = s.slice(p, end);
          p = len;
          break fields;
        }
        if (c === d) {
          cells[n++] = s.slice(p, i);
          p = i + 1;
          continue fields;
        }
        // LF: the record ends; a CR before it belongs to the terminator.
        end = i > p && s.charCodeAt(i - 1) === CR ? i - 1 : i;
        cells[n++] = s.slice(p, end);
        p = i + 1;
        line++;
        break fields;
      }
      if (end - recStart > this.max) {
        this.line = recLine;
        this.tooLarge();
      }
      this.line = line;
      target.record(cells, n, recLine, s, recStart, end);
      continue records;
    }
    this.line = line;
    return len;
  }
}

function quoteParity(s: string, q: number): boolean {
  let inQuote = false;
  for (let i = 0; i < s.length; i++) if (s.charCodeAt(i) === q) inQuote = !inQuote;
  return inQuote;
}
