/**
 * Which tables a SQL text references. DuckDB's own parser does the work (json_serialize_sql gives
 * the statement tree), so quoting, aliases, CTEs and subqueries are handled as DuckDB sees them;
 * only SELECT statements serialize, so other statements (DESCRIBE, EXPLAIN, SHOW…) fall back to a
 * lexical scan for dotted names, of which only those naming existing tables are used.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { FloeError } from '../errors.js';
import type { TableIdentifier } from '../iceberg/catalog.js';
import { quoteString } from './types.js';

export interface TableRefs {
  /** Referenced tables with a namespace, deduplicated, in order of appearance. */
  readonly tables: TableIdentifier[];
  /** True when the references come from the lexical fallback: they may name columns, not tables. */
  readonly guessed: boolean;
}

function key(id: TableIdentifier): string {
  return JSON.stringify([...id.namespace, id.name]);
}

function collectBaseTables(node: unknown, out: TableIdentifier[]): void {
  if (Array.isArray(node)) {
    for (const n of node) collectBaseTables(n, out);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const o = node as Record<string, unknown>;
  if (o.type === 'BASE_TABLE' && typeof o.table_name === 'string') {
    const namespace = [o.catalog_name, o.schema_name].filter(
      (p): p is string => typeof p === 'string' && p !== '',
    );
    if (namespace.length > 0) out.push({ namespace, name: o.table_name });
  }
  for (const v of Object.values(o)) collectBaseTables(v, out);
}

function dedupe(ids: TableIdentifier[]): TableIdentifier[] {
  const seen = new Set<string>();
  return ids.filter((id) => !seen.has(key(id)) && seen.add(key(id)) !== undefined);
}

/** The first line-ish of a DuckDB message: drop the `LINE 1: …` / caret context, join the rest. */
export function oneLine(message: string): string {
  const head = message.split(/\n\s*\n|\nLINE \d+:/)[0] ?? message;
  return head.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * Dotted identifiers (`a.b`, `"a"."b"`, `a.b.c`) outside string literals and comments. Used only
 * for statements DuckDB will not serialize; candidates are checked against the catalog.
 */
export function lexicalRefs(sql: string): TableIdentifier[] {
  const out: TableIdentifier[] = [];
  const ident = String.raw`(?:"(?:[^"]|"")+"|[A-Za-z_][A-Za-z0-9_$]*)`;
  const token = new RegExp(
    String.raw`'(?:[^']|'')*'|--[^\n]*|/\*[\s\S]*?\*/|(${ident}(?:\s*\.\s*${ident})+)|${ident}|[\s\S]`,
    'g',
  );
  const part = new RegExp(ident, 'g');
  for (const m of sql.matchAll(token)) {
    if (!m[1]) continue;
    const parts = [...m[1].matchAll(part)].map((p) =>
      p[0].startsWith('"') ? p[0].slice(1, -1).replaceAll('""', '"') : p[0],
    );
    const name = parts.pop() as string;
    out.push({ namespace: parts, name });
  }
  return dedupe(out);
}

/** Throws FloeError('usage') with DuckDB's message for a syntax error. */
export async function tableRefs(conn: DuckDBConnection, sql: string): Promise<TableRefs> {
  const reader = await conn.runAndReadAll(`SELECT json_serialize_sql(${quoteString(sql)})`);
  const text = reader.getRows()[0]?.[0];
  const tree = JSON.parse(String(text)) as {
    error: boolean;
    error_type?: string;
    error_message?: string;
    statements?: unknown[];
  };
  if (tree.error) {
    if (tree.error_type === 'parser') {
      throw new FloeError('usage', `query: Parser Error: ${oneLine(tree.error_message ?? 'syntax error')}`);
    }
    return { tables: lexicalRefs(sql), guessed: true };
  }
  const found: TableIdentifier[] = [];
  collectBaseTables(tree.statements, found);
  return { tables: dedupe(found), guessed: false };
}
