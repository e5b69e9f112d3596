/**
 * Cuts an input's raw bytes into pieces that end on record boundaries, so each piece can be
 * decoded on its own (by a `floe load` worker thread) with the same result as decoding the whole
 * input. NDJSON ends a record at every line feed; CSV at a line feed outside quotes (RFC 4180
 * doubles a quote inside a quoted field, so the quote count's parity tells whether a position is
 * inside one). Bytes are enough: in UTF-8 no byte of a multi-byte character is below 0x80, so a
 * 0x0A or a 0x22 byte is always that ASCII character, and a cut after a line feed never splits a
 * character. Nothing is decoded or copied here (see `BytePiece.chunks`): the main thread of a
 * parallel load only looks for line feeds and quotes, with `indexOf` (memchr).
 *
 * Each piece carries the line it starts on (line feeds before it + 1, as the readers count
 * physical lines, CSV line breaks inside quotes included), so reasons and rejected rows name the
 * input's real lines.
 */
import { DEFAULT_MAX_RECORD_BYTES } from './record.js';

export type SplitFormat = 'csv' | 'ndjson';

export interface BytePiece {
  /**
   * The piece's bytes in order. Every chunk is the only view of its ArrayBuffer's bytes that is
   * still in use (the input's own chunk, or a copy of the smaller side of a chunk that a cut split;
   * input chunks that share a buffer are copied when pushed), so the buffers can be transferred
   * to another thread as they are.
   */
  readonly chunks: readonly Uint8Array[];
  readonly byteLength: number;
  /** 1-based line of the input on which the piece starts. */
  readonly firstLine: number;
}

export interface SplitterOptions {
  /** A piece is cut at the first record boundary after this many bytes (default 4 MiB). */
  readonly targetBytes?: number;
  /** CSV quote character, a single ASCII character (default `"`). */
  readonly quote?: string;
  /**
   * The readers' record size limit (default DEFAULT_MAX_RECORD_BYTES). A piece that finds no
   * boundary within 3x this many bytes past its target is handed on unfinished: the record in it
   * is then longer than the limit (≥ 1 UTF-16 unit per 3 bytes), so its decoder fails with the
   * same "larger than" error as a one-thread load, instead of this splitter holding, say, the
   * rest of a 10 GB file after a lost quote.
   */
  readonly maxRecordBytes?: number;
}

const LF = 0x0a;
const BOM = [0xef, 0xbb, 0xbf] as const;
const DEFAULT_TARGET_BYTES = 4 * 1024 * 1024;

/** Whether a view covers its whole ArrayBuffer (so transferring the buffer moves nothing else). */
function ownsBuffer(chunk: Uint8Array): boolean {
  return chunk.byteOffset === 0 && chunk.byteLength === chunk.buffer.byteLength;
}

/**
 * Whether chunk[at…] starts with a UTF-8 byte-order mark, or with a part of one that reaches the
 * chunk's end (then the next chunk would have to tell; such a cut is simply not taken).
 */
function mayStartWithBom(chunk: Uint8Array, at: number): boolean {
  for (let k = 0; k < 3; k++) {
    if (at + k >= chunk.byteLength) return true;
    if (chunk[at + k] !== BOM[k]) return false;
  }
  return true;
}

function copyOf(chunk: Uint8Array, from = 0, to = chunk.byteLength): Uint8Array {
  const copy = new Uint8Array(to - from);
  copy.set(chunk.subarray(from, to));
  return copy;
}

export class ByteSplitter {
  private readonly target: number;
  private readonly limit: number;
  private readonly quote: number;
  private readonly csv: boolean;
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  /** Line feeds in the pending bytes. */
  private pendingLines = 0;
  /** Whether the end of the pending bytes is inside a quoted CSV field. */
  private inQuote = false;
  private nextLine = 1;
  private largestChunk = 0;
  /**
   * The pending bytes end on a boundary past the target; the cut waits for the next bytes. No
   * piece but the first starts with a byte-order mark: the text decoder drops one at the start of
   * what it decodes, which is right only at the start of the input (elsewhere U+FEFF is data).
   */
  private cutAtEnd = false;

  constructor(format: SplitFormat, options: SplitterOptions = {}) {
    this.csv = format === 'csv';
    this.target = Math.max(1, options.targetBytes ?? DEFAULT_TARGET_BYTES);
    this.limit = this.target + 3 * (options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES);
    const quote = options.quote ?? '"';
    this.quote = quote.charCodeAt(0);
    if (quote.length !== 1 || this.quote >= 0x80) {
      // The CSV scanner rejects a longer quote itself; a non-ASCII one cannot be found bytewise.
      this.quote = -1;
    }
  }

  /** Whether this splitter can cut the given CSV dialect bytewise (a single ASCII quote). */
  get bytewise(): boolean {
    return !this.csv || this.quote !== -1;
  }

  /** Adds the input's next bytes; returns the pieces they complete (possibly none). */
  push(input: Uint8Array): BytePiece[] {
    if (input.byteLength === 0) return [];
    // A chunk sharing its buffer (gunzip output, pooled small buffers) is copied, once.
    let chunk = ownsBuffer(input) ? input : copyOf(input);
    this.largestChunk = Math.max(this.largestChunk, chunk.byteLength);
    const out: BytePiece[] = [];
    if (this.cutAtEnd) {
      this.cutAtEnd = false;
      if (!mayStartWithBom(chunk, 0)) out.push(this.take());
    }
    let pos = 0;
    while (pos < chunk.byteLength) {
      const have = this.pendingBytes + pos;
      if (have < this.target) {
        // Before the target nothing is cut: only lines and quote parity are tracked.
        const stop = Math.min(chunk.byteLength, pos + (this.target - have));
        this.scan(chunk, pos, stop);
        pos = stop;
        continue;
      }
      const nl = this.boundary(chunk, pos);
      if (nl === -1) break;
      const cut = nl + 1;
      if (cut === chunk.byteLength) {
        this.cutAtEnd = true;
        break;
      }
      if (mayStartWithBom(chunk, cut)) {
        pos = cut;
        continue;
      }
      // Cut: the smaller side is copied so each side owns a buffer of its own.
      let head: Uint8Array;
      if (cut <= chunk.byteLength - cut) {
        head = copyOf(chunk, 0, cut);
        chunk = chunk.subarray(cut);
      } else {
        head = chunk.subarray(0, cut);
        chunk = copyOf(chunk, cut);
      }
      this.keep(head);
      out.push(this.take());
      pos = 0;
    }
    this.keep(chunk);
    // Two chunks more than the limit: the decoder's size check runs between chunks, and must
    // see the oversized record before the piece's end.
    if (this.pendingBytes > this.limit + 2 * this.largestChunk && !this.cutAtEnd) out.push(this.take());
    return out;
  }

  /** The rest of the input as the last piece (undefined when nothing is left). */
  end(): BytePiece | undefined {
    this.cutAtEnd = false;
    return this.pendingBytes > 0 ? this.take() : undefined;
  }

  private keep(chunk: Uint8Array): void {
    if (chunk.byteLength === 0) return;
    this.pending.push(chunk);
    this.pendingBytes += chunk.byteLength;
  }

  private take(): BytePiece {
    const piece = { chunks: this.pending, byteLength: this.pendingBytes, firstLine: this.nextLine };
    this.nextLine += this.pendingLines;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingLines = 0;
    return piece;
  }

  /** Counts line feeds, and for CSV flips the quote parity at every quote, in chunk[from, to). */
  private scan(chunk: Uint8Array, from: number, to: number): void {
    this.pendingLines += countByte(chunk, LF, from, to);
    if (this.csv && this.quote !== -1 && countByte(chunk, this.quote, from, to) % 2 === 1) {
      this.inQuote = !this.inQuote;
    }
  }

  /**
   * The first record-ending line feed at or after `from`, or -1; the bytes up to it (or to the
   * end of the chunk) are counted.
   */
  private boundary(chunk: Uint8Array, from: number): number {
    const end = chunk.byteLength;
    if (!this.csv || this.quote === -1) {
      const nl = chunk.indexOf(LF, from);
      if (nl !== -1) this.pendingLines++;
      return nl;
    }
    let i = from;
    let nl = -2; // not looked for yet
    for (;;) {
      if (this.inQuote) {
        const q = chunk.indexOf(this.quote, i);
        // Line feeds inside the quoted field are lines, not boundaries.
        this.pendingLines += countByte(chunk, LF, i, q === -1 ? end : q);
        if (q === -1) return -1;
        this.inQuote = false;
        i = q + 1;
        continue;
      }
      if (nl !== -1 && nl < i) nl = chunk.indexOf(LF, i);
      if (nl === -1) {
        // No boundary in this chunk: only the parity of the quotes left matters.
        if (countByte(chunk, this.quote, i, end) % 2 === 1) this.inQuote = true;
        return -1;
      }
      const q = chunk.indexOf(this.quote, i);
      if (q === -1 || q > nl) {
        this.pendingLines++;
        return nl;
      }
      // A quote before the line feed opens a field that may run past it.
      this.inQuote = true;
      i = q + 1;
    }
  }
}

/** Occurrences of `byte` in chunk[from, to). */
export function countByte(chunk: Uint8Array, byte: number, from = 0, to = chunk.byteLength): number {
  let n = 0;
  for (let i = chunk.indexOf(byte, from); i !== -1 && i < to; i = chunk.indexOf(byte, i + 1)) n++;
  return n;
}
