import fc from 'fast-check';
import { ByteWriter } from 'hyparquet-writer';
import { writeRleBitPackedHybrid } from 'hyparquet-writer/src/encoding.js';
import { describe, expect, it } from 'vitest';
import {
  ByteArrayBuffer,
  bitWidthOf,
  encodeBooleans,
  encodeDefinitionLevels,
  encodeDictionaryIndexes,
  rleBitPackedHybrid,
} from './page-encoding.js';

function reference(values: Int32Array | Uint8Array, width: number): Uint8Array {
  const w = new ByteWriter();
  writeRleBitPackedHybrid(w, values, width);
  return w.getBytes().slice();
}

describe('page encoding', () => {
  it('property: RLE/bit-packed hybrid bytes equal hyparquet-writer’s for any values and width', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        // Runs of repeated values as well as noise, so both run kinds occur.
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 30 })), { maxLength: 60 }),
        (width, runs) => {
          const limit = width === 0 ? 1 : 2 ** width;
          const values = Int32Array.from(runs.flatMap(([v, n]) => Array<number>(n).fill(v % limit)));
          expect(rleBitPackedHybrid(values, width)).toEqual(reference(values, width));
        },
      ),
    );
  });

  it('property: wide values (up to 31 bits) and every tail length match the reference', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 21, max: 31 }),
        fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 20 })), { maxLength: 40 }),
        (width, runs) => {
          const limit = 2 ** width;
          const values = Int32Array.from(runs.flatMap(([v, n]) => Array<number>(n).fill(v % limit)));
          expect(rleBitPackedHybrid(values, width)).toEqual(reference(values, width));
        },
      ),
    );
  });

  it('property: definition levels (Uint8Array, width 1) equal the reference', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 1, max: 40 })), { maxLength: 50 }),
        (runs) => {
          const defs = Uint8Array.from(runs.flatMap(([v, n]) => Array<number>(n).fill(v ? 1 : 0)));
          expect(encodeDefinitionLevels(defs)).toEqual(reference(defs, 1));
          const nulls = defs.filter((d) => d === 0).length;
          expect(encodeDefinitionLevels(defs, nulls)).toEqual(reference(defs, 1));
        },
      ),
    );
  });

  it('definition levels of pages without nulls or of nulls only, from the null count', () => {
    for (const n of [0, 1, 7, 8, 9, 63, 64, 65, 20_000]) {
      for (const v of [0, 1]) {
        const defs = new Uint8Array(n).fill(v);
        expect(encodeDefinitionLevels(defs, v === 0 ? n : 0)).toEqual(reference(defs, 1));
      }
    }
  });

  it('property: dictionary indexes are the bit width byte, then the hybrid encoding', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 5000 }), { maxLength: 300 }), (list) => {
        const indexes = Int32Array.from(list);
        const width = bitWidthOf(Math.max(0, ...list));
        expect([...encodeDictionaryIndexes(indexes)]).toEqual([width, ...reference(indexes, width)]);
      }),
    );
  });

  it('dictionary indexes wider than 24 bits (the hyparquet-writer path) keep the width byte first', () => {
    const indexes = Int32Array.from([0, 1 << 25, 3, 3, 3, 3, 3, 3, 3, 3, 7]);
    expect([...encodeDictionaryIndexes(indexes)]).toEqual([26, ...reference(indexes, 26)]);
  });

  it('bit widths of dictionary indexes', () => {
    expect([0, 1, 2, 3, 4, 255, 256].map(bitWidthOf)).toEqual([0, 1, 2, 2, 3, 8, 9]);
  });

  it('booleans are bit-packed least significant bit first', () => {
    expect([...encodeBooleans(Uint8Array.from([1, 0, 0, 0, 0, 0, 0, 1, 1]))]).toEqual([0x81, 0x01]);
  });

  it('byte arrays: little-endian length then UTF-8, ASCII and not, read back as flat strings', () => {
    const buf = new ByteArrayBuffer(4);
    const strings = ['', 'abc', 'é€😀 x', 'a'.repeat(100)];
    const offsets = strings.map((s) => {
      const at = buf.length;
      buf.appendString(s);
      return at;
    });
    const expected: number[] = [];
    for (const s of strings) {
      const b = new TextEncoder().encode(s);
      expected.push(b.length & 0xff, b.length >> 8, 0, 0, ...b);
    }
    expect([...buf.view()]).toEqual(expected);
    expect(offsets.map((o) => buf.stringAt(o))).toEqual(strings);
  });
});
