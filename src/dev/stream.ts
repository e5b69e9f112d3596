/**
 * The dev stream and the one hazard of a throw-away emulator: stale positions.
 *
 * The table's snapshot summaries keep per-shard positions under the stream's NAME
 * (`floe.kinesis.floe-dev.shardId-000000000000`). A fresh emulator creates a stream with the same
 * name and the same shard ids but new sequence numbers, which may be lower than (or unrelated to)
 * the committed ones: resuming "after" them would skip records of the new stream, or fail because
 * the sequence number does not exist. Positions describe one incarnation of a stream, so when this
 * run CREATED the stream, every position the table holds for that name belongs to an earlier
 * incarnation whose data is gone, and is dropped by an empty "reset" snapshot before the consumer
 * starts. A stream that already existed (an endpoint given by the user) keeps its positions.
 */
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { FloeError } from '../errors.js';
import { SUMMARY_PREFIX } from '../consumer/position.js';
import type { Table } from '../iceberg/table/index.js';

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function errName(err: unknown): string | undefined {
  return (err as { name?: string }).name;
}

/** Creates the stream when missing and waits until it is ACTIVE; says whether this call created it. */
export async function ensureStream(
  client: KinesisClient,
  stream: string,
  shards: number,
  timeoutMs = 60_000,
): Promise<{ created: boolean }> {
  let created = false;
  try {
    await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
  } catch (err) {
    if (errName(err) !== 'ResourceNotFoundException') throw err;
    try {
      await client.send(new CreateStreamCommand({ StreamName: stream, ShardCount: shards }));
      created = true;
    } catch (e) {
      // Someone else created it in between: theirs is as good.
      if (errName(e) !== 'ResourceInUseException') throw e;
    }
  }
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const d = await client.send(new DescribeStreamSummaryCommand({ StreamName: stream }));
    const status = d.StreamDescriptionSummary?.StreamStatus;
    if (status === 'ACTIVE' || status === 'UPDATING') return { created };
    if (Date.now() > deadline)
      throw new FloeError('io', `stream ${stream} is still ${status} after ${timeoutMs / 1000} s`);
    await sleep(100);
  }
}

/** The summary keys of `stream`'s shard positions (shard ids never contain '.'). */
function positionKeys(summary: Readonly<Record<string, string>> | undefined, stream: string): string[] {
  const prefix = `${SUMMARY_PREFIX}${stream}.`;
  return Object.keys(summary ?? {}).filter(
    (k) => k.startsWith(prefix) && !k.slice(prefix.length).includes('.'),
  );
}

/**
 * Drops the table's positions for `stream` with an empty append snapshot whose summary carries
 * every other stream's positions. Returns the dropped positions (empty: nothing to do, no commit).
 */
export async function resetStreamPositions(table: Table, stream: string): Promise<Record<string, string>> {
  await table.refresh();
  const head = table.currentSnapshot();
  const stale = positionKeys(head?.summary, stream);
  if (stale.length === 0) return {};
  const summary: Record<string, string> = {};
  for (const [k, v] of Object.entries(head?.summary ?? {})) {
    if (k.startsWith(SUMMARY_PREFIX) && !stale.includes(k)) summary[k] = v;
  }
  summary['floe.dev.positions-reset'] = stream;
  await table.appendFiles([], { summary });
  return Object.fromEntries(
    stale.map((k) => [k.slice(SUMMARY_PREFIX.length + stream.length + 1), head!.summary[k] as string]),
  );
}
