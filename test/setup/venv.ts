/**
 * The Python venv with the independent Iceberg readers (PyIceberg, DuckDB + its iceberg/avro
 * extension wheels, fastavro, moto), built from test/python/requirements.txt under the git-ignored
 * .cache/ folder so that `npm test` on a fresh clone needs nothing but python3.
 *
 * Idempotent and safe when several vitest processes start at once: an up-to-date venv is
 * recognised from `.ready` plus the hash of requirements.txt it was built from (no lock needed);
 * otherwise one process builds it under a directory lock while the others wait.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const CACHE_DIR = join(REPO_ROOT, '.cache');
export const VENV_DIR = join(CACHE_DIR, 'venv');
export const REQUIREMENTS = join(REPO_ROOT, 'test/python/requirements.txt');
export const VENV_PYTHON = join(VENV_DIR, 'bin', 'python');
const READY = join(VENV_DIR, '.ready');
const HASH_FILE = join(VENV_DIR, '.requirements.sha256');
const LOCK_DIR = join(CACHE_DIR, 'venv.lock');

export interface EnsureVenvOptions {
  /** The interpreter that creates the venv; default $FLOE_BASE_PYTHON or python3. */
  basePython?: string;
  /** Progress lines (default: stderr). */
  log?: (line: string) => void;
  /** How long to wait for another process's build. */
  waitMs?: number;
}

export function requirementsHash(): string {
  return createHash('sha256').update(readFileSync(REQUIREMENTS)).digest('hex');
}

export function venvIsReady(hash = requirementsHash()): boolean {
  if (!existsSync(READY) || !existsSync(HASH_FILE) || !existsSync(VENV_PYTHON)) return false;
  return readFileSync(HASH_FILE, 'utf8').trim() === hash;
}

/** Returns the venv's python path, building or updating the venv first when needed. */
export async function ensureVenv(options: EnsureVenvOptions = {}): Promise<string> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const hash = requirementsHash();
  if (venvIsReady(hash)) return VENV_PYTHON;

  mkdirSync(CACHE_DIR, { recursive: true });
  const deadline = Date.now() + (options.waitMs ?? 20 * 60_000);
  let announced = false;
  for (;;) {
    if (tryLock()) break;
    if (venvIsReady(hash)) return VENV_PYTHON;
    if (!announced) {
      log('floe test setup: another process is building the Python venv; waiting…');
      announced = true;
    }
    if (Date.now() > deadline) {
      throw new Error(
        `floe test setup: timed out waiting for the venv lock ${LOCK_DIR} (remove it if stale)`,
      );
    }
    await new Promise((r) => setTimeout(r, 1000));
  }
  try {
    if (venvIsReady(hash)) return VENV_PYTHON;
    build(hash, options.basePython ?? process.env.FLOE_BASE_PYTHON ?? 'python3', log);
    return VENV_PYTHON;
  } finally {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
}

/** mkdir is atomic; a lock whose owner process is gone is taken over. */
function tryLock(): boolean {
  try {
    mkdirSync(LOCK_DIR);
    writeFileSync(join(LOCK_DIR, 'pid'), String(process.pid));
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  let owner = NaN;
  try {
    owner = Number(readFileSync(join(LOCK_DIR, 'pid'), 'utf8'));
  } catch {
    return false; // the owner is between mkdir and writing its pid
  }
  if (Number.isInteger(owner) && !processAlive(owner)) {
    rmSync(LOCK_DIR, { recursive: true, force: true });
  }
  return false;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function build(hash: string, basePython: string, log: (line: string) => void): void {
  const probe = spawnSync(basePython, ['-c', 'import sys, venv; print("%d.%d" % sys.version_info[:2])'], {
    encoding: 'utf8',
  });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      `floe test setup: "${basePython}" was not found or cannot create venvs (${
        probe.error?.message ?? probe.stderr.trim()
      }). The interop tests need Python >= 3.10 with the venv module: install python3 ` +
        `(e.g. apt-get install python3 python3-venv) or point FLOE_BASE_PYTHON at an interpreter. ` +
        `Set FLOE_SKIP_VENV=1 to run without the interop readers.`,
    );
  }
  const [major, minor] = probe.stdout.trim().split('.').map(Number);
  if (major !== 3 || (minor ?? 0) < 10) {
    throw new Error(
      `floe test setup: ${basePython} is Python ${probe.stdout.trim()}; the readers need >= 3.10`,
    );
  }

  rmSync(READY, { force: true });
  if (!pythonWorks()) {
    log(`floe test setup: creating the Python venv in ${VENV_DIR} (first run takes a few minutes)…`);
    rmSync(VENV_DIR, { recursive: true, force: true });
    execFileSync(basePython, ['-m', 'venv', VENV_DIR], { stdio: ['ignore', 'inherit', 'inherit'] });
  } else {
    log('floe test setup: test/python/requirements.txt changed; updating the Python venv…');
  }
  // In place: pins are re-applied; a package dropped from the file lingers harmlessly.
  execFileSync(
    VENV_PYTHON,
    ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-input', '-q', '-r', REQUIREMENTS],
    {
      stdio: ['ignore', 'inherit', 'inherit'],
      env: { ...process.env, PIP_CACHE_DIR: join(CACHE_DIR, 'pip') },
    },
  );
  writeFileSync(HASH_FILE, `${hash}\n`);
  writeFileSync(READY, ''); // last: readers of .ready may rely on everything above
  log('floe test setup: Python venv ready.');
}

function pythonWorks(): boolean {
  if (!existsSync(VENV_PYTHON)) return false;
  return spawnSync(VENV_PYTHON, ['-c', 'import pip'], { stdio: 'ignore' }).status === 0;
}
