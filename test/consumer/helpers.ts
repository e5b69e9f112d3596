/**
 * Shared pieces of the consumer's cross-process tests: run `floe` from the TypeScript sources
 * (no build step, through test/support/ts-register.mjs), generate records, read tables back.
 * streamPlan/putPayloads/dirtyPositions/expectDeadLetters: a stream with duplicates and dirty
 * records, and the exact table rows and dead letters it must give (e2e and crash tests).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  GetRecordsCommand,
  GetShardIteratorCommand,
  ListShardsCommand,
  PutRecordsCommand,
  type KinesisClient,
} from '@aws-sdk/client-kinesis';
import { expect } from 'vitest';
import type { DeadLetter } from '../../src/consumer/deadletter/index.js';
import { deaggregate } from '../../src/records/kpl.js';
import { kinesisEnv } from '../setup/kinesis.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const REGISTER = join(ROOT, 'test/support/ts-register.mjs');
const MAIN = join(ROOT, 'src/cli/main.ts');

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function startFloe(
  args: string[],
  options: { cwd: string; endpoint?: string; env?: Record<string, string> },
): {
  child: ChildProcess;
  done: Promise<Run>;
  output: () => string;
} {
  const child = spawn(process.execPath, ['--import', REGISTER, MAIN, ...args], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? '',
      ...(options.endpoint ? kinesisEnv(options.endpoint) : {}),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((res) =>
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr })),
  );
  return { child, done, output: () => stdout };
}

export function floe(
  args: string[],
  options: { cwd: string; endpoint?: string; env?: Record<string, string> },
): Promise<Run> {
  return startFloe(args, options).done;
}

/** JSON log lines of a run (non-JSON lines ignored). */
export function logLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export const EVENT_SCHEMA = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'name', required: false, type: 'string' },
    { id: 3, name: 'ts', required: false, type: 'timestamptz' },
    { id: 4, name: 'amount', required: false, type: 'double' },
  ],
};

const BASE_US = 1_700_000_000_000_000n;

/** Record i as the producer sends it, and the canonical row readers.py prints for it. */
export function eventRecord(i: number): {
  json: Record<string, unknown>;
  canonical: Record<string, unknown>;
} {
  const ts = BASE_US + BigInt(i) * 1_000_003n;
  const iso = new Date(Number(ts / 1000n))
    .toISOString()
    .replace('Z', `${String(ts % 1000n).padStart(3, '0')}Z`);
  const amount = i % 7 === 0 ? null : Math.round(i * 1.25 * 100) / 100;
  const name = i % 11 === 0 ? null : `name-${i}-${'é'.repeat(i % 3)}`;
  return {
    json: { id: i, name, ts: iso, amount },
    canonical: { id: String(i), name, ts: ts.toString(), amount },
  };
}

export function ndjson(from: number, to: number): string {
  const lines: string[] = [];
  for (let i = from; i < to; i++) lines.push(JSON.stringify(eventRecord(i).json));
  return lines.join('\n') + '\n';
}

export function expectedRows(ids: Iterable<number>): Record<string, unknown>[] {
  return [...ids].map((i) => eventRecord(i).canonical);
}

export function sortById<T extends Record<string, unknown>>(rows: T[]): T[] {
  return [...rows].sort((a, b) => Number(a.id) - Number(b.id));
}

/** Rules for EVENT_SCHEMA records: a good record's name starts with `name-` and its amount is >= 0. */
export const EVENT_RULES = { fields: { name: { regex: '^name-' }, amount: { min: 0 } } };

/**
 * Bad record i, tagged `bad-<i>` in its payload: even i fails decoding (id is not a long), odd i
 * breaks both rules of EVENT_RULES (two reasons). `reasons` is how many the dead letter must list.
 */
export function badRecord(i: number): { json: Record<string, unknown>; reasons: number } {
  return i % 2 === 0
    ? { json: { id: `bad-${i}`, name: `bad-${i}`, ts: null, amount: 1 }, reasons: 1 }
    : { json: { id: i, name: `bad-${i}`, ts: null, amount: -1 }, reasons: 2 };
}

/** Records from..to as NDJSON, with badRecord(i) in place of record i wherever `isBad(i)`. */
export function ndjsonWithBad(from: number, to: number, isBad: (i: number) => boolean): string {
  const lines: string[] = [];
  for (let i = from; i < to; i++)
    lines.push(JSON.stringify(isBad(i) ? badRecord(i).json : eventRecord(i).json));
  return lines.join('\n') + '\n';
}

/** A payload that is not JSON at all (the producer refuses such lines, so tests put it with the SDK). */
export function brokenPayload(j: number): string {
  return `{"id": ${j}, "name": "bad-broken-${j}"`;
}

/** The tag a dirty payload carries (`bad-<i>` or `bad-broken-<j>`), or undefined for a clean one. */
export function dirtyTag(raw: string): string | undefined {
  return /bad-(broken-)?\d+/.exec(raw)?.[0];
}

/** The reasons a dead letter of `tag` must give: how many, and a pattern each must match (in order). */
export function expectedReasons(tag: string): RegExp[] {
  const m = /^bad-(\d+)$/.exec(tag);
  if (!m) return [/./]; // undecodable JSON: one reason
  return badRecord(Number(m[1])).reasons === 1 ? [/\bid\b/] : [/\bname\b/, /\bamount\b/];
}

export interface StreamPlanOptions {
  /** Records sent in all: distinct records, their duplicates and the broken payloads. */
  readonly records: number;
  /** About this many of them go to the plain file (one Kinesis record each); the rest are aggregated. */
  readonly plain: number;
  /** Undecodable payloads, sent apart (see brokenPayload). */
  readonly broken: number;
  /** Record i is dirty (badRecord(i)); default: about 1%. */
  readonly isBad?: (i: number) => boolean;
  /** Good record i is sent twice in a row (same PutRecords call / same aggregate); default: about 2%. */
  readonly nearDup?: (i: number) => boolean;
  /** Good record i is sent again at the end of the other file (tens of thousands of records apart); default: about 1.4%. */
  readonly farDup?: (i: number) => boolean;
}

/**
 * What a test sends and what it must find: NDJSON for `floe produce` (plain and `--aggregate`),
 * the broken payloads, and the expected outcome with `--dedupe-key id --rules EVENT_RULES`: the
 * distinct good ids (the table's rows) and the dirty tags (the dead letters, each exactly once).
 * A duplicate is the same line again (same dedupe key, same payload); dirty records are never
 * duplicated, since validation comes before dedupe and each copy would be a dead letter.
 */
export interface StreamPlan {
  readonly plain: string;
  readonly aggregated: string;
  readonly broken: string[];
  /** Records sent in all (plain + aggregated lines + broken). */
  readonly sent: number;
  /** Ids of the distinct good records, ascending: exactly the table's rows. */
  readonly goodIds: number[];
  /** Tags of every dirty record, sorted: exactly the dead letters. */
  readonly dirtyTags: string[];
  /** Duplicate sends: what dedupe must drop. */
  readonly duplicates: number;
  readonly nearDuplicates: number;
  readonly farDuplicates: number;
}

/** The files `floe produce` and `floe consume` read for a plan: schema.json, rules.json, plain.ndjson and agg.ndjson in `dir`. */
export function writePlanFiles(dir: string, plan: StreamPlan): void {
  writeFileSync(join(dir, 'schema.json'), JSON.stringify(EVENT_SCHEMA));
  writeFileSync(join(dir, 'rules.json'), JSON.stringify(EVENT_RULES));
  writeFileSync(join(dir, 'plain.ndjson'), plan.plain);
  writeFileSync(join(dir, 'agg.ndjson'), plan.aggregated);
}

export function streamPlan(o: StreamPlanOptions): StreamPlan {
  const isBad = o.isBad ?? ((i: number) => i % 97 === 13);
  const nearDup = o.nearDup ?? ((i: number) => i % 53 === 7);
  const farDup = o.farDup ?? ((i: number) => i % 71 === 5);
  const plain: string[] = [];
  const aggregated: string[] = [];
  const plainTail: string[] = [];
  const aggTail: string[] = [];
  const goodIds: number[] = [];
  const dirtyTags: string[] = [];
  let near = 0;
  let far = 0;
  let sent = o.broken;
  for (let i = 0; sent < o.records; i++) {
    const inPlain = sent - o.broken < o.plain;
    const body = inPlain ? plain : aggregated;
    if (isBad(i)) {
      body.push(JSON.stringify(badRecord(i).json));
      dirtyTags.push(`bad-${i}`);
      sent++;
      continue;
    }
    const line = JSON.stringify(eventRecord(i).json);
    body.push(line);
    goodIds.push(i);
    sent++;
    if (nearDup(i) && sent < o.records) {
      body.push(line);
      near++;
      sent++;
    }
    if (farDup(i) && sent < o.records) {
      (inPlain ? aggTail : plainTail).push(line);
      far++;
      sent++;
    }
  }
  for (let j = 0; j < o.broken; j++) dirtyTags.push(`bad-broken-${j}`);
  const text = (lines: string[]): string => (lines.length ? lines.join('\n') + '\n' : '');
  return {
    plain: text([...plain, ...plainTail]),
    aggregated: text([...aggregated, ...aggTail]),
    broken: Array.from({ length: o.broken }, (_, j) => brokenPayload(j)),
    sent,
    goodIds,
    dirtyTags: dirtyTags.sort(),
    duplicates: near + far,
    nearDuplicates: near,
    farDuplicates: far,
  };
}

/** Puts raw payloads with the SDK (for what `floe produce` would refuse), 50 per call. */
export async function putPayloads(client: KinesisClient, stream: string, payloads: string[]): Promise<void> {
  for (let j = 0; j < payloads.length; j += 50) {
    const Records = payloads.slice(j, j + 50).map((p, k) => ({
      PartitionKey: `raw-${j + k}`,
      Data: Buffer.from(p),
    }));
    const r = await client.send(new PutRecordsCommand({ StreamName: stream, Records }));
    if ((r.FailedRecordCount ?? 0) > 0) throw new Error(`PutRecords: ${r.FailedRecordCount} records failed`);
  }
}

export interface StreamPosition {
  readonly shard: string;
  readonly seq: string;
  /** The sub-record index when the record came in a KPL aggregate, else null. */
  readonly sub: number | null;
}

/**
 * Where each dirty record sits in the stream, by tag: every shard read from TRIM_HORIZON to its
 * end (all shards at once: kinesis-local serves GetRecords slowly), records de-aggregated.
 */
export async function dirtyPositions(
  client: KinesisClient,
  stream: string,
): Promise<Map<string, StreamPosition>> {
  const shards = (await client.send(new ListShardsCommand({ StreamName: stream }))).Shards ?? [];
  const found = await Promise.all(
    shards.map(async (s) => {
      const shard = s.ShardId as string;
      const out: [string, StreamPosition][] = [];
      let iterator = (
        await client.send(
          new GetShardIteratorCommand({
            StreamName: stream,
            ShardId: shard,
            ShardIteratorType: 'TRIM_HORIZON',
          }),
        )
      ).ShardIterator;
      const deadline = Date.now() + 120_000;
      while (iterator && Date.now() < deadline) {
        const r = await client.send(new GetRecordsCommand({ ShardIterator: iterator, Limit: 10_000 }));
        for (const rec of r.Records ?? []) {
          const data = rec.Data as Uint8Array;
          const users = deaggregate(data);
          const parts = users ? users.map((u, sub) => ({ data: u.data, sub })) : [{ data, sub: null }];
          for (const u of parts) {
            const tag = dirtyTag(Buffer.from(u.data).toString('utf8'));
            if (tag !== undefined) out.push([tag, { shard, seq: rec.SequenceNumber as string, sub: u.sub }]);
          }
        }
        // Caught up: nothing more is being written.
        if ((r.Records ?? []).length === 0 && r.MillisBehindLatest === 0) break;
        iterator = r.NextShardIterator;
      }
      return out;
    }),
  );
  const where = new Map<string, StreamPosition>();
  for (const [tag, at] of found.flat()) {
    if (where.has(tag)) throw new Error(`${tag} is in the stream twice`);
    where.set(tag, at);
  }
  return where;
}

/**
 * The dead letters are exactly the dirty records: each tag once (none lost, none doubled, nothing
 * clean), each at its stream position, with its reasons (how many, and what they name), and, when
 * `snapshotIds` is given, carried by a committed snapshot.
 */
export function expectDeadLetters(
  letters: readonly DeadLetter[],
  o: {
    stream: string;
    dirtyTags: readonly string[];
    where: Map<string, StreamPosition>;
    snapshotIds?: Set<string>;
  },
): void {
  expect([...o.where.keys()].sort()).toEqual(o.dirtyTags);
  expect(letters.map((l) => dirtyTag(l.raw) ?? `clean: ${l.raw}`).sort()).toEqual(o.dirtyTags);
  for (const l of letters) {
    const tag = dirtyTag(l.raw) as string;
    const at = o.where.get(tag);
    expect({
      tag,
      stream: l.stream,
      shard: l.shard,
      seq: l.sequenceNumber,
      sub: l.subSequenceNumber,
    }).toEqual({
      tag,
      stream: o.stream,
      shard: at?.shard,
      seq: at?.seq,
      sub: at?.sub,
    });
    const patterns = expectedReasons(tag);
    expect(l.reasons.length, `${tag}: ${l.reasons.join('; ')}`).toBe(patterns.length);
    patterns.forEach((p, k) => expect(l.reasons[k], `${tag} reason ${k}`).toMatch(p));
    if (o.snapshotIds) expect(o.snapshotIds.has(l.snapshotId), `${tag}: snapshot ${l.snapshotId}`).toBe(true);
  }
}
