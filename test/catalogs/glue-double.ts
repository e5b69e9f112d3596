/**
 * A Glue test double: an HTTP server speaking the Glue JSON protocol (awsJson1_1) for the calls
 * GlueCatalog makes, which — unlike moto — enforces UpdateTable's VersionId, as Glue does. It can
 * also apply an UpdateTable and then lose the response, to test commits whose outcome is unknown.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface StoredTable {
  table: Record<string, unknown>;
  version: number;
}

export interface GlueDouble {
  endpoint: string;
  /** UpdateTable calls accepted / rejected for a stale VersionId. */
  stats: { updates: number; staleVersions: number };
  /** Apply the next `n` UpdateTable calls, then drop the connection instead of answering. */
  loseUpdateResponses(n: number): void;
  /** Put a table directly (e.g. a non-Iceberg Hive table). */
  putTable(db: string, table: Record<string, unknown>): void;
  stop(): Promise<void>;
}

class GlueError extends Error {
  constructor(
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export async function startGlueDouble(): Promise<GlueDouble> {
  const dbs = new Map<string, Record<string, unknown>>();
  const tables = new Map<string, StoredTable>();
  const stats = { updates: 0, staleVersions: 0 };
  let lose = 0;
  const key = (db: string, name: string): string => `${db}\u0000${name.toLowerCase()}`;
  const needDb = (name: string): void => {
    if (!dbs.has(name)) throw new GlueError('EntityNotFoundException', `Database ${name} not found.`);
  };
  const view = (t: StoredTable): Record<string, unknown> => ({ ...t.table, VersionId: String(t.version) });

  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- request bodies are untyped JSON
  const ops: Record<string, (b: Record<string, any>) => Record<string, unknown>> = {
    CreateDatabase: (b) => {
      const name = b.DatabaseInput.Name as string;
      if (dbs.has(name)) throw new GlueError('AlreadyExistsException', `Database ${name} already exists.`);
      dbs.set(name, { ...b.DatabaseInput });
      return {};
    },
    GetDatabase: (b) => {
      needDb(b.Name);
      return { Database: dbs.get(b.Name) };
    },
    GetDatabases: () => ({ DatabaseList: [...dbs.values()] }),
    DeleteDatabase: (b) => {
      needDb(b.Name);
      dbs.delete(b.Name);
      return {};
    },
    CreateTable: (b) => {
      needDb(b.DatabaseName);
      const k = key(b.DatabaseName, b.TableInput.Name);
      if (tables.has(k))
        throw new GlueError('AlreadyExistsException', `Table ${b.TableInput.Name} already exists.`);
      tables.set(k, { table: { ...b.TableInput, DatabaseName: b.DatabaseName }, version: 1 });
      return {};
    },
    GetTable: (b) => {
      needDb(b.DatabaseName);
      const t = tables.get(key(b.DatabaseName, b.Name));
      if (!t) throw new GlueError('EntityNotFoundException', `Table ${b.Name} not found.`);
      return { Table: view(t) };
    },
    GetTables: (b) => {
      needDb(b.DatabaseName);
      return {
        TableList: [...tables.values()].filter((t) => t.table.DatabaseName === b.DatabaseName).map(view),
      };
    },
    UpdateTable: (b) => {
      needDb(b.DatabaseName);
      const t = tables.get(key(b.DatabaseName, b.TableInput.Name));
      if (!t) throw new GlueError('EntityNotFoundException', `Table ${b.TableInput.Name} not found.`);
      if (b.VersionId !== undefined && b.VersionId !== String(t.version)) {
        stats.staleVersions++;
        throw new GlueError(
          'ConcurrentModificationException',
          `Update table failed due to concurrent modifications (version ${b.VersionId}, current ${t.version}).`,
        );
      }
      t.table = { ...b.TableInput, DatabaseName: b.DatabaseName };
      t.version++;
      stats.updates++;
      return {};
    },
    DeleteTable: (b) => {
      needDb(b.DatabaseName);
      if (!tables.delete(key(b.DatabaseName, b.Name)))
        throw new GlueError('EntityNotFoundException', `Table ${b.Name} not found.`);
      return {};
    },
  };

  const handle = (req: IncomingMessage, res: ServerResponse, body: string): void => {
    const op = String(req.headers['x-amz-target'] ?? '').replace(/^AWSGlue\./, '');
    const send = (status: number, payload: unknown): void => {
      res.writeHead(status, { 'Content-Type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(payload));
    };
    const fn = ops[op];
    if (!fn) return send(400, { __type: 'InvalidInputException', message: `unsupported operation ${op}` });
    try {
      const out = fn(body ? JSON.parse(body) : {});
      if (op === 'UpdateTable' && lose > 0) {
        lose--;
        req.socket.destroy(); // applied, but the caller never hears about it
        return;
      }
      send(200, out);
    } catch (err) {
      if (err instanceof GlueError) return send(400, { __type: err.type, message: err.message });
      send(500, { __type: 'InternalServiceException', message: String(err) });
    }
  };

  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => handle(req, res, body));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const port = (server.address() as AddressInfo).port;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    stats,
    loseUpdateResponses: (n) => {
      lose = n;
    },
    putTable: (db, table) =>
      tables.set(key(db, String(table.Name)), { table: { ...table, DatabaseName: db }, version: 1 }),
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
