/**
 * `floe dev` is read by a person in a terminal, not by a log shipper: the consumer's pino JSON lines
 * are turned into one short line per commit plus warnings and errors. (`floe dev --json-logs`
 * passes the JSON through unchanged.)
 */
import { Writable } from 'node:stream';

interface Line {
  level?: string;
  msg?: string;
  component?: string;
  audit?: boolean;
  table?: string;
  snapshotId?: string;
  dataFiles?: number;
  records?: { read?: number; written?: number; rejected?: number; deduped?: number };
  err?: { message?: string };
  error?: string;
  reason?: string;
  time?: string;
}

function clock(time: string | undefined): string {
  const d = time ? new Date(time) : new Date();
  return Number.isNaN(d.getTime()) ? '' : d.toTimeString().slice(0, 8);
}

export function formatLine(l: Line): string | undefined {
  const at = clock(l.time);
  if (l.audit && l.msg === 'commit') {
    const r = l.records ?? {};
    const parts = [`${r.written ?? 0} rows`];
    if (r.rejected) parts.push(`${r.rejected} rejected → dead letters`);
    if (r.deduped) parts.push(`${r.deduped} duplicates dropped`);
    return `${at}  committed to ${l.table ?? 'table'}: ${parts.join(', ')} (snapshot ${l.snapshotId ?? '?'})`;
  }
  if (l.level === 'warn' || l.level === 'error' || l.level === 'fatal') {
    const detail = l.err?.message ?? l.error ?? l.reason;
    return `${at}  ${l.level}: ${l.component ? `[${l.component}] ` : ''}${l.msg ?? ''}${detail ? `: ${detail}` : ''}`;
  }
  if (l.component === 'cli' && l.msg) return `${at}  ${l.msg}`;
  return undefined;
}

/** A destination for the consumer's logger that prints friendly lines to `out`. */
export function friendlyLogStream(out: Writable): Writable {
  let rest = '';
  return new Writable({
    write(chunk: Buffer | string, _enc, done) {
      const lines = (rest + chunk.toString()).split('\n');
      rest = lines.pop() ?? '';
      for (const text of lines) {
        if (!text.startsWith('{')) continue;
        let parsed: Line;
        try {
          parsed = JSON.parse(text) as Line;
        } catch {
          continue;
        }
        const f = formatLine(parsed);
        if (f !== undefined) out.write(f + '\n');
      }
      done();
    },
  });
}
