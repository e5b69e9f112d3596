/**
 * Helpers of the deployment tests (compose file, Dockerfile, Terraform, generated docs): the
 * Python venv runner and Compose-style variable interpolation.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { REPO_ROOT, VENV_PYTHON } from '../setup/venv.js';

export { REPO_ROOT };

// js-yaml ships no type declarations (floe itself loads it untyped, in src/consumer/config.ts).
const jsYaml = createRequire(import.meta.url)('js-yaml') as { load(text: string): unknown };

/** YAML as docker compose and floe read it (anchors and `<<` merge keys resolved). */
export function parseYaml(text: string): unknown {
  return jsYaml.load(text);
}
export const DEPLOY_TEST_DIR = join(REPO_ROOT, 'test/deploy');

export interface PythonResult {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a script of test/deploy/python with the venv interpreter (global setup exports FLOE_PYTHON). */
export function runPython(script: string, args: readonly string[], input?: string): PythonResult {
  const python = process.env.FLOE_PYTHON ?? VENV_PYTHON;
  if (!existsSync(python)) {
    throw new Error(
      `the deployment tests need the Python venv (${python}) with jsonschema and python-hcl2 ` +
        '(test/python/requirements.txt); run the suite without FLOE_SKIP_VENV=1',
    );
  }
  const r = spawnSync(python, [join(DEPLOY_TEST_DIR, 'python', script), ...args], {
    input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/**
 * Compose's interpolation of `${VAR}`, `${VAR:-default}`, `${VAR-default}` and `$$` in every string,
 * as `docker compose config` applies it (the variables come from the shell or .env).
 */
export function composeInterpolate(value: unknown, env: Readonly<Record<string, string>>): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\$|\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}/g,
      (m, name: string | undefined, op: string | undefined, fallback: string | undefined) => {
        if (m === '$$') return '$';
        const v = env[name as string];
        if (op === ':-') return v !== undefined && v !== '' ? v : (fallback ?? '');
        if (op === '-') return v ?? fallback ?? '';
        return v ?? '';
      },
    );
  }
  if (Array.isArray(value)) return value.map((v) => composeInterpolate(v, env));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, composeInterpolate(v, env)]));
  }
  return value;
}
