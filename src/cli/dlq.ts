/**
 * `floe dlq replay|list`: re-send a table's committed dead letters to a stream, or count them.
 *
 * Only letters whose snapshot is committed count (src/consumer/deadletter explains why that makes
 * them exactly-once). Each replayed letter goes back with its original partition key (same shard,
 * same relative order) and its id is recorded in the ledger after PutRecords accepted it, so a
 * second run sends nothing again. A crash between the put and the ledger write re-sends that batch
 * on the next run: at least once, and the table's dedupe key absorbs the copies.
 */
import { resolve } from 'node:path';
import { FloeError } from '../errors.js';
import { parseTableIdentifier, type TableIdentifier } from '../iceberg/catalog.js';
import { fileIOFor } from '../iceberg/io/index.js';
import {
  listDeadLetterFiles,
  ReplayLedger,
  replayDeadLetters,
  type ReplayFilter,
  type ReplayRecord,
} from '../consumer/deadletter/index.js';
import {
  checkEndpoint,
  classifyCallError,
  createKinesisClient,
  endpointFromEnv,
  RETRYABLE_ENTRY_CODES,
  sdkKinesisApi,
  type KinesisApi,
  type PutEntry,
} from '../producer/index.js';
import {
  MAX_BYTES_PER_CALL,
  MAX_PARTITION_KEY_CHARS,
  MAX_RECORDS_PER_CALL,
  MAX_RECORD_BYTES,
  recordSize,
} from '../producer/limits.js';
import { usageError, type CommandSpec, type ParsedArgs } from './args.js';
import { CATALOG_OPTIONS, catalogOptions, openCatalog, write, type CliContext } from './context.js';

export const dlqSpec: CommandSpec = {
  name: 'dlq',
  summary: "Replay a table's committed dead letters to a stream, or list them by reason.",
  usage: '<replay|list> --table <ns.name> [--stream <name>] [options]',
  positionals: [{ name: '<replay|list>', required: true }],
  options: {
    table: {
      type: 'string',
      valueName: '<ns.name>',
      description: 'the table the letters belong to',
      short: 't',
    },
    stream: {
      type: 'string',
      valueName: '<name>',
      description: 'replay: the stream to send to (required)',
      short: 's',
    },
    'dead-letter': {
      type: 'string',
      valueName: '<dir|s3://…>',
      description: 'dead-letter location (default <state-dir>/dead-letters)',
    },
    'state-dir': { type: 'string', valueName: '<dir>', description: 'consumer state dir (default ./.floe)' },
    reason: { type: 'string', valueName: '<regex>', description: 'only letters with a reason matching this' },
    since: { type: 'string', valueName: '<ISO time>', description: 'only letters rejected at or after this' },
    until: {
      type: 'string',
      valueName: '<ISO time>',
      description: 'only letters rejected at or before this',
    },
    'dry-run': { type: 'boolean', description: 'replay: print what would be sent, send nothing' },
    endpoint: {
      type: 'string',
      valueName: '<url>',
      description: 'Kinesis endpoint (default $AWS_ENDPOINT_URL_KINESIS, $AWS_ENDPOINT_URL)',
    },
    ...CATALOG_OPTIONS,
  },
  details: `replay re-sends each matching committed dead letter with its original partition key
(PutRecords, up to 500 per call, failed entries retried) and records it as replayed, so running
it again sends nothing twice. list counts the committed dead letters per reason.
Exit codes: 0 done; 1 some letters could not be sent; 2 bad flags.`,
};

const ACTIONS = ['replay', 'list'] as const;
type Action = (typeof ACTIONS)[number];

interface DlqSettings {
  readonly action: Action;
  readonly table: TableIdentifier;
  readonly location: string;
  readonly filter: ReplayFilter;
  readonly stream?: string;
  readonly endpoint?: string;
  readonly dryRun: boolean;
}

function time(name: string, v: string | undefined): Date | undefined {
  if (v === undefined) return undefined;
  const t = Date.parse(v);
  if (Number.isNaN(t))
    throw usageError(dlqSpec, `--${name} must be an ISO-8601 time, got ${JSON.stringify(v)}`);
  return new Date(t);
}

/** Flags → settings; every mistake is a usage error (exit 2) before anything is touched. */
export function dlqSettings(ctx: CliContext, args: ParsedArgs): DlqSettings {
  const v = args.values;
  const str = (k: string): string | undefined => v[k] as string | undefined;
  const action = args.positionals[0] as string;
  if (!(ACTIONS as readonly string[]).includes(action)) {
    throw usageError(dlqSpec, `unknown action ${JSON.stringify(action)}, expected replay or list`);
  }
  const tableText = str('table');
  if (tableText === undefined) throw usageError(dlqSpec, 'missing --table <ns.name>');
  let table: TableIdentifier;
  try {
    table = parseTableIdentifier(tableText);
  } catch (err) {
    throw usageError(dlqSpec, (err as Error).message);
  }
  const stream = str('stream');
  if (action === 'replay' && stream === undefined && v['dry-run'] !== true) {
    throw usageError(dlqSpec, 'replay needs --stream <name> (the stream to send to)');
  }
  let reason: RegExp | undefined;
  if (str('reason') !== undefined) {
    try {
      reason = new RegExp(str('reason') as string);
    } catch (err) {
      throw usageError(dlqSpec, `--reason is not a regular expression: ${(err as Error).message}`);
    }
  }
  const since = time('since', str('since'));
  const until = time('until', str('until'));
  const endpoint = str('endpoint') ?? endpointFromEnv(ctx.env);
  if (endpoint !== undefined) {
    try {
      checkEndpoint(endpoint);
    } catch (err) {
      throw usageError(dlqSpec, (err as Error).message);
    }
  }
  const dl = str('dead-letter');
  const location =
    dl !== undefined
      ? /^[a-z][a-z0-9+.-]*:\/\//i.test(dl)
        ? dl.replace(/\/+$/, '')
        : resolve(ctx.cwd, dl)
      : resolve(ctx.cwd, str('state-dir') ?? '.floe', 'dead-letters');
  return {
    action: action as Action,
    table,
    location,
    filter: {
      ...(reason !== undefined ? { reason } : {}),
      ...(since !== undefined ? { since } : {}),
      ...(until !== undefined ? { until } : {}),
    },
    ...(stream !== undefined ? { stream } : {}),
    ...(endpoint !== undefined ? { endpoint } : {}),
    dryRun: v['dry-run'] === true,
  };
}

export interface DlqDeps {
  /** Kinesis API override (tests); default: the SDK client for the endpoint. */
  readonly api?: KinesisApi;
  /** Attempts per entry before it counts as failed (default 5). */
  readonly maxAttempts?: number;
  readonly backoffMs?: number;
}

export async function dlqCommand(ctx: CliContext, args: ParsedArgs, deps: DlqDeps = {}): Promise<number> {
  const s = dlqSettings(ctx, args);
  const loaded = await openCatalog(ctx, catalogOptions(ctx, args.values)).loadTable(s.table);
  const io = fileIOFor(s.location);
  const base = { io, location: s.location, table: s.table, metadata: loaded.metadata };
  if (s.action === 'list') return list(ctx, s, base);

  const ledger = new ReplayLedger(io, s.location, s.table);
  const done = await ledger.replayedIds();
  const pending: ReplayRecord[] = [];
  let matched = 0;
  let skipped = 0;
  for await (const r of replayDeadLetters({ ...base, ...s.filter, includeReplayed: true })) {
    matched++;
    if (done.has(r.id)) skipped++;
    else pending.push(r);
  }
  if (s.dryRun) {
    for (const r of pending) {
      write(
        ctx.stdout,
        `would send ${r.id} key=${JSON.stringify(r.partitionKey)} bytes=${r.payload.length} ` +
          `reasons=${JSON.stringify(r.letter.reasons)} payload=${preview(r.payload)}`,
      );
    }
    write(
      ctx.stdout,
      `dry run: matched ${matched}, would send ${pending.length}, skipped ${skipped} (already replayed)`,
    );
    return 0;
  }
  let sent = 0;
  let failed = 0;
  if (pending.length > 0) {
    const api =
      deps.api ?? sdkKinesisApi(createKinesisClient({ endpoint: s.endpoint, maxSockets: 4, env: ctx.env }));
    try {
      for (const batch of batches(pending)) {
        const result = await putWithRetry(api, s.stream as string, batch, deps);
        // Recorded per batch: a crash later re-sends at most the batch in flight.
        await ledger.record(result.sent.map((r) => r.id));
        sent += result.sent.length;
        failed += result.failed.length;
        for (const f of result.failed)
          write(ctx.stderr, `floe: dlq: could not send ${f.record.id}: ${f.error}`);
      }
    } finally {
      if (!deps.api) api.close();
    }
  }
  write(
    ctx.stdout,
    `replayed to ${s.stream}: matched ${matched}, sent ${sent}, skipped ${skipped} (already replayed), failed ${failed}`,
  );
  return failed > 0 ? 1 : 0;
}

async function list(
  ctx: CliContext,
  s: DlqSettings,
  base: Parameters<typeof listDeadLetterFiles>[0],
): Promise<number> {
  const counts = new Map<string, number>();
  let total = 0;
  for await (const r of replayDeadLetters({ ...base, ...s.filter, includeReplayed: true })) {
    total++;
    for (const reason of new Set(r.letter.reasons)) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const replayed = (await new ReplayLedger(base.io, base.location, base.table).replayedIds()).size;
  const listing = await listDeadLetterFiles(base);
  const rows = [...counts].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
  for (const [reason, n] of rows) write(ctx.stdout, `${String(n).padStart(8)}  ${reason}`);
  write(
    ctx.stdout,
    `${total} committed dead letter(s) in ${listing.committed.length} file(s); ` +
      `${replayed} replayed so far; ${listing.uncommitted.length} uncommitted file(s) ignored`,
  );
  return 0;
}

function preview(payload: Uint8Array): string {
  const text = Buffer.from(payload).toString('utf8');
  return JSON.stringify(text.length > 120 ? text.slice(0, 120) + '…' : text);
}

/** Chunks within the PutRecords limits (500 entries, 5 MiB). */
function* batches(records: readonly ReplayRecord[]): Generator<ReplayRecord[]> {
  let cur: ReplayRecord[] = [];
  let bytes = 0;
  for (const r of records) {
    const size = recordSize(r.payload, r.partitionKey);
    if (cur.length > 0 && (cur.length >= MAX_RECORDS_PER_CALL || bytes + size > MAX_BYTES_PER_CALL)) {
      yield cur;
      cur = [];
      bytes = 0;
    }
    cur.push(r);
    bytes += size;
  }
  if (cur.length > 0) yield cur;
}

interface PutResult {
  readonly sent: ReplayRecord[];
  readonly failed: { record: ReplayRecord; error: string }[];
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** One batch: failed entries (retryable codes, or a retryable whole-call error) are sent again. */
async function putWithRetry(
  api: KinesisApi,
  stream: string,
  batch: readonly ReplayRecord[],
  deps: DlqDeps,
): Promise<PutResult> {
  const maxAttempts = deps.maxAttempts ?? 5;
  const backoff = deps.backoffMs ?? 100;
  const sent: ReplayRecord[] = [];
  const failed: PutResult['failed'] = [];
  let todo: ReplayRecord[] = [];
  for (const r of batch) {
    // A letter the service can never accept fails alone instead of failing its whole batch.
    if (r.partitionKey.length === 0 || r.partitionKey.length > MAX_PARTITION_KEY_CHARS)
      failed.push({ record: r, error: `partition key of ${r.partitionKey.length} chars is not allowed` });
    else if (recordSize(r.payload, r.partitionKey) > MAX_RECORD_BYTES)
      failed.push({ record: r, error: 'record is larger than 1 MiB' });
    else todo.push(r);
  }
  for (let attempt = 1; todo.length > 0; attempt++) {
    const entries: PutEntry[] = todo.map((r) => ({
      data: r.payload,
      partitionKey: r.partitionKey,
      size: recordSize(r.payload, r.partitionKey),
      records: [],
      attempts: attempt - 1,
    }));
    const retry: ReplayRecord[] = [];
    const errors = new Map<ReplayRecord, string>();
    try {
      const results = await api.putRecords(stream, entries);
      results.forEach((res, i) => {
        const r = todo[i] as ReplayRecord;
        if (res.errorCode === undefined || res.errorCode === null) sent.push(r);
        else if (RETRYABLE_ENTRY_CODES.has(res.errorCode)) {
          retry.push(r);
          errors.set(r, `${res.errorCode}: ${res.errorMessage ?? ''}`);
        } else failed.push({ record: r, error: `${res.errorCode}: ${res.errorMessage ?? ''}` });
      });
    } catch (err) {
      const c = classifyCallError(err);
      if (c.class === 'fatal') throw new FloeError('io', `PutRecords to ${stream}: ${c.code}: ${c.message}`);
      for (const r of todo) {
        if (c.class === 'retry') {
          retry.push(r);
          errors.set(r, `${c.code}: ${c.message}`);
        } else failed.push({ record: r, error: `${c.code}: ${c.message}` });
      }
    }
    if (retry.length > 0 && attempt >= maxAttempts) {
      for (const r of retry) failed.push({ record: r, error: errors.get(r) ?? 'failed' });
      break;
    }
    todo = retry;
    if (todo.length > 0) await sleep(backoff * 2 ** (attempt - 1));
  }
  return { sent, failed };
}
