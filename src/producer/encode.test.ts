import { describe, expect, it } from 'vitest';
import { chunkReader } from '../records/index.js';
import { compactJson, isBad, RecordEncoder, type BadRecord, type EncodeOptions } from './encode.js';
import { TextRecord, type UserRecord } from './entry.js';

function encode(format: 'csv' | 'json' | 'ndjson', text: string, options: EncodeOptions = {}) {
  const enc = new RecordEncoder(options);
  const reader = chunkReader(format, { name: 'in' });
  reader.push(text, false, enc);
  reader.push('', true, enc);
  const good = enc.out.filter((e) => !isBad(e)) as UserRecord[];
  const bad = enc.out.filter(isBad) as BadRecord[];
  return { good, bad, json: good.map((g) => JSON.parse(g.data.toString()) as unknown) };
}

describe('RecordEncoder', () => {
  it('sends CSV rows as objects keyed by the header, empty cells as null', () => {
    const r = encode('csv', 'id,name,"note, quoted"\n1,Ann,"a ""b"", c"\n2,,x\n');
    expect(r.json).toEqual([
      { id: '1', name: 'Ann', 'note, quoted': 'a "b", c' },
      { id: '2', name: null, 'note, quoted': 'x' },
    ]);
    expect(r.good.map((g) => g.line)).toEqual([2, 3]);
    expect(r.good.map((g) => g.partitionKey)).toEqual(['1', '2']);
  });

  it('rejects CSV rows with the wrong number of fields, naming the line', () => {
    const r = encode('csv', 'a,b\n1,2\n1,2,3\n4\n5,6\n');
    expect(r.good.length).toBe(2);
    expect(r.bad.map((b) => [b.line, b.reason, b.raw])).toEqual([
      [3, '3 fields, but the header has 2', '1,2,3'],
      [4, '1 field, but the header has 2', '4'],
    ]);
  });

  it('keeps JSON text exact (big integers, decimals) and compact', () => {
    const r = encode(
      'json',
      '[\n  {"id": 12345678901234567891, "x": 1.10, "s": "a  b\\" c"},\n  {"y": [1, 2]}\n]',
    );
    expect(r.good.map((g) => g.data.toString())).toEqual([
      '{"id":12345678901234567891,"x":1.10,"s":"a  b\\" c"}',
      '{"y":[1,2]}',
    ]);
    expect(r.good.map((g) => g.line)).toEqual([2, 3]);
  });

  it('rejects invalid JSON lines and values that are not objects', () => {
    const r = encode('ndjson', '{"a":1}\n{"a":\n[1]\n42\n"s"\nnull\n{"b":2}\n');
    expect(r.good.length).toBe(2);
    expect(r.bad.map((b) => b.line)).toEqual([2, 3, 4, 5, 6]);
    expect(r.bad[0]?.reason).toMatch(/^invalid JSON/);
    expect(r.bad[1]?.reason).toBe('expected a JSON object, got an array');
    expect(r.bad[2]?.reason).toBe('expected a JSON object, got number 42');
    expect(r.bad[4]?.reason).toBe('expected a JSON object, got null');
  });

  it('takes the partition key from a field, and rejects records without one', () => {
    const r = encode('ndjson', '{"k":"x"}\n{"k":7}\n{"j":1}\n{"k":null}\n{"k":""}\n{"k":{"a":1}}\n', {
      partitionKeyField: 'k',
    });
    expect(r.good.map((g) => g.partitionKey)).toEqual(['x', '7']);
    expect(r.bad.map((b) => b.reason)).toEqual([
      'no field "k" for the partition key',
      'the partition key field "k" is null',
      'the partition key field "k" is empty',
      'the partition key field "k" is an object',
    ]);
    const csv = encode('csv', 'a,k\n1,x\n2,\n', { partitionKeyField: 'k' });
    expect(csv.good.map((g) => g.partitionKey)).toEqual(['x']);
    expect(csv.bad.map((b) => b.line)).toEqual([3]);
    expect(encode('csv', 'a,b\n1,2\n', { partitionKeyField: 'k' }).bad[0]?.reason).toBe(
      'no column "k" for the partition key',
    );
    const long = encode('ndjson', JSON.stringify({ k: 'é'.repeat(257) }) + '\n', { partitionKeyField: 'k' });
    expect(long.bad[0]?.reason).toMatch(/longer than 256 characters/);
  });

  it('sends records over the 1 MiB limit (with their key) to the bad records', () => {
    const big = JSON.stringify({ s: 'x'.repeat(1024 * 1024) });
    const fits = JSON.stringify({ s: 'x'.repeat(1024 * 1024 - 20) });
    const r = encode('ndjson', `${big}\n${fits}\n`);
    expect(r.good.map((g) => g.line)).toEqual([2]);
    expect(r.bad[0]?.line).toBe(1);
    expect(r.bad[0]?.reason).toMatch(/over the Kinesis limit of 1048576 bytes/);
  });

  it('sets the explicit hash key on every record', () => {
    const r = encode('ndjson', '{"a":1}\n{"a":2}\n', { explicitHashKey: '42' });
    expect(r.good.map((g) => g.explicitHashKey)).toEqual(['42', '42']);
  });

  it('compactJson removes only insignificant whitespace', () => {
    expect(compactJson(' { "a" : [ 1 , 2 ] ,\n "b":"x  y" } ')).toBe('{"a":[1,2],"b":"x  y"}');
    expect(compactJson('{"a":"\\"  "}')).toBe('{"a":"\\"  "}');
  });

  it('makes text records: bytes and the default key only when read, the same each time', () => {
    const r = encode('ndjson', '{"a":"€"}\n{"b":2}\n');
    const first = r.good[0] as TextRecord;
    expect(first).toBeInstanceOf(TextRecord);
    expect(first.text).toBe('{"a":"€"}');
    expect(first.data).toEqual(Buffer.from('{"a":"€"}', 'utf8'));
    expect(first.data).toBe(first.data);
    expect(r.good.map((g) => g.partitionKey)).toEqual(['1', '2']);
  });

  it('measures multi-byte records against the limit exactly (3-byte characters near 1 MiB)', () => {
    const chars = Math.floor((1024 * 1024 - 9) / 3); // 8 bytes of JSON around them, 1 of key
    const fits = JSON.stringify({ s: '€'.repeat(chars) });
    const over = JSON.stringify({ s: '€'.repeat(chars + 1) });
    expect(Buffer.byteLength(fits) + 1).toBeLessThanOrEqual(1024 * 1024);
    expect(Buffer.byteLength(over) + 1).toBeGreaterThan(1024 * 1024);
    const r = encode('ndjson', `${fits}\n${over}\n`);
    expect(r.good.map((g) => g.line)).toEqual([1]);
    expect(r.bad.map((b) => b.line)).toEqual([2]);
  });
});
