import { parse } from 'csv-parse/sync';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FloeError } from '../errors.js';
import { CsvScanner, type CsvScanOptions } from './csv-scan.js';

interface Scanned {
  cells: string[];
  line: number;
  raw: string;
}

/** Scans `text` cut into pieces at `cuts` (positions); returns every record with line and raw text. */
function scan(text: string, options: CsvScanOptions = {}, cuts: number[] = []): Scanned[] {
  const scanner = new CsvScanner(options);
  const out: Scanned[] = [];
  const target = {
    record(cells: string[], count: number, line: number, s: string, start: number, end: number): void {
      out.push({ cells: cells.slice(0, count), line, raw: s.slice(start, end) });
    },
  };
  const points = [...new Set(cuts.filter((c) => c > 0 && c < text.length))].sort((a, b) => a - b);
  let from = 0;
  for (const c of points) {
    scanner.push(text.slice(from, c), false, target);
    from = c;
  }
  scanner.push(text.slice(from), true, target);
  return out;
}

/** The reference: csv-parse with the options the loader used before this scanner. */
function oracle(text: string, delimiter = ',', quote = '"'): string[][] {
  return parse(text, {
    delimiter,
    quote,
    escape: quote, // csv-parse defaults escape to ", which would make " special inside '-quoted fields
    bom: true,
    relax_column_count: true,
    skip_empty_lines: false,
  }) as string[][];
}

const unit = fc.constantFrom(
  'a',
  'b',
  ' ',
  'é',
  '日',
  '😀',
  ',',
  ';',
  '\t',
  '|',
  '"',
  "'",
  '\n',
  '\r\n',
  '\r',
);
const field = fc.string({ unit, maxLength: 8 });

describe('CsvScanner', () => {
  test('tokenizes exactly like csv-parse: random documents, dialects and chunkings', () => {
    fc.assert(
      fc.property(
        fc.array(fc.array(fc.tuple(field, fc.boolean()), { minLength: 1, maxLength: 5 }), {
          minLength: 1,
          maxLength: 8,
        }),
        fc.constantFrom(',', ';', '\t', '|'),
        fc.constantFrom('"', "'"),
        fc.constantFrom('\n', '\r\n'),
        fc.boolean(),
        fc.boolean(),
        fc.array(fc.nat(200), { maxLength: 6 }),
        (rows, delimiter, quote, eol, trailingEol, bom, cuts) => {
          // A field is quoted when it must be (or at random); one terminator style per document,
          // because csv-parse fixes the terminator from the first one it sees.
          const encode = ([v, forceQuote]: [string, boolean]): string => {
            const must = v.includes(delimiter) || v.includes(quote) || v.includes('\n') || v.includes('\r');
            return must || forceQuote ? quote + v.split(quote).join(quote + quote) + quote : v;
          };
          const text =
            (bom ? '\uFEFF' : '') +
            rows.map((r) => r.map(encode).join(delimiter)).join(eol) +
            (trailingEol ? eol : '');
          const expected = oracle(text, delimiter, quote);
          for (const at of [[], cuts, [1, 2, 3, 5, 8, 13, 21, 34, 55, 89]]) {
            const got = scan(text, { delimiter, quote }, at);
            expect(got.map((r) => r.cells)).toEqual(expected);
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  test('random text (broken quoting too): an error exactly when csv-parse errs, otherwise the same records', () => {
    const ch = fc.constantFrom('a', ',', '"', '\n', 'é');
    fc.assert(
      fc.property(
        fc.string({ unit: ch, maxLength: 30 }),
        fc.array(fc.nat(30), { maxLength: 4 }),
        (text, cuts) => {
          let expected: string[][] | 'error';
          try {
            expected = oracle(text);
          } catch {
            expected = 'error';
          }
          let got: string[][] | 'error';
          try {
            got = scan(text, {}, cuts).map((r) => r.cells);
          } catch (err) {
            expect(err).toBeInstanceOf(FloeError);
            got = 'error';
          }
          expect(got).toEqual(expected);
        },
      ),
      { numRuns: 1000 },
    );
  });

  test('starting line numbers and raw text, with quoted newlines, blank lines and CRLF', () => {
    const text = 'a,b\r\n1,2\r\n"x\ny",3\r\n\r\n4,"5 ""q"""\r\n';
    expect(scan(text, {}, [3, 9, 14])).toEqual([
      { cells: ['a', 'b'], line: 1, raw: 'a,b' },
      { cells: ['1', '2'], line: 2, raw: '1,2' },
      { cells: ['x\ny', '3'], line: 3, raw: '"x\ny",3' },
      { cells: [''], line: 5, raw: '' },
      { cells: ['4', '5 "q"'], line: 6, raw: '4,"5 ""q"""' },
    ]);
  });

  test('LF and CRLF mixed in one file are both terminators; a bare CR is data', () => {
    expect(scan('a\r\nb\nc\rd\n').map((r) => r.cells)).toEqual([['a'], ['b'], ['c\rd']]);
  });

  test('malformed quoting: errors name the line', () => {
    const err = (text: string): string => {
      try {
        scan(text, { name: 'f.csv' }, [4, 9]);
      } catch (e) {
        expect(e).toBeInstanceOf(FloeError);
        return (e as FloeError).message;
      }
      throw new Error('no error');
    };
    expect(err('a,b\n1,2\n3,"4"x\n')).toMatch(
      /^f\.csv: malformed CSV at line 3: Invalid Closing Quote: got "x"/,
    );
    expect(err('a,b\n"1\n2"x\n')).toMatch(/^f\.csv: malformed CSV at line 3: Invalid Closing Quote/);
    expect(err('a,b\n1,x"y\n')).toMatch(/^f\.csv: malformed CSV at line 2: Invalid Opening Quote/);
    expect(err('a,b\n1,2\n3,"4\n5,6\n')).toBe(
      'f.csv: malformed CSV: a quote opened in the record at line 3 is never closed',
    );
  });

  test('a record longer than maxRecordBytes is an error, also when it spans many chunks', () => {
    const long = '"' + 'x'.repeat(200_000) + '"\n';
    const cuts = Array.from({ length: 40 }, (_, i) => i * 5000);
    expect(scan('h\n' + long + 'y\n', {}, cuts).map((r) => r.cells[0]?.length)).toEqual([1, 200_000, 1]);
    expect(() => scan('h\n' + long, { maxRecordBytes: 100_000, name: 'f' }, cuts)).toThrow(
      'f: the record at line 2 is larger than 100000 bytes',
    );
  });
});
