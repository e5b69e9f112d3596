/** A ConsumerView over a real Metrics object and a hand-set health, for the dashboard's unit tests. */
import type { Health } from '../../consumer/consumer.js';
import { Metrics, type CommitEvent } from '../../consumer/metrics.js';
import type { ConsumerView } from '../types.js';

export class FakeConsumer implements ConsumerView {
  readonly metrics = new Metrics();
  healthy = true;

  constructor(readonly streams: Record<string, string>) {
    for (const t of Object.keys(streams)) this.metrics.forTable(t);
  }

  health(): Health {
    return {
      healthy: this.healthy,
      state: 'running',
      tables: Object.entries(this.streams).map(([table, stream]) => ({
        table,
        stream,
        healthy: this.healthy,
        positions: {},
        shards: {},
      })),
    };
  }
  metricsSnapshot() {
    return this.metrics.snapshot();
  }
  positions() {
    return new Map();
  }
  tableNames(): string[] {
    return Object.keys(this.streams);
  }
  async flushNow(table: string): Promise<boolean> {
    return table in this.streams;
  }

  /** Counts `written` records (and `rejected`) as one commit of `table` at `atMs`. */
  commit(
    table: string,
    atMs: number,
    o: Partial<Pick<CommitEvent, 'rejectedByRule' | 'newestArrivalMs'>> & {
      written?: number;
      rejected?: number;
      snapshotId?: string;
    } = {},
  ): void {
    const m = this.metrics.forTable(table);
    const written = o.written ?? 0;
    const rejected = o.rejected ?? 0;
    m.inc('recordsRead', written + rejected);
    m.inc('recordsWritten', written);
    m.inc('recordsRejected', rejected);
    m.emit({
      type: 'commit',
      table,
      stream: this.streams[table] ?? '',
      snapshotId: o.snapshotId ?? String(atMs),
      sequenceNumber: '1',
      atMs,
      durationMs: 12,
      attempts: 1,
      dataFiles: 1,
      bytesWritten: 100,
      records: { read: written + rejected, written, rejected, deduped: 0 },
      batchBytes: 100,
      rejectedByRule: o.rejectedByRule ?? {},
      positions: {},
      newestArrivalMs: o.newestArrivalMs ?? null,
    });
  }
}
