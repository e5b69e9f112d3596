/**
 * PutRecords bodies written by floe (src/producer/wire.ts), over the wire to both emulators, in
 * both protocols: every byte value, Unicode keys and explicit hash keys come back from GetRecords
 * as sent; a call to a missing stream fails as the SDK's own would; and a whole aggregated
 * produce() run in each protocol delivers every record (decoded by aws-kinesis-agg).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { classifyCallError, createKinesisClient, produce, sdkKinesisApi } from '../../src/producer/index.js';
import type { PutEntry } from '../../src/producer/index.js';
import { referenceDeaggregate } from '../../src/producer/test-support.js';
import type { WireProtocol } from '../../src/producer/wire.js';
import {
  readStream,
  startKinesalite,
  startKinesisLocal,
  TEST_CREDENTIALS,
  TEST_REGION,
  type Emulator,
} from '../setup/kinesis.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-wire-'));
const env = {
  AWS_ACCESS_KEY_ID: TEST_CREDENTIALS.accessKeyId,
  AWS_SECRET_ACCESS_KEY: TEST_CREDENTIALS.secretAccessKey,
  AWS_REGION: TEST_REGION,
};

function entry(data: Buffer, partitionKey: string, explicitHashKey?: string): PutEntry {
  return { data, partitionKey, explicitHashKey, size: data.length, records: [], attempts: 0 };
}

describe.each([
  ['kinesis-local', startKinesisLocal],
  ['kinesalite', startKinesalite],
] as const)('%s', (_name, start) => {
  let emu: Emulator;
  let streams = 0;
  beforeAll(async () => {
    emu = await start();
  }, 120_000);
  afterAll(async () => {
    await emu?.stop();
  });

  describe.each(['json', 'cbor'] as WireProtocol[])('protocol %s', (protocol) => {
    it('stores every entry exactly as sent and answers in entry order', async () => {
      const stream = `wire-${protocol}-${streams++}`;
      await emu.createStream(stream, 2);
      const client = createKinesisClient({ endpoint: emu.endpoint, maxSockets: 2, env });
      const api = sdkKinesisApi(client, { protocol });
      try {
        const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
        const entries = [
          entry(all, 'ключ-🔑'),
          entry(Buffer.alloc(0x10000 + 3, 0xfe), 'big'),
          entry(Buffer.from('{"a":"\\u0000\\"x"}'), 'json "quoted" \\ key'),
          entry(Buffer.from([0]), 'hashed', '0'),
          entry(Buffer.from([1, 2, 3]), 'hashed-high', ((1n << 128n) - 1n).toString()),
        ];
        const results = await api.putRecords(stream, entries);
        expect(results).toHaveLength(entries.length);
        for (const r of results) {
          expect(r.errorCode ?? undefined).toBeUndefined();
          expect(r.sequenceNumber).toMatch(/^\d+$/);
          expect(r.shardId).toMatch(/^shardId-/);
        }
        // Explicit hash keys 0 and 2^128-1 land on the first and the last shard.
        expect(results[3]?.shardId).not.toBe(results[4]?.shardId);
        const read = await readStream(emu.client, stream, entries.length);
        const bySeq = new Map(read.map((r) => [r.sequenceNumber, r]));
        entries.forEach((e, i) => {
          const got = bySeq.get(results[i]?.sequenceNumber as string);
          expect(got?.partitionKey).toBe(e.partitionKey);
          expect(got?.shardId).toBe(results[i]?.shardId);
          expect(Buffer.compare(got?.data as Buffer, e.data as Buffer)).toBe(0);
        });
      } finally {
        api.close();
      }
    });

    it('a missing stream fails the call as ResourceNotFoundException (fatal)', async () => {
      const client = createKinesisClient({ endpoint: emu.endpoint, maxSockets: 2, env });
      const api = sdkKinesisApi(client, { protocol });
      try {
        const err = await api.putRecords('no-such-stream', [entry(Buffer.from('x'), 'k')]).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeDefined();
        expect(classifyCallError(err)).toMatchObject({ code: 'ResourceNotFoundException', class: 'fatal' });
      } finally {
        api.close();
      }
    });

    it('an aggregated produce() run delivers every record', async () => {
      const stream = `wire-agg-${protocol}-${streams++}`;
      await emu.createStream(stream, 2);
      const n = 6000;
      const lines = Array.from({ length: n }, (_, i) => JSON.stringify({ i, pad: 'é'.repeat(i % 300) }));
      const input = join(dir, `${stream}.ndjson`);
      writeFileSync(input, lines.join('\n') + '\n');
      const client = createKinesisClient({ endpoint: emu.endpoint, maxSockets: 4, env });
      const api = sdkKinesisApi(client, { protocol });
      try {
        const s = await produce(
          {
            input,
            stream,
            aggregate: true,
            maxBadRecords: 0,
            badRecordsPath: `${input}.bad`,
            failedRecordsPath: `${input}.failed`,
          },
          { api },
        );
        expect(s).toMatchObject({ sent: n, failed: 0, error: null });
        expect(s.calls).toBeGreaterThanOrEqual(2);
        const read = await readStream(emu.client, stream, s.kinesisRecords);
        const got: string[] = [];
        for (const r of read) {
          for (const u of referenceDeaggregate(r.data, r.partitionKey)) got.push(u.data.toString('utf8'));
        }
        expect(got.sort()).toEqual([...lines].sort());
      } finally {
        api.close();
      }
    });
  });
});
