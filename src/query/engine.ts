/**
 * SQL over Iceberg tables with DuckDB: find the tables a query names, plan each table's files
 * with floe's own reader (current snapshot), register a view per table under a DuckDB schema named
 * like its namespace (`ns.name` resolves natively), then run the query.
 *
 * Namespaces: one level maps to a schema of the default database; two levels `a.b` map to schema
 * `b` of an attached in-memory database `a` (so `a.b.name` resolves); deeper namespaces cannot be
 * addressed in DuckDB's three-part names and are rejected.
 *
 * Files on object storage are copied to a temporary directory through the table's FileIO first:
 * DuckDB's httpfs extension cannot be installed offline, and the FileIO already carries the
 * catalog's endpoint and (vended) credentials.
 */
import { createWriteStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DuckDBInstance,
  type DuckDBConnection,
  type DuckDBResultReader,
  type DuckDBType,
} from '@duckdb/node-api';
import { FloeError, isFloeError } from '../errors.js';
import { identifierToString, type Catalog, type TableIdentifier } from '../iceberg/catalog.js';
import type { FileIO } from '../iceberg/io/fileio.js';
import { localPath, schemeOf } from '../iceberg/io/paths.js';
import { Table } from '../iceberg/table/index.js';
import { oneLine, tableRefs } from './refs.js';
import { qualified, viewSelect } from './views.js';
import { quoteIdent } from './types.js';

export interface QueryOptions {
  readonly catalog: Catalog;
  readonly sql: string;
  /** Rows to fetch at most; the result says whether more existed. Default: all. */
  readonly maxRows?: number;
  /** For messages: where the tables live. */
  readonly catalogLabel?: string;
}

export interface QueryResult {
  readonly columns: string[];
  readonly types: DuckDBType[];
  /** DuckDB values as returned by @duckdb/node-api getRows(). */
  readonly rows: unknown[][];
  /** The same rows in its JSON-safe form (big integers and decimals as strings). */
  readonly jsonRows: unknown[][];
  readonly truncated: boolean;
  /** Tables registered as views, as ns.name. */
  readonly tables: string[];
}

/** Schemas DuckDB itself answers for; a reference into them is not an Iceberg table. */
const DUCKDB_SCHEMAS = new Set(['information_schema', 'pg_catalog', 'main', 'system', 'temp', 'memory']);
const RESERVED_DATABASES = new Set(['memory', 'system', 'temp']);
const COPY_CHUNK = 8 * 1024 * 1024;

async function copyToLocal(io: FileIO, path: string, target: string): Promise<void> {
  const size = await io.size(path);
  const out = createWriteStream(target);
  try {
    for (let offset = 0; offset < size; offset += COPY_CHUNK) {
      const chunk = await io.readRange(path, offset, Math.min(COPY_CHUNK, size - offset));
      if (!out.write(chunk)) await new Promise<void>((r) => out.once('drain', () => r()));
    }
  } finally {
    await new Promise<void>((resolve, reject) =>
      out.end((err?: Error | null) => (err ? reject(err) : resolve())),
    );
  }
}

class Staging {
  private dir: string | undefined;
  private n = 0;

  async local(io: FileIO, path: string): Promise<string> {
    if (schemeOf(path) === 'file') return localPath(path);
    this.dir ??= await mkdtemp(join(tmpdir(), 'floe-query-'));
    const target = join(this.dir, `${this.n++}.parquet`);
    await copyToLocal(io, path, target);
    return target;
  }

  async cleanup(): Promise<void> {
    if (this.dir) await rm(this.dir, { recursive: true, force: true });
  }
}

async function loadTable(catalog: Catalog, id: TableIdentifier, label: string | undefined): Promise<Table> {
  try {
    return await Table.load(catalog, id);
  } catch (err) {
    if (isFloeError(err, 'not-found')) {
      throw new FloeError(
        'not-found',
        `query: unknown table ${identifierToString(id)}${label ? ` in ${label}` : ''}`,
      );
    }
    throw err;
  }
}

async function registerView(conn: DuckDBConnection, table: Table, staging: Staging): Promise<void> {
  const id = table.identifier;
  const ns = id.namespace;
  if (ns.length > 2) {
    throw new FloeError(
      'unsupported',
      `query: table ${identifierToString(id)}: DuckDB addresses at most database.schema.table, so namespaces deeper than 2 levels cannot be queried`,
    );
  }
  let schemaPath: string[];
  if (ns.length === 2) {
    const db = ns[0] as string;
    if (RESERVED_DATABASES.has(db.toLowerCase())) {
      throw new FloeError('unsupported', `query: namespace "${db}" is a reserved DuckDB database name`);
    }
    const attached = await conn.runAndReadAll(`SELECT 1 FROM duckdb_databases() WHERE database_name = $1`, [
      db,
    ]);
    if (attached.currentRowCount === 0) await conn.run(`ATTACH ':memory:' AS ${quoteIdent(db)}`);
    schemaPath = [db, ns[1] as string];
  } else {
    schemaPath = ['memory', ns[0] as string];
  }
  await conn.run(`CREATE SCHEMA IF NOT EXISTS ${qualified(schemaPath)}`);
  const files = await table.planFiles();
  const local: string[] = [];
  for (const f of files) local.push(await staging.local(table.io, f.dataFile.filePath));
  await conn.run(`CREATE VIEW ${qualified([...schemaPath, id.name])} AS ${viewSelect(table.schema, local)}`);
}

/** DuckDB errors as FloeErrors: parser errors are usage (exit 2), the rest one-line input errors. */
function duckdbError(err: unknown): FloeError {
  const msg = oneLine(err instanceof Error ? err.message : String(err));
  return new FloeError(/^Parser Error/i.test(msg) ? 'usage' : 'input', `query: ${msg}`, { cause: err });
}

async function readResult(
  conn: DuckDBConnection,
  sql: string,
  maxRows: number | undefined,
): Promise<{ reader: DuckDBResultReader; truncated: boolean }> {
  if (maxRows === undefined) return { reader: await conn.runAndReadAll(sql), truncated: false };
  // One row past the limit says whether the result was cut, without materialising all of it.
  const reader = await conn.streamAndReadUntil(sql, maxRows + 1);
  return { reader, truncated: reader.currentRowCount > maxRows };
}

export async function runQuery(options: QueryOptions): Promise<QueryResult> {
  const sql = options.sql;
  if (sql.trim() === '') throw new FloeError('usage', 'query: empty SQL');
  const instance = await DuckDBInstance.create(':memory:');
  const conn = await instance.connect();
  const staging = new Staging();
  try {
    // TIMESTAMPTZ values print in UTC (Iceberg stores them as UTC instants).
    await conn.run(`SET TimeZone = 'UTC'`);
    const refs = await tableRefs(conn, sql);
    const registered: string[] = [];
    for (const id of refs.tables) {
      const systemRef =
        id.namespace.length === 1 && DUCKDB_SCHEMAS.has((id.namespace[0] as string).toLowerCase());
      if (refs.guessed || systemRef) {
        // A dotted name that may be a column (lexical scan) or DuckDB's own schema: only existing tables count.
        if (!(await options.catalog.tableExists(id).catch(() => false))) continue;
      }
      const table = await loadTable(options.catalog, id, options.catalogLabel);
      await registerView(conn, table, staging);
      registered.push(identifierToString(id));
    }
    let result;
    try {
      result = await readResult(conn, sql, options.maxRows);
    } catch (err) {
      throw duckdbError(err);
    }
    const { reader, truncated } = result;
    const limit = options.maxRows ?? Number.POSITIVE_INFINITY;
    const rows = reader.getRows().slice(0, limit) as unknown[][];
    const jsonRows = reader.getRowsJson().slice(0, limit) as unknown[][];
    return {
      columns: reader.columnNames(),
      types: reader.columnTypes(),
      rows,
      jsonRows,
      truncated,
      tables: registered,
    };
  } finally {
    conn.closeSync();
    instance.closeSync();
    await staging.cleanup();
  }
}
