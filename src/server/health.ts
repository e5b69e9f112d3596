/**
 * Liveness and readiness.
 *
 * - Liveness (`GET /health`): the process answers and the consumer has not stopped. Nothing
 *   external is checked: an orchestrator restarts a container whose liveness fails, and a slow
 *   catalog is no reason to restart.
 * - Readiness (`GET /ready`): the consumer runs, no table is paused by failing commits, every
 *   table has shards being read, the catalog answers (a cheap call with a short timeout, its
 *   result cached a few seconds so probes cannot hammer it), and a table holding data has
 *   committed within `maxCommitAgeMs`. An idle stream is ready: no data, no commit needed.
 */
import type { ConsumerView } from './types.js';

export interface ReadinessOptions {
  /** A table with buffered records must have committed within this (default 5 min). */
  readonly maxCommitAgeMs?: number;
  /** A cheap catalog call (e.g. namespaceExists); absent: the catalog is not checked. */
  readonly catalogCheck?: () => Promise<unknown>;
  /** Default 2 s. */
  readonly catalogTimeoutMs?: number;
  /** How long a catalog check result is reused (default 5 s). */
  readonly catalogCacheMs?: number;
}

export const DEFAULT_READINESS = {
  maxCommitAgeMs: 5 * 60_000,
  catalogTimeoutMs: 2_000,
  catalogCacheMs: 5_000,
} as const;

export interface ReadyReport {
  readonly ready: boolean;
  readonly state: string;
  readonly reasons: string[];
  readonly catalog: 'ok' | 'unreachable' | 'not checked';
}

const timeout = (ms: number): Promise<never> =>
  new Promise((_, reject) => {
    const t = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    t.unref();
  });

export class Readiness {
  private readonly o: Required<Omit<ReadinessOptions, 'catalogCheck'>> &
    Pick<ReadinessOptions, 'catalogCheck'>;
  private cached: { at: number; error: string | undefined } | undefined;
  private inflight: Promise<string | undefined> | undefined;
  /** Reference for "no commit yet": when the server started watching. */
  private readonly since: number;

  constructor(
    private readonly consumer: ConsumerView,
    options: ReadinessOptions = {},
    private readonly now: () => number = Date.now,
  ) {
    this.o = { ...DEFAULT_READINESS, ...options };
    this.since = now();
  }

  liveness(): { alive: boolean; state: string } {
    const state = this.consumer.health().state;
    return { alive: state !== 'stopped', state };
  }

  /** The catalog's error, or undefined when it answered; cached for catalogCacheMs. */
  private async catalogError(): Promise<string | undefined> {
    const check = this.o.catalogCheck;
    if (!check) return undefined;
    const now = this.now();
    if (this.cached && now - this.cached.at < this.o.catalogCacheMs) return this.cached.error;
    this.inflight ??= Promise.race([check(), timeout(this.o.catalogTimeoutMs)])
      .then(
        () => undefined,
        (err: unknown) => (err instanceof Error ? err.message : String(err)),
      )
      .then((error) => {
        this.cached = { at: this.now(), error };
        this.inflight = undefined;
        return error;
      });
    return this.inflight;
  }

  async readiness(): Promise<ReadyReport> {
    const reasons: string[] = [];
    const health = this.consumer.health();
    if (health.state !== 'running' && health.state !== 'draining')
      reasons.push(`consumer is ${health.state}`);
    const snap = this.consumer.metricsSnapshot();
    const now = this.now();
    for (const t of health.tables) {
      if (!t.healthy) reasons.push(`${t.table}: commits failing${t.reason ? `: ${t.reason}` : ''}`);
      const states = Object.values(t.shards);
      const reading = states.filter((s) => s === 'reading').length;
      const finished = states.filter((s) => s === 'finished' || s === 'done').length;
      if (health.state === 'running' && reading === 0 && (states.length === 0 || finished < states.length))
        reasons.push(`${t.table}: no shard of ${t.stream} is being read`);
      const g = snap.tables[t.table]?.gauges;
      if (g && g.bufferedRecords > 0) {
        const last = g.lastCommitAtMs ?? this.since;
        const age = now - last;
        if (age > this.o.maxCommitAgeMs)
          reasons.push(
            `${t.table}: ${g.bufferedRecords} records buffered and no commit for ${Math.round(age / 1000)} s`,
          );
      }
    }
    const catalogError = await this.catalogError();
    if (catalogError !== undefined) reasons.push(`catalog unreachable: ${catalogError}`);
    return {
      ready: reasons.length === 0,
      state: health.state,
      reasons,
      catalog: this.o.catalogCheck ? (catalogError === undefined ? 'ok' : 'unreachable') : 'not checked',
    };
  }
}
