import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordCollector } from './collector.js';
import { CsvReader } from './csv.js';
import { NdjsonReader } from './json.js';
import type { SourceRecord } from './record.js';
import { countLineFeeds, RecordSplitter, type SplitFormat, type TextPiece } from './split.js';

function split(format: SplitFormat, chunks: readonly string[], targetChars: number): TextPiece[] {
  const s = new RecordSplitter(format, { targetChars });
  const pieces = chunks.flatMap((c) => s.push(c));
  const last = s.end();
  return last ? [...pieces, last] : pieces;
}

function csvWhole(text: string): SourceRecord[] {
  const out: SourceRecord[] = [];
  const r = new CsvReader();
  r.push(text, true, new RecordCollector(out));
  return out;
}

/** Decodes each piece on its own, as the load workers do. */
function csvPieces(pieces: readonly TextPiece[]): SourceRecord[] {
  const out: SourceRecord[] = [];
  let header: readonly string[] | undefined;
  for (const p of pieces) {
    const r = new CsvReader({ firstLine: p.firstLine, ...(header ? { header } : {}) });
    r.push(p.text, true, new RecordCollector(out));
    header ??= r.header;
  }
  return out;
}

const plain = (records: readonly SourceRecord[]) =>
  records.map((r) => (r.kind === 'csv' ? { line: r.line, cells: r.cells, raw: r.raw } : r));

// Cells drawn from characters that matter to CSV framing.
const cell = fc
  .array(fc.constantFrom('a', 'b', ',', '"', '\n', '\r\n', ' ', 'é'), { maxLength: 6 })
  .map((cs) => cs.join(''));
const quoteCell = (c: string) => (/[",\n\r]/.test(c) || c === '' ? `"${c.replaceAll('"', '""')}"` : c);
const csvText = fc
  .array(fc.array(cell, { minLength: 3, maxLength: 3 }), { minLength: 1, maxLength: 30 })
  .map((rows) => ['h1,h2,h3', ...rows.map((r) => r.map(quoteCell).join(','))].join('\n') + '\n');

/** Cuts text into chunks at the given fractions. */
function chunked(text: string, cuts: readonly number[]): string[] {
  const at = [...new Set(cuts.map((c) => Math.floor(c * text.length)))].sort((a, b) => a - b);
  const out: string[] = [];
  let prev = 0;
  for (const c of at) {
    out.push(text.slice(prev, c));
    prev = c;
  }
  out.push(text.slice(prev));
  return out;
}

describe('RecordSplitter', () => {
  it('CSV pieces decode to the same records, lines and raw text as the whole input', () => {
    fc.assert(
      fc.property(
        csvText,
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 40 }),
        (text, cuts, target) => {
          const pieces = split('csv', chunked(text, cuts), target);
          expect(pieces.map((p) => p.text).join('')).toBe(text);
          let line = 1;
          for (const [i, p] of pieces.entries()) {
            expect(p.firstLine).toBe(line);
            line += countLineFeeds(p.text);
            if (i < pieces.length - 1) expect(p.text.endsWith('\n')).toBe(true);
          }
          expect(plain(csvPieces(pieces))).toEqual(plain(csvWhole(text)));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('NDJSON pieces end at line feeds and keep line numbers', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.jsonValue().map((v) => JSON.stringify({ v })),
          { minLength: 1, maxLength: 30 },
        ),
        fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 6 }),
        fc.integer({ min: 1, max: 200 }),
        (lines, cuts, target) => {
          const text = lines.join('\n');
          const pieces = split('ndjson', chunked(text, cuts), target);
          expect(pieces.map((p) => p.text).join('')).toBe(text);
          const whole: SourceRecord[] = [];
          new NdjsonReader().push(text, true, new RecordCollector(whole));
          const parts: SourceRecord[] = [];
          for (const p of pieces) {
            new NdjsonReader({ firstLine: p.firstLine }).push(p.text, true, new RecordCollector(parts));
          }
          expect(parts).toEqual(whole);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('a piece is cut only once the target size is reached', () => {
    const text = Array.from({ length: 100 }, (_, i) => `{"i":${i}}`).join('\n') + '\n';
    const pieces = split('ndjson', [text], 100);
    for (const p of pieces.slice(0, -1)) expect(p.text.length).toBeGreaterThanOrEqual(100);
    expect(pieces.length).toBeGreaterThan(5);
  });
});
