import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodePiece } from '../load/piece.js';
import { RecordCollector } from './collector.js';
import type { SourceRecord } from './record.js';
import { ByteSplitter, countByte, type BytePiece, type SplitFormat } from './split.js';

const utf8 = new TextEncoder();

/**
 * Cuts `bytes` into chunks at the given fractions, as a stream would deliver them: a chunk may
 * end inside a UTF-8 character; `owned[i]` says whether chunk i has a buffer of its own (file
 * reads) or is a view into one shared buffer (gunzip output), which the splitter must copy.
 */
function chunked(bytes: Uint8Array, cuts: readonly number[], owned: readonly boolean[]): Uint8Array[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * bytes.length)))].sort((a, b) => a - b);
  const shared = bytes.slice();
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const c of [...at, bytes.length]) {
    out.push(owned[out.length] ? bytes.slice(prev, c) : shared.subarray(prev, c));
    prev = c;
  }
  return out;
}

function split(format: SplitFormat, chunks: readonly Uint8Array[], targetBytes: number): BytePiece[] {
  const s = new ByteSplitter(format, { targetBytes });
  const pieces = chunks.flatMap((c) => s.push(c));
  const last = s.end();
  return last ? [...pieces, last] : pieces;
}

/**
 * Moves each piece to a "worker" as the load does: a structured clone that TRANSFERS the chunks'
 * buffers. A buffer listed twice, or shared with a later piece, breaks the clone or the later
 * piece (transferring detaches it), so this also proves the pieces own their buffers.
 */
function transferred(pieces: readonly BytePiece[]): BytePiece[] {
  return pieces.map((p) => {
    const chunks = structuredClone(p.chunks, { transfer: p.chunks.map((c) => c.buffer as ArrayBuffer) });
    return { ...p, chunks };
  });
}

/** Decodes the whole input in one go, as a one-thread load does. */
async function whole(format: SplitFormat, chunks: readonly Uint8Array[]): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  await decodePiece(chunks, { format, name: 'in', firstLine: 1 }, new RecordCollector(out));
  return out;
}

/** Decodes each piece on its own, as the load workers do. */
async function inPieces(format: SplitFormat, pieces: readonly BytePiece[]): Promise<SourceRecord[]> {
  const out: SourceRecord[] = [];
  let header: readonly string[] | undefined;
  for (const p of pieces) {
    const o = { format, name: 'in', firstLine: p.firstLine, ...(header ? { header } : {}) };
    const read = await decodePiece(p.chunks, o, new RecordCollector(out));
    header ??= read;
  }
  return out;
}

const plain = (records: readonly SourceRecord[]) =>
  records.map((r) => (r.kind === 'csv' ? { line: r.line, cells: r.cells, raw: r.raw } : r));

function concat(chunks: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

/** Pieces hold the input's bytes in order, cut after line feeds, each starting on its line. */
function checkPieces(bytes: Uint8Array, pieces: readonly BytePiece[]): void {
  expect(concat(pieces.flatMap((p) => p.chunks))).toEqual(bytes);
  let line = 1;
  for (const [i, p] of pieces.entries()) {
    const b = concat(p.chunks);
    expect(b.byteLength).toBe(p.byteLength);
    expect(p.firstLine).toBe(line);
    line += countByte(b, 0x0a);
    if (i < pieces.length - 1) expect(b[b.byteLength - 1]).toBe(0x0a);
    if (i > 0) expect([...b.subarray(0, 3)]).not.toEqual([0xef, 0xbb, 0xbf]);
  }
}

// Cells drawn from what matters to CSV framing and to UTF-8: quotes (doubled inside quoted
// fields), delimiters, LF and CRLF inside fields, 2-, 3- and 4-byte characters, and U+FEFF, which
// starts a line now and then and must stay data there (only the input's first BOM is dropped).
const cell = fc
  .array(fc.constantFrom('a', 'b', ',', '"', '\n', '\r\n', ' ', 'é', '€', '😀', '\uFEFF'), { maxLength: 6 })
  .map((cs) => cs.join(''));
const quoteCell = (c: string) => (/[",\n\r]/.test(c) || c === '' ? `"${c.replaceAll('"', '""')}"` : c);
const csvText = fc
  .tuple(
    fc.array(fc.tuple(fc.array(cell, { minLength: 3, maxLength: 3 }), fc.boolean()), {
      minLength: 1,
      maxLength: 30,
    }),
    fc.boolean(),
    fc.boolean(),
  )
  .map(
    ([rows, bom, lastEnds]) =>
      (bom ? '\uFEFF' : '') +
      'h1,h2,h3\n' +
      rows
        .map(([r, crlf]) => r.map(quoteCell).join(',') + (crlf ? '\r\n' : '\n'))
        .join('')
        .slice(0, lastEnds ? undefined : -1),
  );
const cuts = fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 8 });
const owned = fc.array(fc.boolean(), { minLength: 9, maxLength: 9 });

describe('ByteSplitter', () => {
  it('CSV pieces decode to the same records, lines and raw text as the whole input', async () => {
    await fc.assert(
      fc.asyncProperty(
        csvText,
        cuts,
        owned,
        fc.integer({ min: 1, max: 60 }),
        async (text, at, own, target) => {
          const bytes = utf8.encode(text);
          const pieces = split('csv', chunked(bytes, at, own), target);
          checkPieces(bytes, pieces);
          const expected = plain(await whole('csv', [bytes]));
          expect(plain(await inPieces('csv', transferred(pieces)))).toEqual(expected);
        },
      ),
      { numRuns: 400 },
    );
  });

  it('NDJSON pieces decode to the same records and lines as the whole input', async () => {
    const line = fc.oneof(
      fc.jsonValue().map((v) => JSON.stringify({ v })),
      fc.string({ unit: 'grapheme', maxLength: 8 }).map((s) => JSON.stringify({ s })),
      fc.constantFrom('', '  ', '\uFEFF{"bom":1}', '{"x":"€😀"}\r'),
    );
    await fc.assert(
      fc.asyncProperty(
        fc.array(line, { minLength: 1, maxLength: 30 }),
        fc.boolean(),
        cuts,
        owned,
        fc.integer({ min: 1, max: 200 }),
        async (lines, bom, at, own, target) => {
          const bytes = utf8.encode((bom ? '\uFEFF' : '') + lines.join('\n'));
          const pieces = split('ndjson', chunked(bytes, at, own), target);
          checkPieces(bytes, pieces);
          const expected = await whole('ndjson', [bytes]);
          expect(await inPieces('ndjson', transferred(pieces))).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('cuts only once the target size is reached, never inside a quoted field', () => {
    const rows = Array.from({ length: 100 }, (_, i) => `${i},"two\nlines ""${i}""",x`);
    const bytes = utf8.encode(`a,b,c\n${rows.join('\n')}\n`);
    const pieces = split('csv', [bytes], 100);
    expect(pieces.length).toBeGreaterThan(5);
    for (const p of pieces.slice(0, -1)) expect(p.byteLength).toBeGreaterThanOrEqual(100);
    // Every piece starts with a whole record: its first line is odd (records take two lines).
    for (const p of pieces.slice(1)) expect(p.firstLine % 2).toBe(0);
  });

  it('does not hold a lost quote to the end of the input: the record in it is too large', async () => {
    const max = 1000;
    const bytes = utf8.encode('a,b\n1,"never closed\n' + 'x,y\n'.repeat(5000));
    const s = new ByteSplitter('csv', { targetBytes: 100, maxRecordBytes: max });
    const pieces = chunked(bytes, [0.2, 0.4, 0.6, 0.8], [true, true, true, true, true]).flatMap((c) =>
      s.push(c),
    );
    expect(pieces.length).toBeGreaterThan(0);
    expect(pieces[0]?.byteLength).toBeLessThan(100 + 3 * max + 3 * (bytes.length / 5) + 1);
    const o = { format: 'csv' as const, name: 'in', firstLine: 1, maxRecordBytes: max };
    const oneThread = decodePiece([bytes], o, new RecordCollector([]));
    await expect(oneThread).rejects.toThrow('in: the record at line 2 is larger than 1000 bytes');
    await expect(decodePiece(pieces[0]?.chunks ?? [], o, new RecordCollector([]))).rejects.toThrow(
      'in: the record at line 2 is larger than 1000 bytes',
    );
  });

  it('knows when a CSV quote cannot be found bytewise', () => {
    expect(new ByteSplitter('csv').bytewise).toBe(true);
    expect(new ByteSplitter('csv', { quote: "'" }).bytewise).toBe(true);
    expect(new ByteSplitter('csv', { quote: '«' }).bytewise).toBe(false);
    expect(new ByteSplitter('ndjson', { quote: '«' }).bytewise).toBe(true);
  });
});
