/**
 * Query results as text: an aligned table for people, JSON lines and CSV for programs. Integers
 * and decimals are written from DuckDB's exact text, never through a JS number, so a BIGINT past
 * 2^53 or a DECIMAL(38,9) keeps every digit (JSON: as a number literal with all its digits).
 */
import { DuckDBTypeId, type DuckDBType } from '@duckdb/node-api';
import type { QueryResult } from './engine.js';

export type OutputFormat = 'table' | 'json' | 'csv';
export const OUTPUT_FORMATS: readonly OutputFormat[] = ['table', 'json', 'csv'];

const EXACT_NUMBER_TYPES: ReadonlySet<DuckDBTypeId> = new Set([
  DuckDBTypeId.TINYINT,
  DuckDBTypeId.SMALLINT,
  DuckDBTypeId.INTEGER,
  DuckDBTypeId.BIGINT,
  DuckDBTypeId.UTINYINT,
  DuckDBTypeId.USMALLINT,
  DuckDBTypeId.UINTEGER,
  DuckDBTypeId.UBIGINT,
  DuckDBTypeId.HUGEINT,
  DuckDBTypeId.UHUGEINT,
  DuckDBTypeId.DECIMAL,
  DuckDBTypeId.BIGNUM,
]);
const NUMERIC_TYPES: ReadonlySet<DuckDBTypeId> = new Set([
  ...EXACT_NUMBER_TYPES,
  DuckDBTypeId.FLOAT,
  DuckDBTypeId.DOUBLE,
]);

function isExactNumber(type: DuckDBType | undefined): boolean {
  return type !== undefined && EXACT_NUMBER_TYPES.has(type.typeId);
}

/** DuckDB's own text for a value (timestamps, decimals, nested values), or null. */
function cellText(value: unknown): string | null {
  if (value === null || value === undefined) return null;
  return String(value);
}

/** JSON keys must be unique: a second `x` becomes `x_2` (SELECT a.x, b.x …). */
function uniqueNames(columns: readonly string[]): string[] {
  const seen = new Map<string, number>();
  return columns.map((c) => {
    const n = (seen.get(c) ?? 0) + 1;
    seen.set(c, n);
    let name = n === 1 ? c : `${c}_${n}`;
    while (n > 1 && seen.has(name)) name += '_';
    if (n > 1) seen.set(name, 1);
    return name;
  });
}

export function formatJsonLines(result: QueryResult): string {
  const names = uniqueNames(result.columns).map((n) => JSON.stringify(n));
  const lines = result.jsonRows.map((row) => {
    const fields = row.map((v, i) => {
      const text =
        v !== null && isExactNumber(result.types[i]) ? String(v) : JSON.stringify(v === undefined ? null : v);
      return `${names[i]}:${text}`;
    });
    return `{${fields.join(',')}}`;
  });
  return lines.map((l) => l + '\n').join('');
}

function csvField(text: string | null): string {
  if (text === null) return '';
  return /[",\r\n]|^\s|\s$/.test(text) || text === '' ? `"${text.replaceAll('"', '""')}"` : text;
}

export function formatCsv(result: QueryResult): string {
  const lines = [result.columns.map(csvField).join(',')];
  for (const row of result.rows) lines.push(row.map((v) => csvField(cellText(v))).join(','));
  return lines.map((l) => l + '\r\n').join('');
}

function tableCell(value: unknown): string {
  const text = cellText(value);
  return text === null
    ? 'NULL'
    : text.replaceAll('\r', '\\r').replaceAll('\n', '\\n').replaceAll('\t', '\\t');
}

export function formatTable(result: QueryResult): string {
  const header = result.columns.map((c) => tableCell(c));
  const body = result.rows.map((row) => row.map(tableCell));
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((r) => (r[i] as string).length)));
  const right = result.types.map((t) => NUMERIC_TYPES.has(t.typeId));
  const line = (cells: string[], alignNumbers: boolean): string =>
    cells
      .map((c, i) => (alignNumbers && right[i] ? c.padStart(widths[i] ?? 0) : c.padEnd(widths[i] ?? 0)))
      .join(' | ')
      .trimEnd();
  const n = result.rows.length;
  const footer = result.truncated
    ? `(first ${n} row${n === 1 ? '' : 's'}; more not shown: raise --max-rows)`
    : `(${n} row${n === 1 ? '' : 's'})`;
  return [
    line(header, false),
    widths.map((w) => '-'.repeat(w)).join('-+-'),
    ...body.map((r) => line(r, true)),
    footer,
  ]
    .map((l) => l + '\n')
    .join('');
}

export function formatResult(result: QueryResult, format: OutputFormat): string {
  if (format === 'json') return formatJsonLines(result);
  if (format === 'csv') return formatCsv(result);
  return formatTable(result);
}
