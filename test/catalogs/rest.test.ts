/**
 * The REST catalog against the Apache Iceberg REST fixture server (one JVM for this file), with a
 * recording proxy in front for auth headers, Idempotency-Key and lost commit responses.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catalogFromOptions, RestCatalog } from '../../src/catalog/index.js';
import { isFloeError } from '../../src/errors.js';
import { Table } from '../../src/iceberg/table/index.js';
import { startRestCatalog, type RestCatalogServer } from '../setup/rest-catalog.js';
import { catalogBehaviour, rejection, rows, scanWithPyIceberg, schema } from './behaviour.js';
import { runWriters } from './children.js';
import { startProxy, type Proxy } from './proxy.js';

let server: RestCatalogServer;
let proxy: Proxy;
beforeAll(async () => {
  server = await startRestCatalog();
  proxy = await startProxy(server.uri);
}, 180_000);
afterAll(async () => {
  await proxy?.stop();
  await server?.stop();
});
let n = 0;

describe('REST catalog on the Iceberg REST fixture', () => {
  catalogBehaviour('rest', () => ({
    catalog: () => catalogFromOptions({ catalog: 'rest', uri: server.uri }),
    namespace: () => [`ns${n++}`],
    pyiceberg: (id) => ({
      properties: { type: 'rest', uri: server.uri },
      table: `${id.namespace.join('.')}.${id.name}`,
    }),
    implicitNamespaces: true,
  }));

  it('two processes appending 50 times each end with all 100 appends, each once', async () => {
    const catalog = new RestCatalog({ uri: server.uri });
    const ns = [`race${n++}`];
    await catalog.createNamespace(ns);
    await Table.create(catalog, { identifier: { namespace: ns, name: 't' }, schema });
    const out = await runWriters({ catalog: 'rest', uri: server.uri }, `${ns[0]}.t`, 50, [1, 2]);
    const table = await Table.load(catalog, { namespace: ns, name: 't' });
    expect(table.metadata.snapshots.length).toBe(100);
    console.log(
      `REST 2×50 appends: re-appends after exhausted retries ${out.map((o) => o.reappends).join('/')}`,
    );
    const ids = (await table.readRows()).map((r) => Number(r.id)).sort((a, b) => a - b);
    const expected = [1, 2].flatMap((w) => Array.from({ length: 50 }, (_, i) => w * 1000 + i));
    expect(ids).toEqual(expected);
    const py = await scanWithPyIceberg({
      properties: { type: 'rest', uri: server.uri },
      table: `${ns[0]}.t`,
    });
    expect(py.rows.map((r) => r[0])).toEqual(expected);
  });

  it('a commit whose response is lost is recognised by snapshot id and not appended twice', async () => {
    const catalog = new RestCatalog({ uri: proxy.uri });
    const ns = [`lost${n++}`];
    await catalog.createNamespace(ns);
    const table = await Table.create(catalog, { identifier: { namespace: ns, name: 't' }, schema });
    await table.append([rows([[1, 'one']])]);
    proxy.loseCommitResponses(1);
    const snap = await table.append([rows([[2, 'two']])]);
    const loaded = await Table.load(catalog, { namespace: ns, name: 't' });
    expect(loaded.metadata.snapshots.length).toBe(2);
    expect(loaded.metadata.currentSnapshotId).toBe(snap.snapshotId);
    expect((await loaded.readRows()).map((r) => Number(r.id)).sort()).toEqual([1, 2]);
    // The lost commit and its retry were separate requests, each with its own Idempotency-Key.
    const commits = proxy.seen.filter((s) => s.method === 'POST' && s.path.endsWith(`/${ns[0]}/tables/t`));
    expect(commits.length).toBe(2);
    for (const c of commits) expect(c.headers['idempotency-key']).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('a stale commit is a retryable commit-conflict (409)', async () => {
    const catalog = new RestCatalog({ uri: server.uri });
    const ns = [`conflict${n++}`];
    await catalog.createNamespace(ns);
    const id = { namespace: ns, name: 't' };
    const created = await catalog.createTable({ identifier: id, schema });
    const err = await rejection(
      catalog.commitTable({
        identifier: id,
        requirements: [{ type: 'assert-table-uuid', uuid: '00000000-0000-0000-0000-000000000000' }],
        updates: [{ action: 'set-properties', updates: { a: 'b' } }],
      }),
    );
    expect(isFloeError(err, 'commit-conflict')).toBe(true);
    expect(err.retryable).toBe(true);
    const ok = await catalog.commitTable({
      identifier: id,
      requirements: [{ type: 'assert-table-uuid', uuid: created.metadata.tableUuid }],
      updates: [{ action: 'set-properties', updates: { a: 'b' } }],
    });
    expect(ok.metadata.properties.a).toBe('b');
  });

  it('OAuth2 client credentials: a token is fetched once and sent as a bearer token', async () => {
    const catalog = catalogFromOptions({ catalog: 'rest', uri: proxy.uri, credential: 'floe-client:s3cret' });
    const before = proxy.seen.length;
    const ns = [`oauth${n++}`];
    await catalog.createNamespace(ns);
    expect(await catalog.listTables(ns)).toEqual([]);
    const seen = proxy.seen.slice(before);
    expect(seen.filter((s) => s.path.startsWith('/v1/oauth/tokens')).length).toBe(1);
    const api = seen.filter((s) => !s.path.startsWith('/v1/oauth/tokens'));
    expect(api.length).toBeGreaterThanOrEqual(3);
    for (const s of api)
      expect(s.headers.authorization).toBe('Bearer client-credentials-token:sub=floe-client');
    const token = catalogFromOptions({ catalog: 'rest', uri: proxy.uri, token: 'static-token' });
    await token.listNamespaces();
    expect(proxy.seen.at(-1)!.headers.authorization).toBe('Bearer static-token');
  });

  it('bad input: unreachable catalog, rejected credentials, a table name without namespace', async () => {
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((r) => closed.close(() => r()));
    const unreachable = await rejection(
      new RestCatalog({ uri: `http://127.0.0.1:${port}` }).listNamespaces(),
    );
    expect(isFloeError(unreachable, 'io')).toBe(true);
    expect(unreachable.message).toBe(
      `cannot reach the REST catalog at http://127.0.0.1:${port}: ECONNREFUSED`,
    );

    const deny = createServer((req, res) => {
      res.writeHead(req.url?.startsWith('/v1/oauth/tokens') ? 401 : 401, {
        'Content-Type': 'application/json',
      });
      res.end(
        req.url?.startsWith('/v1/oauth/tokens')
          ? JSON.stringify({ error: 'invalid_client', error_description: 'bad client secret' })
          : JSON.stringify({
              error: { message: 'Not authorized', type: 'NotAuthorizedException', code: 401 },
            }),
      );
    });
    await new Promise<void>((r) => deny.listen(0, '127.0.0.1', () => r()));
    const uri = `http://127.0.0.1:${(deny.address() as AddressInfo).port}`;
    try {
      const bearer = await rejection(
        catalogFromOptions({ catalog: 'rest', uri, token: 'wrong' }).listNamespaces(),
      );
      expect(isFloeError(bearer, 'config')).toBe(true);
      expect(bearer.message).toBe(
        `REST catalog ${uri} rejected the credentials (HTTP 401): Not authorized (NotAuthorizedException)`,
      );
      expect(bearer.message).not.toContain('wrong');
      const oauth = await rejection(
        catalogFromOptions({ catalog: 'rest', uri, credential: 'id:topsecret' }).listNamespaces(),
      );
      expect(isFloeError(oauth, 'config')).toBe(true);
      expect(oauth.message).toBe(
        `OAuth2 token request to ${uri}/v1/oauth/tokens was rejected: bad client secret`,
      );
      expect(oauth.message).not.toContain('topsecret');
    } finally {
      await new Promise<void>((r) => deny.close(() => r()));
    }
    const noNs = await rejection(
      new RestCatalog({ uri: server.uri }).loadTable({ namespace: [], name: 't' }),
    );
    expect(isFloeError(noNs, 'usage')).toBe(true);
    expect(() => catalogFromOptions({ catalog: 'rest' })).toThrow(/needs a URI/);
    expect(() => catalogFromOptions({ catalog: 'hive' })).toThrow(/unknown catalog "hive"/);
  });

  it('the CLI loads into and inspects a REST catalog table (--catalog rest --uri)', async () => {
    const main = new URL('../../dist/cli/main.js', import.meta.url).pathname;
    const examples = new URL('../../examples/', import.meta.url).pathname;
    const floe = (args: string[]) =>
      new Promise<{ code: number | null; out: string; err: string }>((done) => {
        // Async spawn: the server is another process, but keep this test's event loop free anyway.
        const child = spawn(process.execPath, [main, ...args], {
          env: { ...process.env, FLOE_CATALOG: 'rest', FLOE_CATALOG_URI: server.uri, FLOE_WAREHOUSE: '' },
        });
        let out = '';
        let err = '';
        child.stdout.on('data', (d) => (out += d));
        child.stderr.on('data', (d) => (err += d));
        child.on('exit', (code) => done({ code, out, err }));
      });
    const ns = `cli${n++}`;
    const load = await floe([
      'load',
      `${examples}nyc311-sample.csv`,
      '--table',
      `${ns}.requests`,
      '--schema',
      `${examples}nyc311.schema.json`,
      '--partition',
      'day(created_date)',
      '--max-bad-rows',
      'unlimited',
      '--rejected',
      `${server.warehouse}/../rejected.ndjson`,
      '--json',
    ]);
    expect(load.err).toBe('');
    expect(load.code).toBe(0);
    const summary = JSON.parse(load.out) as { rowsWritten: number };
    expect(summary.rowsWritten).toBeGreaterThan(4000);
    const listed = await floe(['tables', '--catalog', 'rest', '--uri', server.uri, '--json']);
    expect(JSON.parse(listed.out)).toContain(`${ns}.requests`);
    const inspected = await floe(['inspect', `${ns}.requests`, '--json']);
    expect(inspected.code).toBe(0);
    const info = JSON.parse(inspected.out) as { snapshots: { summary: Record<string, string> }[] };
    expect(info.snapshots[0]!.summary['added-records']).toBe(String(summary.rowsWritten));
    const table = await Table.load(new RestCatalog({ uri: server.uri }), {
      namespace: [ns],
      name: 'requests',
    });
    expect((await table.readRows()).length).toBe(summary.rowsWritten);
  });
});
