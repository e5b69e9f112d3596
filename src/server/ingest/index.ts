/**
 * The ingest API: `POST /api/v1/ingest?table=ns.name` and `GET /api/v1/status/{jobId}`.
 * Parsing happens before the answer, sending after it: 202 means "checked and queued", and the
 * job's status follows the records into the stream and into a commit.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../../consumer/log.js';
import type { KinesisApi } from '../../producer/kinesis.js';
import { readBody } from '../body.js';
import { HttpError, sendJson } from '../http.js';
import type { PromMetrics } from '../prometheus.js';
import type { ConsumerView } from '../types.js';
import { JobStore, type Job, type JobStoreOptions } from './jobs.js';
import { formatOf, parseRecords } from './parse.js';
import { StreamSender, type StreamSenderOptions, type TrackedRecord } from './sender.js';

export { JobStore, Job, type JobState, type JobStatus, type JobStoreOptions, type SentAt } from './jobs.js';
export { formatOf, parseRecords } from './parse.js';
export { StreamSender, type SentRun, type StreamSenderOptions, type TrackedRecord } from './sender.js';

/** How each stream's sender sends (documented on StreamSenderOptions); `aggregate` is `server.ingestAggregate`. */
type SenderTuning = Pick<
  StreamSenderOptions<Job>,
  'concurrency' | 'maxRetries' | 'backoffBaseMs' | 'backoffMaxMs' | 'lingerMs' | 'aggregate'
>;

export interface IngestOptions extends SenderTuning {
  /** The producer's Kinesis API (PutRecords). */
  readonly api: KinesisApi;
  readonly jobs?: JobStoreOptions;
  /** Bytes queued or in flight per stream above which requests get 503 (default 64 MiB). */
  readonly maxBufferedBytes?: number;
}

export class Ingest {
  readonly jobs: JobStore;
  private readonly senders = new Map<string, StreamSender<Job>>();
  private streams: Map<string, string> | undefined;
  private readonly unsubscribe: () => void;
  private keyCounter = 0;
  private readonly keyPrefix = Date.now().toString(36);
  private readonly tuning: SenderTuning;

  constructor(
    private readonly o: IngestOptions,
    private readonly consumer: ConsumerView,
    private readonly metrics: PromMetrics,
    private readonly log: Logger,
  ) {
    const { api: _api, jobs, maxBufferedBytes: _max, ...tuning } = o;
    this.tuning = tuning;
    this.jobs = new JobStore(jobs);
    this.unsubscribe = consumer.metrics.on((e) => {
      if (e.type === 'commit') this.jobs.onCommit(e);
    });
  }

  /** Table → stream; tables never change while the consumer runs. */
  private streamOf(table: string): string | undefined {
    this.streams ??= new Map(this.consumer.health().tables.map((t) => [t.table, t.stream]));
    return this.streams.get(table);
  }

  private senderFor(table: string, stream: string): StreamSender<Job> {
    let s = this.senders.get(stream);
    if (!s) {
      s = new StreamSender<Job>({
        ...this.tuning,
        api: this.o.api,
        stream,
        onSent: (job, result, run) => {
          this.metrics.ingest(job.table, 'sent', run.count);
          this.jobs.recordSent(job, result.shardId ?? 'unknown', result.sequenceNumber ?? '0', run);
        },
        onFailed: (job, code, message, count) => {
          this.metrics.ingest(job.table, 'failed', count);
          const first = job.failed === 0;
          this.jobs.recordFailed(job, code, message, count);
          if (first)
            this.log.warn({ jobId: job.id, table, stream, code, message }, 'ingest: a record was not stored');
        },
        onShardMapError: (err) =>
          this.log.warn(
            { stream, error: (err as Error).message },
            'ingest: cannot list the shards of the stream; sending without a shard map (aggregates go by their first key)',
          ),
        onResharded: (shards) => this.log.info({ stream, shards }, 'ingest: the stream was resharded'),
      });
      this.senders.set(stream, s);
    }
    return s;
  }

  async ingest(req: IncomingMessage, res: ServerResponse, url: URL, maxBodyBytes: number): Promise<void> {
    const table = url.searchParams.get('table');
    if (!table) throw new HttpError(400, 'missing the query parameter table=<namespace.name>');
    const stream = this.streamOf(table);
    if (stream === undefined) throw new HttpError(404, `unknown table ${table}`);
    const format = formatOf(req.headers['content-type']);
    const sender = this.senderFor(table, stream);
    if (sender.bufferedBytes > (this.o.maxBufferedBytes ?? 64 * 1024 * 1024)) {
      req.resume();
      throw new HttpError(503, `too much data waiting for stream ${stream}; retry later`, {
        'retry-after': '1',
      });
    }
    const body = await readBody(req, maxBodyBytes);
    const keyField = url.searchParams.get('partitionKey') ?? undefined;
    const parsed = parseRecords(body, format, { partitionKeyField: keyField });
    const job = this.jobs.create(table, stream, parsed.length);
    // Default keys unique across requests and restarts, so records spread evenly over the shards.
    const base = `${this.keyPrefix}.${(this.keyCounter++).toString(36)}.`;
    const records: TrackedRecord<Job>[] = parsed.map((r, i) => ({
      line: r.line,
      data: r.data,
      partitionKey: keyField !== undefined ? r.partitionKey : base + i.toString(36),
      owner: job,
    }));
    this.metrics.ingest(table, 'accepted', records.length);
    sender.add(records, keyField !== undefined);
    sendJson(res, 202, { jobId: job.id, records: records.length, table, stream });
  }

  status(res: ServerResponse, id: string): void {
    const job = this.jobs.get(id);
    if (!job)
      throw new HttpError(
        404,
        `unknown job ${id} (jobs are kept in memory by the process that took them, for a limited time)`,
      );
    sendJson(res, 200, job.status());
  }

  /** Sends what is queued, waiting at most `timeoutMs`; then gives the rest back (their jobs fail). */
  async close(timeoutMs = 10_000): Promise<void> {
    this.unsubscribe();
    const all = Promise.all([...this.senders.values()].map((s) => s.drain()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = await Promise.race([
      all.then(() => false),
      new Promise<boolean>((r) => (timer = setTimeout(() => r(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut) for (const s of this.senders.values()) s.giveBack();
  }
}
