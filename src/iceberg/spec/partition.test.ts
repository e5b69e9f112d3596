import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  compilePartitioner,
  lastAssignedFieldId,
  parsePartitionSpec,
  partitionPath,
  partitionSpecFromJson,
  partitionSpecToJson,
  partitionTuple,
  partitionType,
  urlFormEncode,
} from './partition.js';
import { Schema } from './schema.js';
import { t, type Value } from './types.js';

const schema = new Schema([
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'created_date', required: false, type: t.timestamptz },
  { id: 3, name: 'name', required: false, type: t.string },
  { id: 4, name: 'borough', required: false, type: t.string },
  { id: 5, name: 'amount', required: false, type: t.decimal(9, 2) },
  { id: 6, name: 'day_only', required: false, type: t.date },
  {
    id: 7,
    name: 'loc',
    required: false,
    type: { kind: 'struct', fields: [{ id: 8, name: 'zip', required: false, type: t.int }] },
  },
  {
    id: 9,
    name: 'tags',
    required: false,
    type: { kind: 'list', elementId: 10, elementRequired: false, element: t.string },
  },
  { id: 11, name: 'score', required: false, type: t.double },
]);

describe('parsePartitionSpec', () => {
  it('parses the CLI syntax with Java-style field names and ids from 1000', () => {
    const spec = parsePartitionSpec('day(created_date), bucket(16, id), truncate(4, name), borough', schema);
    expect(spec).toEqual({
      specId: 0,
      fields: [
        { sourceId: 2, fieldId: 1000, name: 'created_date_day', transform: 'day' },
        { sourceId: 1, fieldId: 1001, name: 'id_bucket', transform: 'bucket[16]' },
        { sourceId: 3, fieldId: 1002, name: 'name_trunc', transform: 'truncate[4]' },
        { sourceId: 4, fieldId: 1003, name: 'borough', transform: 'identity' },
      ],
    });
  });

  it('names year/month/hour/void fields and accepts identity(), Spark plurals and nested struct columns', () => {
    expect(parsePartitionSpec('year(created_date)', schema).fields[0]!.name).toBe('created_date_year');
    expect(parsePartitionSpec('months(day_only)', schema).fields[0]).toMatchObject({
      name: 'day_only_month',
      transform: 'month',
    });
    expect(parsePartitionSpec('HOUR(created_date)', schema).fields[0]!.name).toBe('created_date_hour');
    expect(parsePartitionSpec('void(name)', schema).fields[0]!.name).toBe('name_null');
    expect(parsePartitionSpec('identity(borough)', schema).fields[0]).toMatchObject({
      name: 'borough',
      transform: 'identity',
    });
    expect(parsePartitionSpec('bucket(id, 8)', schema).fields[0]!.transform).toBe('bucket[8]');
    expect(parsePartitionSpec('loc.zip', schema).fields[0]).toMatchObject({ sourceId: 8, name: 'loc.zip' });
    expect(parsePartitionSpec('Borough', schema).fields[0]).toMatchObject({ sourceId: 4, name: 'borough' });
  });

  it('continues field ids after lastPartitionId and keeps the spec id', () => {
    const spec = parsePartitionSpec('borough, bucket(4, id)', schema, 3, 1005);
    expect(spec.specId).toBe(3);
    expect(spec.fields.map((f) => f.fieldId)).toEqual([1006, 1007]);
    expect(lastAssignedFieldId(spec)).toBe(1007);
    expect(lastAssignedFieldId({ specId: 0, fields: [] })).toBe(999);
  });

  it('returns an unpartitioned spec for empty text', () => {
    expect(parsePartitionSpec('  ', schema)).toEqual({ specId: 0, fields: [] });
  });

  it('explains mistakes with usage errors', () => {
    const usage = (text: string, message: RegExp): void => {
      expect(() => parsePartitionSpec(text, schema)).toThrow(message);
      expect(() => parsePartitionSpec(text, schema)).toThrow(expect.objectContaining({ kind: 'usage' }));
    };
    usage('day(nope)', /unknown column "nope" \(columns: id, created_date/);
    usage(
      'day(id)',
      /day cannot apply to column "id" of type long \(day applies to date, timestamp, timestamptz\)/,
    );
    usage('hour(day_only)', /hour cannot apply to column "day_only" of type date/);
    usage('truncate(4, score)', /truncate cannot apply to column "score" of type double/);
    usage('bucket(0, id)', /positive integer bucket count/);
    usage('bucket(id)', /bucket takes \(N, column\)/);
    usage('zorder(id)', /unknown transform "zorder"/);
    usage('day(created_date), hour(created_date)', /already partitioned by day/);
    usage('borough, borough', /listed twice/);
    usage('loc', /is a struct<zip: int>; partition sources must be primitive/);
    usage('tags.element', /inside a list or map/);
    usage('day(created_date', /unbalanced/);
    usage('borough,', /empty term/);
  });

  it('refuses a derived name that shadows a column', () => {
    const s = new Schema([
      { id: 1, name: 'ts', required: false, type: t.timestamp },
      { id: 2, name: 'ts_day', required: false, type: t.date },
    ]);
    expect(() => parsePartitionSpec('day(ts)', s)).toThrow(/conflicts with a column/);
    expect(parsePartitionSpec('ts_day', s).fields[0]!.name).toBe('ts_day');
  });
});

describe('partition spec JSON', () => {
  it("writes the spec's JSON form and reads it back", () => {
    const spec = parsePartitionSpec('day(created_date), bucket(16, id)', schema, 2);
    const json = partitionSpecToJson(spec);
    expect(json).toEqual({
      'spec-id': 2,
      fields: [
        { name: 'created_date_day', transform: 'day', 'source-id': 2, 'field-id': 1000 },
        { name: 'id_bucket', transform: 'bucket[16]', 'source-id': 1, 'field-id': 1001 },
      ],
    });
    expect(partitionSpecFromJson(JSON.parse(JSON.stringify(json)))).toEqual(spec);
  });

  it('accepts bigint numbers from the int64 JSON parser and rejects malformed specs', () => {
    expect(
      partitionSpecFromJson({
        'spec-id': 0n,
        fields: [{ 'source-id': 1n, 'field-id': 1000n, name: 'x', transform: 'identity' }],
      }),
    ).toEqual({
      specId: 0,
      fields: [{ sourceId: 1, fieldId: 1000, name: 'x', transform: 'identity' }],
    });
    expect(() => partitionSpecFromJson({ 'spec-id': 0 })).toThrow(
      expect.objectContaining({ kind: 'invalid-metadata' }),
    );
    expect(() => partitionSpecFromJson({ 'spec-id': 0, fields: [{ name: 'x', transform: 'day' }] })).toThrow(
      /source-id/,
    );
  });
});

describe('partition type, tuple and path', () => {
  const spec = parsePartitionSpec(
    'day(created_date), bucket(16, id), truncate(4, name), borough, amount',
    schema,
  );
  // 2017-11-16T22:31:08Z
  const row: Record<number, Value> = {
    1: 34n,
    2: 1510871468000000n,
    3: 'iceberg',
    4: 'Staten Island/NY',
    5: 1420n,
  };

  it('types the tuple with optional fields named and numbered like the spec', () => {
    expect(partitionType(spec, schema)).toEqual({
      kind: 'struct',
      fields: [
        { id: 1000, name: 'created_date_day', required: false, type: t.date },
        { id: 1001, name: 'id_bucket', required: false, type: t.int },
        { id: 1002, name: 'name_trunc', required: false, type: t.string },
        { id: 1003, name: 'borough', required: false, type: t.string },
        { id: 1004, name: 'amount', required: false, type: t.decimal(9, 2) },
      ],
    });
  });

  it('computes tuples and Java-style escaped paths', () => {
    const tuple = partitionTuple(spec, schema, (id) => row[id] ?? null);
    expect(tuple).toEqual([17486, 3, 'iceb', 'Staten Island/NY', 1420n]);
    expect(partitionPath(spec, schema, tuple)).toBe(
      'created_date_day=2017-11-16/id_bucket=3/name_trunc=iceb/borough=Staten+Island%2FNY/amount=14.20',
    );
  });

  it('renders null partition values as "null"', () => {
    const tuple = compilePartitioner(spec, schema)(() => null);
    expect(tuple).toEqual([null, null, null, null, null]);
    expect(partitionPath(spec, schema, tuple)).toBe(
      'created_date_day=null/id_bucket=null/name_trunc=null/borough=null/amount=null',
    );
  });

  it('form-encodes like java.net.URLEncoder', () => {
    expect(urlFormEncode('a b+c/d?e=f&g')).toBe('a+b%2Bc%2Fd%3Fe%3Df%26g');
    expect(urlFormEncode("A-z_0.9*!'()~")).toBe('A-z_0.9*%21%27%28%29%7E');
    expect(urlFormEncode('é😀')).toBe('%C3%A9%F0%9F%98%80');
    expect(urlFormEncode('%')).toBe('%25');
  });

  it('form encoding is reversible and path-safe (property)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), (s) => {
        const enc = urlFormEncode(s);
        expect(enc).toMatch(/^[A-Za-z0-9.*_\-+%]*$/);
        expect(decodeURIComponent(enc.replace(/\+/g, ' '))).toBe(s);
      }),
    );
  });
});
