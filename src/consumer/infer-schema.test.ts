import { describe, expect, it } from 'vitest';
import { encodeAggregate } from '../producer/kpl.js';
import { FloeError } from '../errors.js';
import { inferSchemaFromStream, sampleStream } from './infer-schema.js';
import { FakeKinesis } from './test-support.js';

const typesOf = (fields: readonly { name: string; type: { kind: string } }[]) =>
  Object.fromEntries(fields.map((f) => [f.name, f.type.kind]));

describe('schema inference from a stream', () => {
  it('infers JSON records across shards, KPL aggregates included', async () => {
    const k = new FakeKinesis();
    k.createStream('s', 2);
    const [a, b] = k.shardIds('s') as [string, string];
    k.put('s', a, JSON.stringify({ id: 1, at: '2024-03-01T10:00:00Z', name: 'x' }));
    k.put(
      's',
      b,
      encodeAggregate([
        { partitionKey: 'p', data: Buffer.from(JSON.stringify({ id: 2, price: 1.5 })) },
        { partitionKey: 'p', data: Buffer.from(JSON.stringify({ id: 3, flag: true })) },
      ]),
    );
    const schema = await inferSchemaFromStream(k, 's', { format: 'json' });
    expect(typesOf(schema!.fields)).toEqual({
      id: 'long',
      at: 'timestamptz',
      name: 'string',
      price: 'double',
      flag: 'boolean',
    });
  });

  it('infers CSV records with the configured header; without it, a config error', async () => {
    const k = new FakeKinesis();
    k.createStream('s', 1);
    const [a] = k.shardIds('s') as [string];
    k.put('s', a, '7,"Smith, J",2024-03-01\n');
    k.put('s', a, '8,Doe,2024-03-02');
    const schema = await inferSchemaFromStream(k, 's', { format: 'csv', csvHeader: ['n', 'who', 'day'] });
    expect(typesOf(schema!.fields)).toEqual({ n: 'long', who: 'string', day: 'date' });
    await expect(inferSchemaFromStream(k, 's', { format: 'csv' })).rejects.toThrow(FloeError);
  });

  it('an empty stream gives no schema; the sample is bounded', async () => {
    const k = new FakeKinesis();
    k.createStream('s', 1);
    expect(await inferSchemaFromStream(k, 's', { format: 'json' })).toBeUndefined();
    const [a] = k.shardIds('s') as [string];
    for (let i = 0; i < 50; i++) k.put('s', a, JSON.stringify({ i }));
    expect(await sampleStream(k, 's', { maxRecords: 20 })).toHaveLength(20);
  });
});
