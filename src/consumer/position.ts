/**
 * Kinesis positions and the exactly-once rule (DESIGN.md, "Exactly-once protocol").
 *
 * A user record's position is (sequence number, sub-sequence number): the sub-sequence number is
 * its index inside a KPL aggregate, 0 for a plain record. A shard's checkpoint is the position of
 * the last record a table holds, or `end` once the shard was closed, read to its end and that was
 * committed (children may then be read).
 *
 * Summary encoding, key `floe.kinesis.<stream>.<shardId>`:
 *   "<seq>"        every user record of Kinesis record <seq> (and all before) is in the table;
 *                  resume AFTER_SEQUENCE_NUMBER <seq>. This is what floe writes: a flush always
 *                  takes whole Kinesis records.
 *   "<seq>:<sub>"  sub-records 0..<sub> of aggregate <seq> are in; resume AT_SEQUENCE_NUMBER <seq>
 *                  and skip sub-records <= <sub>. Accepted for writers that split aggregates.
 *   "end"          the closed shard is finished.
 * A whole record is the position (seq, WHOLE), so one total order covers all three forms.
 */
import { FloeError } from '../errors.js';

/** Sub-sequence of "every sub-record of this Kinesis record". */
export const WHOLE = Number.MAX_SAFE_INTEGER;

export interface Position {
  readonly sequence: bigint;
  readonly sub: number;
}

export type Checkpoint = Position | 'end';

export type Positions = ReadonlyMap<string, Checkpoint>;

export const SUMMARY_PREFIX = 'floe.kinesis.';

export function summaryKey(stream: string, shardId: string): string {
  return `${SUMMARY_PREFIX}${stream}.${shardId}`;
}

/** Total order: by sequence number, then sub-sequence; `end` is above everything. */
export function comparePositions(a: Checkpoint, b: Checkpoint): number {
  if (a === 'end' || b === 'end') return a === b ? 0 : a === 'end' ? 1 : -1;
  if (a.sequence !== b.sequence) return a.sequence < b.sequence ? -1 : 1;
  return a.sub === b.sub ? 0 : a.sub < b.sub ? -1 : 1;
}

export function maxCheckpoint(a: Checkpoint | undefined, b: Checkpoint | undefined): Checkpoint | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return comparePositions(a, b) >= 0 ? a : b;
}

/** The exactly-once skip rule: a record at or below the committed checkpoint is already in the table. */
export function isCommitted(record: Position, committed: Checkpoint | undefined): boolean {
  return committed !== undefined && comparePositions(record, committed) <= 0;
}

export function formatCheckpoint(c: Checkpoint): string {
  if (c === 'end') return 'end';
  return c.sub === WHOLE ? c.sequence.toString() : `${c.sequence}:${c.sub}`;
}

export function parseCheckpoint(text: string): Checkpoint {
  if (text === 'end') return 'end';
  const m = /^(\d{1,80})(?::(\d{1,15}))?$/.exec(text);
  if (!m)
    throw new FloeError(
      'invalid-metadata',
      `bad Kinesis position in snapshot summary: ${JSON.stringify(text)}`,
    );
  return { sequence: BigInt(m[1] as string), sub: m[2] === undefined ? WHOLE : Number(m[2]) };
}

/** The checkpoints of one stream's shards held in a snapshot summary. */
export function positionsFromSummary(
  summary: Readonly<Record<string, string>> | undefined,
  stream: string,
): Map<string, Checkpoint> {
  const out = new Map<string, Checkpoint>();
  if (!summary) return out;
  const prefix = `${SUMMARY_PREFIX}${stream}.`;
  for (const [k, v] of Object.entries(summary)) {
    // Shard ids never contain '.', so the rest of the key is the shard id even when stream names nest.
    if (k.startsWith(prefix) && !k.slice(prefix.length).includes('.'))
      out.set(k.slice(prefix.length), parseCheckpoint(v));
  }
  return out;
}

/** Cumulative merge: per shard the higher checkpoint wins, so no writer's progress is ever dropped. */
export function mergePositions(base: Positions, advance: Positions): Map<string, Checkpoint> {
  const out = new Map(base);
  for (const [shard, c] of advance) out.set(shard, maxCheckpoint(out.get(shard), c) as Checkpoint);
  return out;
}

/**
 * The summary properties for a commit on top of `head`: every `floe.kinesis.*` property of the head
 * (other streams included), with this stream's shards advanced to `advance`.
 */
export function positionSummary(
  head: Readonly<Record<string, string>> | undefined,
  stream: string,
  advance: Positions,
): { summary: Record<string, string>; positions: Map<string, Checkpoint> } {
  const summary: Record<string, string> = {};
  for (const [k, v] of Object.entries(head ?? {})) if (k.startsWith(SUMMARY_PREFIX)) summary[k] = v;
  const positions = mergePositions(positionsFromSummary(head, stream), advance);
  for (const [shard, c] of positions) summary[summaryKey(stream, shard)] = formatCheckpoint(c);
  return { summary, positions };
}

export function positionsToJson(p: Positions): Record<string, string> {
  return Object.fromEntries(
    [...p].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, c]) => [k, formatCheckpoint(c)]),
  );
}
