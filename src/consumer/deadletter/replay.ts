/**
 * The core of `floe dlq replay`: the committed dead letters to re-send, filtered. The caller
 * (CLI) fixes or re-sends each one (PutRecords with its partition key) and may record what it sent
 * with a ReplayLedger, so that running the replay again does not send the same letter twice.
 */
import type { TableIdentifier } from '../../iceberg/catalog.js';
import type { FileIO } from '../../iceberg/io/fileio.js';
import type { TableMetadata } from '../../iceberg/spec/model.js';
import { payloadOf, type DeadLetter } from './format.js';
import { deadLetterDir } from './paths.js';
import { committedDeadLetters, readDeadLetterFile } from './reader.js';

export interface ReplayFilter {
  /** Keep letters with at least one reason containing this text, or matching this RegExp. */
  readonly reason?: string | RegExp;
  /** Rejection time bounds (inclusive), compared with the letter's `time`. */
  readonly since?: Date;
  readonly until?: Date;
  readonly stream?: string;
  readonly shard?: string;
  /** Include letters a ledger says were already replayed (default false). */
  readonly includeReplayed?: boolean;
}

export interface ReplayOptions extends ReplayFilter {
  readonly io: FileIO;
  readonly location: string;
  readonly table: TableIdentifier | string;
  readonly metadata: TableMetadata;
  readonly ledger?: ReplayLedger;
}

export interface ReplayRecord {
  readonly letter: DeadLetter;
  /** The payload bytes as read from the stream. */
  readonly payload: Uint8Array;
  /** The partition key to re-send under (the original one when known, else the sequence number). */
  readonly partitionKey: string;
  /** Stable identity of this letter: `<snapshotId>:<line index>`. */
  readonly id: string;
  readonly file: string;
}

export function matchesFilter(letter: DeadLetter, filter: ReplayFilter): boolean {
  if (filter.stream !== undefined && letter.stream !== filter.stream) return false;
  if (filter.shard !== undefined && letter.shard !== filter.shard) return false;
  const t = Date.parse(letter.time);
  if (filter.since !== undefined && !(t >= filter.since.getTime())) return false;
  if (filter.until !== undefined && !(t <= filter.until.getTime())) return false;
  const r = filter.reason;
  if (r !== undefined) {
    const hit = letter.reasons.some((reason) =>
      typeof r === 'string' ? reason.includes(r) : ((r.lastIndex = 0), r.test(reason)),
    );
    if (!hit) return false;
  }
  return true;
}

/** The committed dead letters of a table that pass the filter, in commit order then line order. */
export async function* replayDeadLetters(options: ReplayOptions): AsyncGenerator<ReplayRecord> {
  const done =
    options.ledger && !options.includeReplayed ? await options.ledger.replayedIds() : new Set<string>();
  for (const f of await committedDeadLetters(options)) {
    const letters = await readDeadLetterFile(options.io, f.path);
    for (let i = 0; i < letters.length; i++) {
      const letter = letters[i] as DeadLetter;
      const id = `${f.snapshotId}:${i}`;
      if (done.has(id) || !matchesFilter(letter, options)) continue;
      yield {
        letter,
        payload: payloadOf(letter),
        partitionKey: letter.partitionKey ?? letter.sequenceNumber,
        id,
        file: f.path,
      };
    }
  }
}

/**
 * Remembers which letters were replayed: one small file per replay run under
 * `<location>/<table>/_replayed/`, listing the ids sent. Record after the PutRecords succeeded;
 * a crash between sending and recording re-sends those letters on the next run (at least once —
 * the table's dedupe key catches the copies within its window).
 */
export class ReplayLedger {
  private readonly dir: string;

  constructor(
    private readonly io: FileIO,
    location: string,
    table: TableIdentifier | string,
  ) {
    this.dir = `${deadLetterDir(location, table)}/_replayed/`;
  }

  async replayedIds(): Promise<Set<string>> {
    const ids = new Set<string>();
    for (const info of await this.io.list(this.dir)) {
      const text = new TextDecoder().decode(await this.io.read(info.path));
      for (const line of text.split('\n')) if (line !== '') ids.add(line);
    }
    return ids;
  }

  /** Records ids as replayed (one new file per call; ids are `ReplayRecord.id`). */
  async record(ids: readonly string[], nowMs = Date.now()): Promise<void> {
    if (ids.length === 0) return;
    const name = `${nowMs}-${Math.random().toString(36).slice(2, 10)}.txt`;
    await this.io.write(this.dir + name, new TextEncoder().encode(ids.join('\n') + '\n'));
  }
}
