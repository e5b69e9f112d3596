/**
 * The consumer: one TableConsumer per configured table, a tick loop driving their flushes, the
 * in-process health flag and metrics, graceful stop (stop reading, flush, commit, release) and
 * drain mode (stop once every shard is caught up and everything read is committed).
 */
import { identifierToString } from '../iceberg/catalog.js';
import type { CheckpointStore } from './checkpoint-store.js';
import { component, type Logger } from './log.js';
import { ThrottleRegistry, type ReadLimits } from './limits.js';
import { Metrics, type MetricsSnapshot } from './metrics.js';
import type { KinesisReadApi } from './kinesis.js';
import type { Checkpoint } from './position.js';
import { TableConsumer, type TableConsumerOptions, type TableStatus } from './table-consumer.js';

export type ConsumerState = 'starting' | 'running' | 'draining' | 'stopping' | 'stopped';

export interface Health {
  /** False while any table's commit keeps failing (reading is paused for that table). */
  readonly healthy: boolean;
  readonly state: ConsumerState;
  readonly tables: readonly TableStatus[];
}

export type TableSpec = Omit<
  TableConsumerOptions,
  'api' | 'store' | 'metrics' | 'log' | 'throttles' | 'onHealth'
>;

export interface ConsumerOptions {
  readonly api: KinesisReadApi;
  readonly store: CheckpointStore;
  readonly log: Logger;
  readonly tables: readonly TableSpec[];
  readonly limits?: ReadLimits;
  /** Tick period of the flush loop (default 100 ms). */
  readonly tickMs?: number;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

export class Consumer {
  readonly metrics = new Metrics();
  private readonly tables: TableConsumer[];
  private readonly log: Logger;
  private state: ConsumerState = 'starting';
  private stopRequested = false;
  private loop: Promise<void> | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly o: ConsumerOptions) {
    this.log = component(o.log, 'consumer');
    const throttles = new ThrottleRegistry(o.limits);
    this.tables = o.tables.map(
      (t) =>
        new TableConsumer({
          ...t,
          api: o.api,
          store: o.store,
          metrics: this.metrics.forTable(identifierToString(t.table.identifier)),
          log: o.log,
          throttles,
        }),
    );
  }

  // ---------------------------------------------------------------- API for server/ops

  health(): Health {
    const tables = this.tables.map((t) => t.status());
    return { healthy: tables.every((t) => t.healthy), state: this.state, tables };
  }

  isHealthy(): boolean {
    return this.tables.every((t) => t.isHealthy());
  }

  metricsSnapshot(): MetricsSnapshot {
    return this.metrics.snapshot();
  }

  /** Committed positions per table (`ns.name`), per shard. */
  positions(): Map<string, ReadonlyMap<string, Checkpoint>> {
    return new Map(this.tables.map((t) => [t.name, t.positions()]));
  }

  /** Table names (`ns.name`) this consumer writes. */
  tableNames(): string[] {
    return this.tables.map((t) => t.name);
  }

  /**
   * Flushes and commits one table's buffer now (the ingest API's trigger). Resolves once the
   * flush ran; false for an unknown table.
   */
  async flushNow(table: string): Promise<boolean> {
    const t = this.tables.find((x) => x.name === table);
    if (!t) return false;
    await t.flushNow();
    return true;
  }

  // ---------------------------------------------------------------- lifecycle

  /** Starts every table's readers and the flush loop; resolves once started. */
  async start(options: { drain?: boolean } = {}): Promise<void> {
    for (const t of this.tables) await t.start();
    this.state = options.drain ? 'draining' : 'running';
    this.log.info(
      { tables: this.tables.map((t) => t.name), drain: options.drain === true },
      'consumer started',
    );
    this.loop = options.drain ? this.drainLoop() : this.runLoop();
  }

  /** Resolves when the consumer stopped (drained, or stop() finished); true when everything read was committed. */
  async run(options: { drain?: boolean } = {}): Promise<boolean> {
    await this.start(options);
    await this.loop;
    return this.finish();
  }

  private finishing: Promise<boolean> | undefined;

  private finish(): Promise<boolean> {
    this.finishing ??= (async () => {
      this.state = 'stopping';
      const results = await Promise.all(this.tables.map((t) => t.stop()));
      await this.o.store.close().catch(() => undefined);
      this.state = 'stopped';
      const ok = results.every(Boolean);
      this.log.info({ ok, metrics: this.metrics.snapshot().counters }, 'consumer stopped');
      return ok;
    })();
    return this.finishing;
  }

  /** SIGTERM/SIGINT: stop reading, flush, commit, release. */
  async stop(): Promise<boolean> {
    this.stopRequested = true;
    this.wake?.();
    await this.loop?.catch(() => undefined);
    return this.finish();
  }

  private async pause(ms: number): Promise<void> {
    await Promise.race([sleep(ms), new Promise<void>((r) => (this.wake = r))]);
  }

  private async runLoop(): Promise<void> {
    const tick = this.o.tickMs ?? 100;
    while (!this.stopRequested) {
      for (const t of this.tables) {
        await t.tick().catch((err: unknown) => this.log.error({ err, table: t.name }, 'tick failed'));
      }
      await this.pause(tick);
    }
  }

  private async drainLoop(): Promise<void> {
    const tick = this.o.tickMs ?? 100;
    while (!this.stopRequested) {
      let all = true;
      for (const t of this.tables) {
        if (t.readersCaughtUp()) {
          await t.flushNow().catch((err: unknown) => this.log.error({ err, table: t.name }, 'flush failed'));
          if (!t.caughtUp()) all = false;
        } else {
          all = false;
          await t.tick().catch((err: unknown) => this.log.error({ err, table: t.name }, 'tick failed'));
        }
      }
      if (all) {
        this.log.info('every shard is caught up and committed');
        return;
      }
      await this.pause(tick);
    }
  }
}
