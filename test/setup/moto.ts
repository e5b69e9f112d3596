/**
 * A real moto S3 server for wire-level tests: `startMoto()` runs moto from the test venv on a free
 * local port, waits until it answers, and `stop()` ends it. One server per test file.
 *
 * Not `moto_server` itself: its threaded server checks `If-None-Match: *` and then stores the object
 * without a lock, so two racing exclusive PUTs can both succeed (seen here: 2 of 8 won). Real S3
 * decides atomically, and the file catalog's commits rely on exactly that. The launcher below runs
 * the same moto WSGI app and request handler as `moto_server`, with each request handled under
 * one lock, which restores S3's guarantee.
 */
import { freePort } from '../support/net.js';
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const VENV = join(REPO_ROOT, '.cache', 'venv');
const MOTO_SERVER = join(VENV, 'bin', 'moto_server');
const PYTHON = join(VENV, 'bin', 'python');

const LAUNCHER = `
import os, signal, sys, threading
from werkzeug.serving import run_simple
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app

host, port = sys.argv[1], int(sys.argv[2])
os.environ.setdefault("MOTO_PORT", str(port))
app = DomainDispatcherApplication(create_backend_app)
lock = threading.Lock()

def serialized(environ, start_response):
    with lock:
        return list(app(environ, start_response))

signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
run_simple(host, port, serialized, threaded=True, request_handler=MotoRequestHandler)
`;
const READY = join(VENV, '.ready');

export interface Moto {
  endpoint: string;
  /** Credentials moto accepts (any will do); tests pass them explicitly so no real ones are used. */
  credentials: { accessKeyId: string; secretAccessKey: string };
  region: string;
  stop(): Promise<void>;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** The venv is built by the global test setup; another process may still be building it. */
async function waitForVenv(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(existsSync(READY) && existsSync(MOTO_SERVER))) {
    if (Date.now() > deadline) {
      throw new Error(
        `moto: ${MOTO_SERVER} not ready after ${timeoutMs} ms (is the test venv built? see test/setup/venv.ts)`,
      );
    }
    await sleep(1000);
  }
}

async function waitForHttp(
  endpoint: string,
  child: ChildProcess,
  output: () => string,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`moto exited early (${child.exitCode ?? child.signalCode}):\n${output()}`);
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/data.json`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      if (res.status < 500) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`moto did not answer within ${timeoutMs} ms:\n${output()}`);
    await sleep(200);
  }
}

export async function startMoto(
  options: { venvTimeoutMs?: number; startTimeoutMs?: number } = {},
): Promise<Moto> {
  await waitForVenv(options.venvTimeoutMs ?? 15 * 60_000);
  let lastError: unknown;
  // A free port can be taken between probing and binding: try a few.
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const endpoint = `http://127.0.0.1:${port}`;
    const child = spawn(PYTHON, ['-c', LAUNCHER, '127.0.0.1', String(port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Keep moto from reaching for real AWS configuration.
      env: {
        ...process.env,
        AWS_ACCESS_KEY_ID: 'test',
        AWS_SECRET_ACCESS_KEY: 'test',
        AWS_DEFAULT_REGION: 'us-east-1',
      },
    });
    let log = '';
    const keep = (b: Buffer): void => {
      log = (log + b.toString()).slice(-4000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    try {
      await waitForHttp(endpoint, child, () => log, options.startTimeoutMs ?? 60_000);
    } catch (err) {
      lastError = err;
      child.kill('SIGKILL');
      continue;
    }
    return {
      endpoint,
      credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
      region: 'us-east-1',
      stop: () => stopChild(child),
    };
  }
  throw lastError;
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
  await exited;
  clearTimeout(timer);
}
