import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FloeError } from '../errors.js';
import { csvLine, readCsv } from './csv.js';
import { chunked, collect } from './test-helpers.js';

describe('readCsv', () => {
  test('header, records, and 1-based starting line numbers (multi-line quoted fields, blank lines, CRLF)', async () => {
    const text = 'a,b\r\n1,2\r\n"x\ny",3\r\n\r\n4,"5 ""q"""\r\n';
    const recs = await collect(readCsv(chunked(text, 3)));
    expect(recs.map((r) => [r.line, r.cells])).toEqual([
      [2, ['1', '2']],
      [3, ['x\ny', '3']],
      [6, ['4', '5 "q"']],
    ]);
    expect(recs[0]?.header).toEqual(['a', 'b']);
    expect(recs[1]?.header).toBe(recs[0]?.header); // shared: plans are cached by identity
    expect(recs[2]?.raw).toBe('4,"5 ""q"""');
  });

  test('wrong column count is passed on (the mapper rejects it), not an error', async () => {
    const recs = await collect(readCsv(chunked('a,b\n1,2,3\n4\n5,6')));
    expect(recs.map((r) => [r.line, r.cells.length])).toEqual([
      [2, 3],
      [3, 1],
      [4, 2],
    ]);
  });

  test('bad quoting is a fatal input error naming the line', async () => {
    const err = await collect(readCsv(chunked('a,b\n1,2\n3,"4"x\n5,6\n'), { name: 'f.csv' })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(FloeError);
    expect((err as FloeError).kind).toBe('input');
    expect((err as FloeError).message).toMatch(/^f\.csv: malformed CSV at line 3: Invalid Closing Quote/);
  });

  test('an unclosed quote names the line where the record began', async () => {
    const err = await collect(readCsv(chunked('a,b\n1,2\n3,"4\n5,6\n7,8\n'), { name: 'f.csv' })).catch(
      (e: unknown) => e,
    );
    expect((err as FloeError).message).toBe(
      'f.csv: malformed CSV: a quote opened in the record at line 3 is never closed',
    );
  });

  test('empty file and header-only file have no records', async () => {
    expect(await collect(readCsv(chunked('')))).toEqual([]);
    expect(await collect(readCsv(chunked('a,b\n')))).toEqual([]);
  });

  test('delimiter and quote options; BOM stripped from the header', async () => {
    const recs = await collect(readCsv(chunked("\uFEFFa;b\n'x;y';2\n"), { delimiter: ';', quote: "'" }));
    expect(recs[0]?.header).toEqual(['a', 'b']);
    expect(recs[0]?.cells).toEqual(['x;y', '2']);
    expect(recs[0]?.raw).toBe("'x;y';2");
  });

  test('any chunking yields the same records; csvLine re-parses to the same cells', async () => {
    const cell = fc.string({ unit: fc.constantFrom('a', 'b', ',', '"', '\n', ' ', 'é') });
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(cell, cell), { minLength: 1, maxLength: 8 }),
        fc.integer({ min: 1, max: 20 }),
        async (rows, size) => {
          // Skip rows that are a single empty field: a blank line is not a record.
          const text = ['h1,h2', ...rows.map((r) => csvLine(r))].join('\n') + '\n';
          const recs = await collect(readCsv(chunked(text, size)));
          expect(recs.map((r) => r.cells)).toEqual(rows);
          let line = 2;
          recs.forEach((r, i) => {
            expect(r.line).toBe(line);
            line += 1 + rows[i]!.join('').split('\n').length - 1;
          });
        },
      ),
      { numRuns: 50 },
    );
  });
});
