#!/usr/bin/env node
/**
 * Opt-in end-to-end test on LocalStack (npm run test:docker): starts LocalStack with testcontainers,
 * creates a stream and a bucket, sends the NYC 311 sample with `floe produce`, consumes it with
 * `floe consume --drain` into an Iceberg table on LocalStack's S3 (file catalog), and checks the
 * committed table against what was sent. Needs a Docker engine and `npm run build` first.
 *
 *   npm run test:docker                                   # LocalStack via testcontainers
 *   npm run test:docker -- --endpoint http://localhost:4566  # an already running LocalStack
 *                                                         # (e.g. docker-compose.localstack.yml)
 *   … --endpoint URL --produce-concurrency 1               # for emulators that lose concurrent
 *                                                         # PutRecords (moto's server does)
 *
 * Exit codes: 0 passed; 1 failed; 3 did NOT run: no Docker engine reachable; 4 did NOT run: the
 * testcontainers packages are not installed. It never reports success without having run.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { homedir, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const EXIT_PASSED = 0;
export const EXIT_FAILED = 1;
export const EXIT_NO_DOCKER = 3;
export const EXIT_NO_TESTCONTAINERS = 4;

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const CLI = join(ROOT, 'dist/cli/main.js');
const SAMPLE = join(ROOT, 'examples/nyc311-sample.csv');
const TESTCONTAINERS_VERSION = '11.10.0';
const STREAM = 'floe-e2e';
const BUCKET = 'floe-e2e';
const TABLE = 'demo.nyc311';
const CREDENTIALS = { AWS_ACCESS_KEY_ID: 'test', AWS_SECRET_ACCESS_KEY: 'test', AWS_REGION: 'us-east-1' };

// floe supports Node 20 on purpose; the SDK's notice about it is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const say = (line) => process.stdout.write(`test:docker: ${line}\n`);

/** The LocalStack image docker-compose.localstack.yml pins, so both paths test the same version. */
export async function localstackImage() {
  const yaml = await import('js-yaml');
  const doc = yaml.load(readFileSync(join(ROOT, 'docker-compose.localstack.yml'), 'utf8'));
  return doc.services.localstack.image;
}

/**
 * Where a Docker engine could be: $DOCKER_HOST alone when it is set (as the Docker CLI and
 * testcontainers do), else the usual sockets (Docker, rootless Docker, Colima, Docker Desktop).
 */
export function dockerCandidates(env = process.env) {
  if (env.DOCKER_HOST) return [env.DOCKER_HOST];
  const sockets = ['/var/run/docker.sock'];
  if (env.XDG_RUNTIME_DIR) sockets.push(join(env.XDG_RUNTIME_DIR, 'docker.sock'));
  sockets.push(join(homedir(), '.docker/run/docker.sock'), join(homedir(), '.colima/default/docker.sock'));
  return sockets.map((s) => `unix://${s}`);
}

/** GET /_ping on one candidate: true when an engine answers OK within 3 s. */
function ping(candidate) {
  return new Promise((resolve) => {
    let options;
    if (candidate.startsWith('unix://')) {
      const socketPath = candidate.slice('unix://'.length);
      if (!existsSync(socketPath)) return resolve(false);
      options = { socketPath, path: '/_ping' };
    } else if (candidate.startsWith('tcp://') || candidate.startsWith('http://')) {
      const url = new URL(candidate.replace(/^tcp:/, 'http:'));
      options = { host: url.hostname, port: url.port || 2375, path: '/_ping' };
    } else {
      return resolve(false); // ssh:// and npipe:// are left to testcontainers itself
    }
    const req = request({ ...options, method: 'GET', timeout: 3000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export async function findDockerEngine(env = process.env) {
  for (const c of dockerCandidates(env)) if (await ping(c)) return c;
  return undefined;
}

/** Runs the floe CLI; resolves with its exit code and output. */
function floe(args, env) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { ...process.env, ...CREDENTIALS, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGTERM'), 300_000);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

function check(ok, what) {
  if (!ok) throw new Error(`check failed: ${what}`);
  say(`ok - ${what}`);
}

/** The pipeline against one endpoint serving Kinesis and S3 (LocalStack). */
export async function runPipeline(endpoint, options = {}) {
  const env = { AWS_ENDPOINT_URL: endpoint };
  // floe's own client: HTTP/1.1, as emulators need (the SDK's default Kinesis handler is HTTP/2).
  const { createKinesisClient } = await import(join(ROOT, 'dist/producer/index.js'));
  const { ensureStream } = await import(join(ROOT, 'dist/dev/index.js'));
  const { S3Client, CreateBucketCommand } = await import('@aws-sdk/client-s3');
  const clientConfig = {
    endpoint,
    region: CREDENTIALS.AWS_REGION,
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
  };
  const kinesis = createKinesisClient({ endpoint, env: { ...process.env, ...CREDENTIALS } });
  const s3 = new S3Client({ ...clientConfig, forcePathStyle: true });
  const stream = `${STREAM}-${Date.now()}`;
  await ensureStream(kinesis, stream, 2, 120_000);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET })).catch((err) => {
    if (!/BucketAlready/.test(err.name)) throw err;
  });
  say(`stream ${stream} and bucket s3://${BUCKET} ready on ${endpoint}`);

  const scratch = mkdtempSync(join(tmpdir(), 'floe-test-docker-'));
  try {
    const produced = await floe(
      [
        'produce',
        SAMPLE,
        '--stream',
        stream,
        '--max-bad-records',
        'unlimited',
        '--json',
        '--quiet',
        ...(options.produceConcurrency ? ['--concurrency', String(options.produceConcurrency)] : []),
        '--bad-records',
        join(scratch, 'bad.ndjson'),
        '--failed-records',
        join(scratch, 'failed.ndjson'),
      ],
      env,
    );
    check(produced.code === 0, `floe produce exited 0 (got ${produced.code}: ${produced.stderr.trim()})`);
    // --json prints the summary as one (pretty-printed) JSON document.
    const summary = JSON.parse(produced.stdout.slice(produced.stdout.indexOf('{')));
    check(
      summary.sent > 0 && summary.failed === 0,
      `produce sent ${summary.sent} records, ${summary.failed} failed`,
    );

    const warehouse = `s3://${BUCKET}/warehouse-${stream}`;
    const consumed = await floe(
      [
        'consume',
        '--stream',
        stream,
        '--table',
        TABLE,
        '--catalog',
        'file',
        '--warehouse',
        warehouse,
        '--schema',
        'examples/nyc311.schema.json',
        '--partition',
        'day(created_date)',
        '--dedupe-key',
        'unique_key',
        '--rules',
        'examples/nyc311.rules.json',
        '--dead-letter',
        `s3://${BUCKET}/dead-letters-${stream}`,
        '--state-dir',
        join(scratch, 'state'),
        '--commit-interval',
        '2',
        '--drain',
      ],
      env,
    );
    check(
      consumed.code === 0,
      `floe consume --drain exited 0 (got ${consumed.code}: ${consumed.stderr.trim()})`,
    );
    const audits = consumed.stdout
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((l) => l.audit === true && l.msg === 'commit');
    if (process.env.FLOE_TEST_DOCKER_DEBUG) say(JSON.stringify(audits));
    const sum = (k) => audits.reduce((n, a) => n + (a.records?.[k] ?? 0), 0);
    check(audits.length > 0, `${audits.length} commits logged`);
    check(
      sum('read') === summary.sent,
      `the consumer read every record sent (${sum('read')} of ${summary.sent})`,
    );
    check(
      sum('written') + sum('rejected') + sum('deduped') === sum('read'),
      `every record read was written (${sum('written')}), rejected (${sum('rejected')}) or deduped (${sum('deduped')})`,
    );

    const { catalogFromOptions } = await import(join(ROOT, 'dist/catalog/index.js'));
    const { Table } = await import(join(ROOT, 'dist/iceberg/table/index.js'));
    const { parseTableIdentifier } = await import(join(ROOT, 'dist/iceberg/catalog.js'));
    Object.assign(process.env, CREDENTIALS);
    const catalog = catalogFromOptions({
      catalog: 'file',
      warehouse,
      s3Endpoint: endpoint,
      region: 'us-east-1',
    });
    const table = await Table.load(catalog, parseTableIdentifier(TABLE));
    const total = Number(table.currentSnapshot()?.summary?.['total-records'] ?? -1);
    check(total === sum('written'), `the table holds exactly the rows written: total-records ${total}`);
    return true;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
    kinesis.destroy();
    s3.destroy();
  }
}

async function main(argv) {
  if (!existsSync(CLI)) {
    say(`did NOT run: ${CLI} is missing; run npm run build first`);
    return EXIT_FAILED;
  }
  const at = argv.indexOf('--endpoint');
  if (at >= 0) {
    const endpoint = argv[at + 1];
    say(`running against ${endpoint} (no container started)`);
    const c = argv.indexOf('--produce-concurrency');
    const produceConcurrency = c >= 0 ? Number(argv[c + 1]) : undefined;
    return (await runPipeline(endpoint, { produceConcurrency })) ? EXIT_PASSED : EXIT_FAILED;
  }

  const engine = await findDockerEngine();
  if (!engine) {
    say(
      `did NOT run: no Docker engine is reachable (tried ${dockerCandidates().join(', ')}). ` +
        'Nothing was tested; start Docker or set DOCKER_HOST, or use --endpoint <LocalStack URL>.',
    );
    return EXIT_NO_DOCKER;
  }
  say(`Docker engine at ${engine}`);

  let LocalstackContainer;
  try {
    const pkg = '@testcontainers/localstack';
    ({ LocalstackContainer } = await import(pkg));
  } catch {
    say(
      'did NOT run: the testcontainers packages are not installed (they are not dependencies of floe). ' +
        `Install them for this checkout with: npm install --no-save testcontainers@${TESTCONTAINERS_VERSION} ` +
        `@testcontainers/localstack@${TESTCONTAINERS_VERSION}`,
    );
    return EXIT_NO_TESTCONTAINERS;
  }

  const image = await localstackImage();
  say(`starting ${image}…`);
  const container = await new LocalstackContainer(image)
    .withEnvironment({ SERVICES: 'kinesis,s3,dynamodb' })
    .start();
  try {
    return (await runPipeline(container.getConnectionUri())) ? EXIT_PASSED : EXIT_FAILED;
  } finally {
    await container.stop();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  try {
    process.exitCode = await main(process.argv.slice(2));
  } catch (err) {
    say(`FAILED: ${err.message}`);
    process.exitCode = EXIT_FAILED;
  }
  if (process.exitCode === EXIT_PASSED) say('passed');
}
