/**
 * Schema inference for a table that does not exist yet and has no schema file: peek at the
 * stream's first records (TRIM_HORIZON of every shard, KPL aggregates unpacked) and infer types
 * the way `floe load` does (src/records/infer.ts). Peeking reads nothing for good: no position is
 * kept, and the consumer reads the same records again once the table exists.
 */
import { FloeError } from '../errors.js';
import type { Schema } from '../iceberg/spec/schema.js';
import { RecordCollector } from '../records/collector.js';
import { CsvReader, csvLine } from '../records/csv.js';
import { inferSchema, DEFAULT_INFER_SAMPLE } from '../records/infer.js';
import { deaggregate } from '../records/kpl.js';
import type { SourceRecord } from '../records/record.js';
import type { KinesisReadApi } from './kinesis.js';

export interface StreamSampleOptions {
  readonly format: 'json' | 'csv';
  /** CSV streams: the column names (a CSV record on a stream has no header row). */
  readonly csvHeader?: readonly string[];
  /** Records to sample (default 1000, as `floe load`). */
  readonly maxRecords?: number;
  /** GetRecords calls per shard at most (default 5: one second of a shard's call budget). */
  readonly maxCallsPerShard?: number;
}

const utf8 = new TextDecoder('utf-8');

/** Up to `maxRecords` user-record payloads from the start of the stream's shards. */
export async function sampleStream(
  api: KinesisReadApi,
  stream: string,
  options: Pick<StreamSampleOptions, 'maxRecords' | 'maxCallsPerShard'> = {},
): Promise<Uint8Array[]> {
  const max = options.maxRecords ?? DEFAULT_INFER_SAMPLE;
  const out: Uint8Array[] = [];
  for (const shard of await api.listShards(stream)) {
    let iterator: string | undefined = await api.getShardIterator(stream, shard.shardId, {
      type: 'TRIM_HORIZON',
    });
    for (let call = 0; iterator && out.length < max && call < (options.maxCallsPerShard ?? 5); call++) {
      const r = await api.getRecords(iterator, Math.min(10_000, max - out.length));
      for (const rec of r.records) {
        const users = deaggregate(rec.data);
        if (users) for (const u of users) out.push(u.data);
        else out.push(rec.data);
      }
      if (r.records.length === 0 && !(r.millisBehindLatest !== undefined && r.millisBehindLatest > 0)) break;
      iterator = r.nextIterator;
    }
    if (out.length >= max) break;
  }
  return out.slice(0, max);
}

/** The inferred schema, or undefined when the stream has no records yet. */
export async function inferSchemaFromStream(
  api: KinesisReadApi,
  stream: string,
  options: StreamSampleOptions,
): Promise<Schema | undefined> {
  if (options.format === 'csv' && !options.csvHeader) {
    throw new FloeError(
      'config',
      `stream ${stream} is CSV and the table has no schema: give "csvHeader" (or a schema file) to infer one`,
    );
  }
  const payloads = await sampleStream(api, stream, options);
  if (payloads.length === 0) return undefined;
  const records: SourceRecord[] = [];
  const collector = new RecordCollector(records);
  if (options.format === 'json') {
    payloads.forEach((p, i) => collector.json(utf8.decode(p).trim(), i + 1));
  } else {
    const reader = new CsvReader();
    reader.push(csvLine(options.csvHeader as string[]) + '\n', false, collector);
    for (const p of payloads) reader.push(utf8.decode(p).replace(/\r?\n?$/, '\n'), false, collector);
    reader.push('', true, collector);
  }
  return inferSchema(records);
}
