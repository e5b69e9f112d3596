/**
 * The Apache Iceberg REST catalog fixture (`org.apache.iceberg:iceberg-open-api:1.10.1`, a fat jar
 * from Maven Central) for wire-level tests: `startRestCatalog()` starts one server per test file.
 *
 * The jar's own `RESTCatalogServer` main binds Jetty to every interface on a fixed port. The
 * launcher below builds the same thing from the jar's public classes (backend catalog from the
 * `CATALOG_*` environment variables, `RESTCatalogAdapter`, `RESTCatalogServlet`) but binds to
 * 127.0.0.1 on port 0 and prints the port it got, so nothing is exposed and ports never race.
 *
 * The backend is a JdbcCatalog on a SQLite *file* (not `:memory:`: each pooled JDBC connection to
 * an in-memory SQLite database would see its own empty database). Its commits are an atomic
 * `UPDATE … WHERE metadata_location = <base>`, so racing commits get a real 409.
 *
 * On a fresh machine the jar is fetched with Maven into .cache/m2 and the launcher compiled into
 * .cache/jars once (both git-ignored); concurrent test files share the work under a directory lock.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const CACHE = join(REPO_ROOT, '.cache');
const M2 = join(CACHE, 'm2');
const ARTIFACT = 'org.apache.iceberg:iceberg-open-api:1.10.1';
export const REST_JAR = join(M2, 'org/apache/iceberg/iceberg-open-api/1.10.1/iceberg-open-api-1.10.1.jar');
const LAUNCHER_DIR = join(CACHE, 'jars', 'floe-rest-launcher');
const LOCK = join(CACHE, 'jars', 'rest-fixture.lock');

const LAUNCHER_SOURCE = `
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import org.apache.iceberg.CatalogUtil;
import org.apache.iceberg.catalog.Catalog;
import org.apache.iceberg.rest.RESTCatalogAdapter;
import org.apache.iceberg.rest.RESTCatalogServlet;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.servlet.ServletContextHandler;
import org.eclipse.jetty.servlet.ServletHolder;

public class FloeRestLauncher {
  public static void main(String[] args) throws Exception {
    Map<String, String> props = new HashMap<>();
    for (Map.Entry<String, String> e : System.getenv().entrySet()) {
      if (!e.getKey().startsWith("CATALOG_")) continue;
      String key = e.getKey().substring(8).replace("__", "-").replace("_", ".").toLowerCase(Locale.ROOT);
      props.put(key, e.getValue());
    }
    props.putIfAbsent("catalog-impl", "org.apache.iceberg.jdbc.JdbcCatalog");
    props.putIfAbsent("jdbc.schema-version", "V1");
    Catalog catalog = CatalogUtil.buildIcebergCatalog("rest_backend", props, new org.apache.hadoop.conf.Configuration());
    ServletContextHandler context = new ServletContextHandler(ServletContextHandler.NO_SESSIONS);
    context.addServlet(new ServletHolder(new RESTCatalogServlet(new RESTCatalogAdapter(catalog))), "/*");
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    server.setHandler(context);
    server.start();
    System.out.println("floe-rest-listening " + connector.getLocalPort());
    System.out.flush();
    server.join();
  }
}
`;

export interface RestCatalogServer {
  /** e.g. http://127.0.0.1:40123 (the catalog's base URI; requests go to <uri>/v1/…). */
  uri: string;
  /** The backend's warehouse directory (table files are written here by the server and by floe). */
  warehouse: string;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function withLock<T>(fn: () => T): Promise<T> {
  mkdirSync(dirname(LOCK), { recursive: true });
  const deadline = Date.now() + 10 * 60_000;
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      let owner = NaN;
      try {
        owner = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        // being created
      }
      if (Number.isInteger(owner) && !alive(owner)) rmSync(LOCK, { recursive: true, force: true });
      if (Date.now() > deadline)
        throw new Error(`REST fixture: lock ${LOCK} held too long (remove if stale)`);
      await sleep(500);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Fetches the jar (Maven) and compiles the launcher, once; returns the java classpath. */
export async function ensureRestFixture(): Promise<string> {
  const hash = createHash('sha256').update(LAUNCHER_SOURCE).digest('hex').slice(0, 16);
  const classes = join(LAUNCHER_DIR, hash);
  const classpath = `${classes}:${REST_JAR}`;
  if (existsSync(REST_JAR) && existsSync(join(classes, 'FloeRestLauncher.class'))) return classpath;
  await withLock(() => {
    if (!existsSync(REST_JAR)) {
      execFileSync(
        'mvn',
        [
          '-q',
          '-B',
          'dependency:get',
          `-Dartifact=${ARTIFACT}`,
          '-Dtransitive=false',
          `-Dmaven.repo.local=${M2}`,
        ],
        { stdio: ['ignore', 'inherit', 'inherit'] },
      );
    }
    if (!existsSync(join(classes, 'FloeRestLauncher.class'))) {
      mkdirSync(classes, { recursive: true });
      const src = join(classes, 'FloeRestLauncher.java');
      writeFileSync(src, LAUNCHER_SOURCE);
      execFileSync('javac', ['-nowarn', '-cp', REST_JAR, '-d', classes, src], {
        stdio: ['ignore', 'inherit', 'inherit'],
      });
    }
  });
  return classpath;
}

export interface StartRestOptions {
  /** Extra backend catalog properties as CATALOG_* environment variables. */
  env?: Record<string, string>;
  startTimeoutMs?: number;
}

export async function startRestCatalog(options: StartRestOptions = {}): Promise<RestCatalogServer> {
  const classpath = await ensureRestFixture();
  const dir = mkdtempSync(join(tmpdir(), 'floe-rest-'));
  const warehouse = join(dir, 'warehouse');
  mkdirSync(warehouse);
  const child: ChildProcess = spawn(
    'java',
    ['-Xshare:auto', '-XX:TieredStopAtLevel=1', '-Xss512k', '-cp', classpath, 'FloeRestLauncher'],
    {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? dir,
        CATALOG_URI: `jdbc:sqlite:${join(dir, 'catalog.db')}`,
        CATALOG_WAREHOUSE: warehouse,
        // Keep the AWS SDK inside the server from reaching for real configuration.
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        ...options.env,
      },
    },
  );
  let log = '';
  const port = await new Promise<number>((resolvePort, reject) => {
    const timer = setTimeout(
      () =>
        reject(
          new Error(`REST catalog did not start within ${options.startTimeoutMs ?? 90_000} ms:\n${log}`),
        ),
      options.startTimeoutMs ?? 90_000,
    );
    const onData = (b: Buffer): void => {
      log = (log + b.toString()).slice(-8000);
      const m = /floe-rest-listening (\d+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        resolvePort(Number(m[1]));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (b: Buffer) => (log = (log + b.toString()).slice(-8000)));
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`REST catalog exited early (${code ?? signal}):\n${log}`));
    });
  });
  // Keep draining output so the JVM never blocks on a full pipe.
  child.stdout?.resume();
  return {
    uri: `http://127.0.0.1:${port}`,
    warehouse,
    stop: async () => {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((r) => child.once('exit', () => r()));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
