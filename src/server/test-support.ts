/**
 * A ConsumerView stub for server tests: real `Metrics` (so events and snapshots behave as the
 * consumer's), a settable state, one table per given name, recorded flushNow calls.
 */
import type { ConsumerState, Health } from '../consumer/consumer.js';
import { Metrics, type CommitEvent, type TableMetrics } from '../consumer/metrics.js';
import type { Checkpoint } from '../consumer/position.js';
import type { TableStatus } from '../consumer/table-consumer.js';
import type { ConsumerView } from './types.js';

export interface StubConsumer extends ConsumerView {
  state: ConsumerState;
  tables: TableStatus[];
  readonly flushed: string[];
  table(name: string): TableMetrics;
  /** Emits a commit event for `table` with the given cumulative positions. */
  commit(table: string, positions: Record<string, string>, snapshotId?: string): CommitEvent;
}

export function stubConsumer(
  tables: { table: string; stream: string; shards?: string[] }[] = [{ table: 'db.events', stream: 'events' }],
): StubConsumer {
  const metrics = new Metrics();
  const views = new Map(tables.map((t) => [t.table, metrics.forTable(t.table)]));
  let snap = 1000;
  const stub: StubConsumer = {
    metrics,
    state: 'running',
    tables: tables.map((t) => ({
      table: t.table,
      stream: t.stream,
      healthy: true,
      positions: {},
      shards: Object.fromEntries((t.shards ?? ['shardId-000000000000']).map((s) => [s, 'reading' as const])),
    })),
    flushed: [],
    health(): Health {
      return { healthy: stub.tables.every((t) => t.healthy), state: stub.state, tables: stub.tables };
    },
    metricsSnapshot: () => metrics.snapshot(),
    positions: () => new Map<string, ReadonlyMap<string, Checkpoint>>(),
    tableNames: () => tables.map((t) => t.table),
    async flushNow(table) {
      if (!views.has(table)) return false;
      stub.flushed.push(table);
      return true;
    },
    table(name) {
      const v = views.get(name);
      if (!v) throw new Error(`no table ${name}`);
      return v;
    },
    commit(table, positions, snapshotId) {
      const t = tables.find((x) => x.table === table);
      const e: CommitEvent = {
        type: 'commit',
        table,
        stream: t?.stream ?? 's',
        snapshotId: snapshotId ?? String(++snap),
        sequenceNumber: '1',
        atMs: Date.now(),
        durationMs: 120,
        attempts: 1,
        dataFiles: 1,
        bytesWritten: 1000,
        records: { read: 3, written: 2, rejected: 1, deduped: 0 },
        batchBytes: 300,
        rejectedByRule: { 'id:required': 1 },
        positions,
        newestArrivalMs: Date.now() - 1500,
      };
      stub.table(table).emit(e);
      return e;
    },
  };
  return stub;
}
