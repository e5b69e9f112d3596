/**
 * Progress while producing: on a TTY one line redrawn in place (records, MB/s, and for files a
 * bar with percentage and ETA); otherwise a plain log line every few seconds, so piped output
 * and CI logs stay readable.
 */
import type { Writable } from 'node:stream';

export interface ProgressState {
  read: number;
  sent: number;
  failed: number;
  bad: number;
  retried: number;
  bytesSent: number;
  /** Input bytes consumed (as stored: compressed for .gz) and the file's size, when known. */
  inputBytes: number;
  inputTotal: number | undefined;
  elapsedMs: number;
}

const count = (n: number): string => String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ',');

export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  return h > 0
    ? `${h}:${String(m).padStart(2, '0')}:${String(sec).padStart(2, '0')}`
    : `${m}:${String(sec).padStart(2, '0')}`;
}

export function progressLine(p: ProgressState, bar: boolean): string {
  const secs = p.elapsedMs / 1000;
  const mbs = secs > 0 ? p.bytesSent / 1e6 / secs : 0;
  const parts = [`${count(p.read)} read`, `${count(p.sent)} sent`, `${mbs.toFixed(1)} MB/s`];
  if (p.retried > 0) parts.push(`${count(p.retried)} retried`);
  if (p.failed > 0) parts.push(`${count(p.failed)} failed`);
  if (p.bad > 0) parts.push(`${count(p.bad)} bad`);
  let head = '';
  if (p.inputTotal !== undefined && p.inputTotal > 0) {
    const frac = Math.min(1, p.inputBytes / p.inputTotal);
    const eta = frac > 0 ? (p.elapsedMs / frac) * (1 - frac) : undefined;
    const pct = `${(frac * 100).toFixed(0).padStart(3)}%`;
    head = bar ? `[${'#'.repeat(Math.round(frac * 20)).padEnd(20, '.')}] ${pct} ` : `${pct} `;
    if (eta !== undefined) parts.push(`ETA ${formatDuration(eta)}`);
  }
  return head + parts.join(', ');
}

export class Progress {
  private timer: NodeJS.Timeout | undefined;
  private drawn = false;

  constructor(
    private readonly out: Writable,
    private readonly tty: boolean,
    private readonly state: () => ProgressState,
    private readonly intervalMs = tty ? 250 : 5000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.draw(), this.intervalMs);
    this.timer.unref();
  }

  private draw(): void {
    const line = progressLine(this.state(), this.tty);
    if (this.tty) {
      this.out.write(`\r\x1b[K${line}`);
      this.drawn = true;
    } else {
      this.out.write(`floe produce: ${line}\n`);
    }
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    if (this.drawn) this.out.write('\r\x1b[K');
    this.drawn = false;
  }
}
