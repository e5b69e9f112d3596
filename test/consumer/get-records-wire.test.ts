/**
 * GetRecords responses read by floe (src/consumer/get-records-wire.ts), over the wire to both
 * emulators: the consumer's read API returns exactly what the SDK's own deserialiser makes of the
 * same response (every byte value, Unicode partition keys, a large blob, a KPL aggregate, arrival
 * times), the plugin really took the response, and an error answer fails as the SDK's does.
 */
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { describe, expect, it } from 'vitest';
import { getRecordsResponsePlugin, type GetRecordsHolder } from '../../src/consumer/get-records-wire.js';
import { sdkReadApi } from '../../src/consumer/kinesis.js';
import { encodeAggregate } from '../../src/producer/kpl.js';
import { startKinesalite, startKinesisLocal, type Emulator } from '../setup/kinesis.js';
import { emulatorPerFile } from '../support/emulator-per-file.js';

async function firstIterator(client: KinesisClient, stream: string): Promise<string> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const it = await client.send(
    new GetShardIteratorCommand({
      StreamName: stream,
      ShardId: shards[0]?.ShardId,
      ShardIteratorType: 'TRIM_HORIZON',
    }),
  );
  return it.ShardIterator as string;
}

describe.each([
  ['kinesis-local', startKinesisLocal],
  ['kinesalite', startKinesalite],
] as const)('%s', (name, start) => {
  let emu: Emulator;
  emulatorPerFile(`floe-getrecords-${name}-`, start, (e) => {
    emu = e;
  });

  it('returns what the SDK deserialiser returns for the same response, and takes it itself', async () => {
    const stream = 'wire-read';
    await emu.createStream(stream, 1);
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    const aggregate = encodeAggregate([
      { partitionKey: 'a', data: Buffer.from('{"n":1}') },
      { partitionKey: 'b', data: Buffer.from('{"n":"ü"}') },
    ]);
    const sent = [
      { Data: all, PartitionKey: 'ключ-🔑' },
      { Data: Buffer.alloc(600_001, 0x7e), PartitionKey: 'big' },
      { Data: Buffer.from('{"a":"\\u0000\\"x"}'), PartitionKey: 'json "quoted" \\ key' },
      { Data: Buffer.from([0]), PartitionKey: 'one' },
      { Data: Buffer.from([1, 2]), PartitionKey: 'two' },
      { Data: aggregate, PartitionKey: 'agg' },
    ];
    const put = await emu.client.send(new PutRecordsCommand({ StreamName: stream, Records: sent }));
    expect(put.FailedRecordCount ?? 0).toBe(0);
    const iterator = await firstIterator(emu.client, stream);

    const reference = await emu.client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 }));
    const ours = await sdkReadApi(emu.client).getRecords(iterator, 100);
    expect(ours.records.length).toBe(sent.length);
    expect(
      ours.records.map((r) => ({
        seq: r.sequenceNumber,
        key: r.partitionKey,
        data: Buffer.from(r.data).toString('hex'),
        at: r.arrivalMs,
      })),
    ).toEqual(
      (reference.Records ?? []).map((r) => ({
        seq: r.SequenceNumber,
        key: r.PartitionKey,
        data: Buffer.from(r.Data ?? []).toString('hex'),
        at: r.ApproximateArrivalTimestamp?.getTime(),
      })),
    );
    expect(ours.records.map((r) => Buffer.from(r.data).toString('hex'))).toEqual(
      sent.map((s) => s.Data.toString('hex')),
    );
    expect(typeof ours.nextIterator).toBe('string');
    expect(typeof ours.millisBehindLatest).toBe(typeof reference.MillisBehindLatest);

    // The plugin parsed the response itself (the SDK's deserialiser saw an empty document).
    const holder: GetRecordsHolder = {};
    const command = new GetRecordsCommand({ ShardIterator: iterator, Limit: 100 });
    command.middlewareStack.use(getRecordsResponsePlugin(holder));
    const sdkOut = await emu.client.send(command);
    expect(holder.parsed?.records.length).toBe(sent.length);
    expect(sdkOut.Records).toBeUndefined();
  });

  it('fails a call with a bad iterator as the SDK does', async () => {
    const bogus = 'AAAAAAAAAAGmjdWbogYd3aBkFBi1Q+1bS7pIzP2IvQF1rYCmBJeBCU8XRpeH/7AFJgPUmxU5Zw0=';
    const reference = await emu.client
      .send(new GetRecordsCommand({ ShardIterator: bogus, Limit: 1 }))
      .catch((e: unknown) => e as Error);
    const ours = await sdkReadApi(emu.client)
      .getRecords(bogus, 1)
      .catch((e: unknown) => e as Error);
    expect(reference).toBeInstanceOf(Error);
    expect(ours).toBeInstanceOf(Error);
    expect((ours as Error).name).toBe((reference as Error).name);
  });
});
