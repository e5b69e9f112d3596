/**
 * A Kinesis emulator as a child process, for `floe dev` (npm start) and for tests: kinesis-local
 * (kinesis-mock, the engine LocalStack uses) first, kinesalite when kinesis-local cannot start.
 * Both are devDependencies: `npm ci` installs them, a production install (`--omit=dev`) does not,
 * and then `floe dev` says so and asks for an endpoint instead.
 *
 * Listening only on 127.0.0.1 matters: the emulators accept any credentials. kinesis-mock binds
 * 0.0.0.0 with no setting to change it, so a preloaded module pins every listen() of the child to
 * 127.0.0.1 (its TLS listener, which cannot be turned off, goes to a free loopback port).
 *
 * The child must never outlive its parent: it would keep port 4567 and its stream, and the next
 * `floe dev` would meet a stream that is not fresh. The parent holds the child's stdin open; when
 * the parent dies, even by kill -9, the pipe closes and the preload exits the child. `stop()`
 * uses SIGKILL: kinesis-mock ignores SIGTERM. The child runs in its own process group, so a
 * Ctrl-C in the terminal reaches only floe, which commits first and then stops the emulator.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { FloeError } from '../errors.js';

export type EmulatorName = 'kinesis-local' | 'kinesalite';

export interface StartEmulatorOptions {
  /** Plain HTTP port on 127.0.0.1; 0 picks a free one. */
  readonly port: number;
  /** Try only this emulator (default: kinesis-local, then kinesalite). */
  readonly only?: EmulatorName;
  /** How long to wait for the first answer (default 60 s: kinesis-mock takes a few seconds on a busy machine). */
  readonly readyTimeoutMs?: number;
  /** Progress/fallback messages (one line each). */
  readonly onMessage?: (line: string) => void;
}

export interface Emulator {
  readonly name: EmulatorName;
  readonly endpoint: string;
  readonly port: number;
  readonly pid: number | undefined;
  /** Resolves when the child exited, for whatever reason. */
  readonly exited: Promise<void>;
  /** Last lines of the child's output (for error messages). */
  output(): string;
  /** SIGKILL and wait for the exit; idempotent. */
  stop(): Promise<void>;
  /** Synchronous kill for process 'exit' handlers. */
  killNow(): void;
}

/** Exits the child when the parent's end of stdin closes (the parent died). */
const PARENT_WATCH = `
process.stdin.on('error', () => process.exit(0));
process.stdin.on('close', () => process.exit(0));
process.stdin.on('end', () => process.exit(0));
process.stdin.resume();
`;

/** Pins every listen() to 127.0.0.1 (kinesis-mock hard-codes 0.0.0.0). */
const LOOPBACK_ONLY = `
import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...args) {
  if (args[0] && typeof args[0] === 'object') args[0] = { ...args[0], host: '127.0.0.1' };
  else if (typeof args[0] === 'number' || typeof args[0] === 'string') {
    if (typeof args[1] === 'string' || args[1] == null) args[1] = '127.0.0.1';
    else args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};
${PARENT_WATCH}
`;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolvePort(port));
    });
  });
}

/** True when something accepts connections on 127.0.0.1:port. */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolveUse) => {
    const srv = createServer();
    srv.unref();
    srv.once('error', (err: NodeJS.ErrnoException) =>
      resolveUse(err.code === 'EADDRINUSE' || err.code === 'EACCES'),
    );
    srv.listen(port, host, () => srv.close(() => resolveUse(false)));
  });
}

function resolvePackage(name: string): string | undefined {
  try {
    return createRequire(import.meta.url).resolve(name);
  } catch {
    return undefined;
  }
}

/** Any HTTP answer from the port means the server is up (a Kinesis error included). */
async function answers(endpoint: string): Promise<boolean> {
  try {
    const res = await fetch(endpoint, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-amz-json-1.1',
        'x-amz-target': 'Kinesis_20131202.ListStreams',
      },
      body: '{}',
      signal: AbortSignal.timeout(2000),
    });
    await res.arrayBuffer().catch(() => undefined);
    return true;
  } catch {
    return false;
  }
}

function launch(name: EmulatorName, port: number, tlsPort: number): ChildProcess {
  const env: Record<string, string> = { PATH: process.env.PATH ?? '' };
  if (name === 'kinesis-local') {
    const main = resolvePackage('kinesis-local');
    if (!main) throw new FloeError('not-found', 'the kinesis-local package is not installed');
    const durations = [
      'CREATE_STREAM_DURATION',
      'DELETE_STREAM_DURATION',
      'MERGE_SHARDS_DURATION',
      'SPLIT_SHARD_DURATION',
      'UPDATE_SHARD_COUNT_DURATION',
    ];
    return spawn(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(LOOPBACK_ONLY)}`, main],
      {
        env: {
          ...env,
          KINESIS_MOCK_CERT_PATH: join(dirname(main), 'server.json'),
          KINESIS_MOCK_PLAIN_PORT: String(port),
          KINESIS_MOCK_TLS_PORT: String(tlsPort),
          LOG_LEVEL: 'WARN',
          SHOULD_PERSIST_DATA: 'false',
          ...Object.fromEntries(durations.map((d) => [d, '100ms'])),
        },
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
      },
    );
  }
  const main = resolvePackage('kinesalite');
  if (!main) throw new FloeError('not-found', 'the kinesalite package is not installed');
  const script = `${PARENT_WATCH}
require(${JSON.stringify(main)})({ createStreamMs: 100, deleteStreamMs: 100, updateStreamMs: 100, shardLimit: 50 })
  .listen(${port}, '127.0.0.1');`;
  return spawn(process.execPath, ['-e', script], { env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
}

async function startOne(name: EmulatorName, o: StartEmulatorOptions): Promise<Emulator> {
  const port = o.port === 0 ? await freePort() : o.port;
  const tlsPort = name === 'kinesis-local' ? await freePort() : 0;
  const child = launch(name, port, tlsPort);
  let out = '';
  const keep = (d: Buffer): void => {
    out = (out + d.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  // A write to a dead child's stdin must not crash the parent.
  child.stdin?.on('error', () => undefined);
  const exited = new Promise<void>((r) => {
    if (child.exitCode !== null || child.signalCode !== null) r();
    else child.once('exit', () => r());
  });
  const killNow = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  const stop = async (): Promise<void> => {
    killNow();
    await exited;
  };
  const endpoint = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + (o.readyTimeoutMs ?? 60_000);
  let spawnError: Error | undefined;
  child.once('error', (err) => (spawnError = err));
  for (;;) {
    if (spawnError) {
      await stop();
      throw new FloeError('io', `${name} could not start: ${spawnError.message}`);
    }
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new FloeError(
        'io',
        `${name} exited (${child.exitCode ?? child.signalCode}): ${out.trim().slice(-500)}`,
      );
    }
    if (await answers(endpoint)) break;
    if (Date.now() > deadline) {
      await stop();
      throw new FloeError(
        'io',
        `${name} did not answer on ${endpoint} within ${Math.round((o.readyTimeoutMs ?? 60_000) / 1000)} s`,
      );
    }
    await sleep(200);
  }
  return {
    name,
    endpoint,
    port,
    pid: child.pid,
    exited,
    output: () => out,
    stop,
    killNow,
  };
}

/** Starts kinesis-local (or, failing that, kinesalite) listening on 127.0.0.1:`port` only. */
export async function startEmulator(o: StartEmulatorOptions): Promise<Emulator> {
  const order: EmulatorName[] = o.only ? [o.only] : ['kinesis-local', 'kinesalite'];
  const errors: string[] = [];
  for (const name of order) {
    try {
      return await startOne(name, o);
    } catch (err) {
      const msg = (err as Error).message;
      errors.push(msg);
      if (name !== order[order.length - 1]) o.onMessage?.(`${msg}; trying ${order[order.indexOf(name) + 1]}`);
    }
  }
  throw new FloeError(
    'io',
    `no Kinesis emulator could start (${errors.join('; ')}). They are devDependencies: run \`npm ci\` ` +
      '(without --omit=dev), or point floe at a Kinesis endpoint with AWS_ENDPOINT_URL_KINESIS',
  );
}
