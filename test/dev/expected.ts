/**
 * The rows `floe dev` must land from examples/nyc311-sample.csv, computed independently of floe's
 * decoder and validator: rows with the header's field count (others never reach the stream), whose
 * values decode to the schema's types, that pass examples/nyc311.rules.json, first per unique_key.
 */
import { readFileSync } from 'node:fs';
import { parse } from 'csv-parse/sync';

const BOROUGHS = new Set(['MANHATTAN', 'BROOKLYN', 'QUEENS', 'BRONX', 'STATEN ISLAND']);

/** Microseconds of a local ISO timestamp, or undefined when it is not a real instant. */
function timestamp(text: string): number | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$/.exec(text);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  const back = new Date(t);
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d)
    return undefined;
  if (h > 23 || mi > 59 || s > 59) return undefined;
  return t * 1000 + Number((m[7] ?? '').padEnd(6, '0'));
}

function number(text: string): number | null | undefined {
  if (text === '') return null;
  const n = Number(text);
  return /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text) && Number.isFinite(n) ? n : undefined;
}

export interface Expected {
  /** unique_key of every row the table must hold. */
  readonly keys: Set<string>;
  /** Records that reach the stream (the producer sends every row with the header's field count). */
  readonly streamed: number;
  /** Streamed records that fail to decode or break a rule: the dead letters. */
  readonly rejected: number;
}

export function expectedFromSample(csvPath: string): Expected {
  const rows = parse(readFileSync(csvPath, 'utf8'), { relax_column_count: true }) as string[][];
  const header = rows[0] as string[];
  const keys = new Set<string>();
  let streamed = 0;
  let valid = 0;
  for (const r of rows.slice(1)) {
    if (r.length !== header.length) continue;
    streamed++;
    const f = Object.fromEntries(header.map((h, i) => [h, (r[i] as string).trim()])) as Record<
      string,
      string
    >;
    if (!/^-?\d{1,18}$/.test(f.unique_key ?? '')) continue;
    const created = timestamp(f.created_date ?? '');
    if (created === undefined) continue;
    const closed = f.closed_date === '' ? null : timestamp(f.closed_date ?? '');
    if (closed === undefined) continue;
    const lat = number(f.latitude ?? '');
    const lon = number(f.longitude ?? '');
    if (lat === undefined || lon === undefined) continue;
    if (lat !== null && (lat < 40 || lat > 41.2)) continue;
    if (lon !== null && (lon < -74.3 || lon > -73.4)) continue;
    if (f.borough !== '' && !BOROUGHS.has((f.borough ?? '').toUpperCase())) continue;
    if (f.incident_zip !== '' && !/^\d{5}(-\d{4})?$/.test(f.incident_zip ?? '')) continue;
    if (closed !== null && closed < created) continue;
    valid++;
    keys.add(f.unique_key as string);
  }
  return { keys, streamed, rejected: streamed - valid };
}
