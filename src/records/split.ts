/**
 * Cuts a stream of text into pieces that end on record boundaries, so each piece can be decoded
 * on its own (by a worker thread) with the same result as decoding the whole input: NDJSON ends
 * a record at every line feed; CSV at a line feed outside quotes (RFC 4180 doubles a quote inside
 * a quoted field, so the quote count's parity tells whether a position is inside one). Each
 * piece carries the line it starts on, so reasons and rejected rows name the input's real lines.
 */
export type SplitFormat = 'csv' | 'ndjson';

export interface TextPiece {
  readonly text: string;
  /** 1-based line of the input on which the piece starts. */
  readonly firstLine: number;
}

export interface SplitterOptions {
  /** A piece is cut at the first record boundary after this many characters (default 4 Mi). */
  readonly targetChars?: number;
  /** CSV quote character (default `"`). */
  readonly quote?: string;
}

export class RecordSplitter {
  private readonly target: number;
  private readonly quote: number;
  private pending: string[] = [];
  private pendingLength = 0;
  /** Whether the end of the pending text is inside a quoted CSV field. */
  private inQuote = false;
  private nextLine = 1;

  constructor(
    private readonly format: SplitFormat,
    options: SplitterOptions = {},
  ) {
    this.target = options.targetChars ?? 4 * 1024 * 1024;
    this.quote = (options.quote ?? '"').charCodeAt(0);
  }

  /** Adds text; returns the pieces completed by it (possibly none). */
  push(text: string): TextPiece[] {
    if (text.length === 0) return [];
    const out: TextPiece[] = [];
    let from = 0;
    // Scan only what can end a piece: positions before the target is reached carry no cut.
    while (from < text.length) {
      const need = Math.max(0, this.target - this.pendingLength);
      const scanFrom = Math.min(text.length, from + need);
      if (this.format === 'csv') this.trackQuotes(text, from, scanFrom);
      if (scanFrom >= text.length) {
        this.keep(from === 0 ? text : text.slice(from));
        return out;
      }
      const cut = this.boundaryFrom(text, scanFrom);
      if (cut === -1) {
        this.keep(from === 0 ? text : text.slice(from));
        return out;
      }
      this.keep(text.slice(from, cut + 1));
      out.push(this.take());
      from = cut + 1;
    }
    return out;
  }

  /** The rest of the input as the last piece (undefined when nothing is left). */
  end(): TextPiece | undefined {
    return this.pendingLength > 0 ? this.take() : undefined;
  }

  private keep(s: string): void {
    if (s.length === 0) return;
    this.pending.push(s);
    this.pendingLength += s.length;
  }

  private take(): TextPiece {
    const text = this.pending.length === 1 ? (this.pending[0] as string) : this.pending.join('');
    this.pending = [];
    this.pendingLength = 0;
    const piece = { text, firstLine: this.nextLine };
    this.nextLine += countLineFeeds(text);
    return piece;
  }

  /** Updates the quote parity over text[from, to). */
  private trackQuotes(text: string, from: number, to: number): void {
    const q = String.fromCharCode(this.quote);
    let i = text.indexOf(q, from);
    while (i !== -1 && i < to) {
      this.inQuote = !this.inQuote;
      i = text.indexOf(q, i + 1);
    }
  }

  /** The first record-ending line feed at or after `from` (tracking quotes up to it), or -1. */
  private boundaryFrom(text: string, from: number): number {
    if (this.format === 'ndjson') return text.indexOf('\n', from);
    let i = from;
    for (;;) {
      const nl = text.indexOf('\n', i);
      if (!this.inQuote) {
        if (nl === -1) {
          this.trackQuotes(text, i, text.length);
          return -1;
        }
        // A quote before the line feed opens a field that may run past it.
        const q = text.indexOf(String.fromCharCode(this.quote), i);
        if (q === -1 || q > nl) return nl;
        this.inQuote = true;
        i = q + 1;
      } else {
        const q = text.indexOf(String.fromCharCode(this.quote), i);
        if (q === -1) return -1;
        this.inQuote = false;
        i = q + 1;
      }
    }
  }
}

export function countLineFeeds(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}
