import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileCatalog } from '../catalog/file/index.js';
import { LocalFileIO } from '../iceberg/io/index.js';
import { Schema } from '../iceberg/spec/schema.js';
import { t } from '../iceberg/spec/types.js';
import { Table } from '../iceberg/table/index.js';
import { encodeAggregate } from '../producer/kpl.js';
import { MemoryCheckpointStore } from './checkpoint-store.js';
import { Consumer } from './consumer.js';
import { readCommittedDeadLetters } from './deadletter/index.js';
import { silentLogger } from './log.js';
import { createProcessor } from './processor.js';
import { FakeKinesis } from './test-support.js';

const schema = new Schema([
  { id: 1, name: 'id', required: true, type: t.long },
  { id: 2, name: 'borough', required: false, type: t.string },
  { id: 3, name: 'lat', required: false, type: t.double },
]);
const ident = { namespace: ['db'], name: 'clean' };
const rules = {
  clean: { trim: true },
  fields: { borough: { case: 'upper', enum: ['BRONX', 'QUEENS'] }, lat: { min: 40, max: 41.2 } },
};

let dir: string;
let catalog: FileCatalog;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'floe-processor-'));
  catalog = new FileCatalog({ warehouse: dir });
  await catalog.createNamespace(['db']);
  await Table.create(catalog, { identifier: ident, schema });
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('validation, dedupe and dead letters in the consumer', () => {
  // 7 records per slice: rejects, duplicates and aggregates fall in many slices of each flush.
  it.each([undefined, 7])(
    'commits clean deduped rows; dead letters hold exactly the dirty records with all reasons and their positions, once (slice %s)',
    async (sliceRecords) => {
      const kinesis = new FakeKinesis();
      kinesis.createStream('s', 2);
      const [a, b] = kinesis.shardIds('s') as [string, string];
      const expected: number[] = [];
      const dirty = new Map<number, number>(); // id -> reasons expected
      const sent = new Map<string, string[]>(); // payload -> its sequence numbers
      for (let i = 0; i < 100; i++) {
        const bad = i % 10 === 3;
        // Decoding rejects it (a string for a double), so rows after it shift within their slice.
        const undecodable = i % 10 === 6;
        const lat = undecodable ? 'north' : i % 20 === 3 ? 12 : 40.5;
        const rec = { id: i, borough: bad ? 'mars' : ' bronx ', lat };
        if (bad) dirty.set(i, i % 20 === 3 ? 2 : 1);
        else if (undecodable) dirty.set(i, 1);
        else expected.push(i);
        const text = JSON.stringify(rec);
        const seqs = (sent.get(text) ?? sent.set(text, []).get(text)) as string[];
        seqs.push(kinesis.put('s', i % 2 ? a : b, text));
        if (i % 7 === 0) seqs.push(kinesis.put('s', i % 2 ? b : a, text)); // a producer retry: same record twice
      }
      kinesis.put(
        's',
        a,
        encodeAggregate([
          { partitionKey: 'x', data: Buffer.from('{"id": 1000, "borough": "Queens", "lat": 99}') },
        ]),
      );
      dirty.set(1000, 1);
      kinesis.put('s', b, 'not json');
      const deadLetter = { location: join(dir, 'dlq'), io: new LocalFileIO() };

      const run = async (): Promise<Consumer> => {
        const table = await Table.load(catalog, ident);
        const c = new Consumer({
          api: kinesis,
          store: new MemoryCheckpointStore(),
          log: silentLogger(),
          tables: [
            {
              table,
              catalog,
              stream: 's',
              format: 'json',
              reader: { idleMs: 5 },
              ...(sliceRecords !== undefined ? { sliceRecords } : {}),
              processor: createProcessor({
                schema,
                table: ident,
                stream: 's',
                rules,
                dedupe: { key: 'id' },
                deadLetter,
              }),
            },
          ],
          limits: { minCallIntervalMs: 0, bytesPerSecond: 1e12 },
          tickMs: 10,
        });
        expect(await c.run({ drain: true })).toBe(true);
        return c;
      };
      const c = await run();
      const table = await Table.load(catalog, ident);
      const rows = await table.readRows();
      expect(rows.map((r) => Number(r.id)).sort((x, y) => x - y)).toEqual(expected);
      expect(new Set(rows.map((r) => r.borough))).toEqual(new Set(['BRONX']));
      expect(c.metricsSnapshot().counters.recordsDeduped).toBeGreaterThan(0);

      const letters = [];
      for await (const l of readCommittedDeadLetters({
        ...deadLetter,
        table: ident,
        metadata: table.metadata,
      }))
        letters.push(l);
      const byId = new Map<string, number>();
      for (const l of letters) {
        const id = l.raw === 'not json' ? 'raw' : String((JSON.parse(l.raw) as { id: number }).id);
        byId.set(id, (byId.get(id) ?? 0) + 1);
        expect(l.stream).toBe('s');
        // The position is the record's own: rejects are mapped back through decoding and slicing.
        if (id !== 'raw' && id !== '1000') expect(sent.get(l.raw)).toContain(l.sequenceNumber);
        expect(l.reasons.length).toBeGreaterThan(0);
        if (id !== 'raw') expect(l.reasons).toHaveLength(dirty.get(Number(id)) as number);
      }
      // A dirty record that was sent twice is dead-lettered twice (both copies were read): dedupe applies to clean rows.
      const dirtyCopies = [...dirty.keys()].map(
        (id) => [String(id), id < 100 && id % 7 === 0 ? 2 : 1] as const,
      );
      expect(Object.fromEntries(byId)).toEqual(Object.fromEntries([...dirtyCopies, ['raw', 1]]));
      const agg = letters.find((l) => l.raw.includes('1000'));
      expect(agg?.subSequenceNumber).toBe(0);

      // A restart reads nothing again and writes no dead letters again.
      const c2 = await run();
      expect(c2.metricsSnapshot().counters.recordsRead).toBe(0);
    },
  );
});
