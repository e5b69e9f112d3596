import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { JsonObjectScanner, scalarKeyText } from './json-scan.js';

function parsesToObject(text: string): boolean {
  try {
    const v: unknown = JSON.parse(text);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  } catch {
    return false;
  }
}

/** JSON text with random insignificant whitespace (the scanner must still accept it). */
const spaced = (value: unknown): fc.Arbitrary<string> =>
  fc.array(fc.constantFrom('', ' ', '\n', '\t', '\r\n  '), { minLength: 1, maxLength: 64 }).map((pads) => {
    let k = 0;
    const pad = (): string => pads[k++ % pads.length] as string;
    return JSON.stringify(value, null, 1)
      .split('\n')
      .map((l) => pad() + l.trim() + pad())
      .join('\n');
  });

const objectArb = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 });

describe('JsonObjectScanner', () => {
  const scan = new JsonObjectScanner();

  it('accepts every JSON object, compact or spaced, and says whether it is compact', () => {
    fc.assert(
      fc.property(objectArb, (obj) => {
        const text = JSON.stringify(obj);
        expect(scan.object(text)).toBe(true);
        expect(scan.spaced).toBe(false);
      }),
    );
    fc.assert(
      fc.property(objectArb.chain(spaced), (text) => {
        expect(scan.object(text)).toBe(true);
        expect(scan.spaced).toBe(/^\s|[:,[{]\s|\s[:,\]}]|\s$/.test(text) || text !== text.trim());
      }),
    );
  });

  it('accepts nothing that JSON.parse rejects or that is not an object (mutated JSON text)', () => {
    const alphabet = fc.constantFrom(
      ...'{}[]:,"\\ \n\t0123456789-+.eEtrufalsn/bu\u0001\u001fxA'.split(''),
      '\\u',
      '\\"',
      'true',
      'null',
      '"k"',
    );
    fc.assert(
      fc.property(
        fc.oneof(
          fc.array(alphabet, { maxLength: 30 }).map((a) => a.join('')),
          fc
            .tuple(
              fc.jsonValue().map((v) => JSON.stringify(v)),
              fc.nat(),
              fc.nat(),
              alphabet,
            )
            .map(([t, at, del, ins]) => {
              const i = at % (t.length + 1);
              return t.slice(0, i) + ins + t.slice(i + (del % 3));
            }),
        ),
        (text) => {
          if (scan.object(text)) expect(parsesToObject(text)).toBe(true);
        },
      ),
      { numRuns: 5000 },
    );
  });

  it('agrees with JSON.parse on hand-picked edge cases', () => {
    const cases = [
      '{}',
      ' {} ',
      '{"a":1}',
      '{"a":-0.5e+10,"b":[],"c":{},"d":"\\u00e9\\n","e":true,"f":false,"g":null}',
      '{"a":01}',
      '{"a":1.}',
      '{"a":.5}',
      '{"a":1e}',
      '{"a":-}',
      '{"a":+1}',
      '{"a":1,}',
      '{,}',
      '{"a" 1}',
      '{"a":[1,]}',
      '{"a":"\\x"}',
      '{"a":"\\u12g4"}',
      '{"a":"tab\there"}',
      '{"a":"bell\u0007"}',
      '{"a":"del\u007f","b":"é😀"}',
      '{"a\u0001":1}',
      '{"a":1}\t',
      '{"a":"x","b":"y\\"}',
      '{"a":"unterminated}',
      '{"a":tru}',
      '{"a":1}}',
      '{"a":1} x',
      '{"a":1}{"b":2}',
      "{'a':1}",
      '{"a":NaN}',
      '{"\\ud800":"\ud800"}',
      '[{"a":1}]',
      '"{}"',
      '',
      '{',
    ];
    for (const c of cases) expect([c, scan.object(c)]).toEqual([c, parsesToObject(c)]);
  });

  it('finds the last top-level value of a field, escaped names included, never a nested one', () => {
    const t = '{"n":{"k":"inner"},"k":1,"\\u006b":"last"}';
    expect(scan.object(t, 'k')).toBe(true);
    expect(t.slice(scan.valueStart, scan.valueEnd)).toBe('"last"');
    expect(scan.object('{"n":{"k":1}}', 'k')).toBe(true);
    expect(scan.valueStart).toBe(-1);
    fc.assert(
      fc.property(objectArb, fc.string(), (obj, field) => {
        const text = JSON.stringify(obj);
        expect(scan.object(text, field)).toBe(true);
        if (!Object.hasOwn(obj, field)) expect(scan.valueStart).toBe(-1);
        else expect(JSON.parse(text.slice(scan.valueStart, scan.valueEnd))).toEqual(obj[field]);
      }),
    );
  });

  it('refuses (rather than overflows on) very deep nesting', () => {
    const deep = '{"a":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}';
    expect(scan.object(deep)).toBe(false);
  });
});

describe('scalarKeyText', () => {
  it('is what String(JSON.parse(value)) gives for scalars, and names the rest', () => {
    for (const v of [
      '"a b"',
      '"\\u00e9\\""',
      '7',
      '-0',
      '1.50',
      '1e3',
      '12345678901234567891',
      'true',
      'false',
    ])
      expect(scalarKeyText(v)).toBe(String(JSON.parse(v)));
    expect(scalarKeyText('null')).toEqual({ not: 'null' });
    expect(scalarKeyText('{"a":1}')).toEqual({ not: 'an object' });
    expect(scalarKeyText('[1]')).toEqual({ not: 'an array' });
  });
});
