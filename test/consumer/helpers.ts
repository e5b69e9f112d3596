/**
 * Shared pieces of the consumer's cross-process tests: run `floe` from the TypeScript sources
 * (no build step, through test/support/ts-register.mjs), generate records, read tables back.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { kinesisEnv } from '../setup/kinesis.js';

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const REGISTER = join(ROOT, 'test/support/ts-register.mjs');
const MAIN = join(ROOT, 'src/cli/main.ts');

export interface Run {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function startFloe(
  args: string[],
  options: { cwd: string; endpoint?: string; env?: Record<string, string> },
): {
  child: ChildProcess;
  done: Promise<Run>;
  output: () => string;
} {
  const child = spawn(process.execPath, ['--import', REGISTER, MAIN, ...args], {
    cwd: options.cwd,
    env: {
      PATH: process.env.PATH ?? '',
      ...(options.endpoint ? kinesisEnv(options.endpoint) : {}),
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<Run>((res) =>
    child.on('close', (code, signal) => res({ code, signal, stdout, stderr })),
  );
  return { child, done, output: () => stdout };
}

export function floe(
  args: string[],
  options: { cwd: string; endpoint?: string; env?: Record<string, string> },
): Promise<Run> {
  return startFloe(args, options).done;
}

/** JSON log lines of a run (non-JSON lines ignored). */
export function logLines(stdout: string): Record<string, unknown>[] {
  return stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

export const EVENT_SCHEMA = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'name', required: false, type: 'string' },
    { id: 3, name: 'ts', required: false, type: 'timestamptz' },
    { id: 4, name: 'amount', required: false, type: 'double' },
  ],
};

const BASE_US = 1_700_000_000_000_000n;

/** Record i as the producer sends it, and the canonical row readers.py prints for it. */
export function eventRecord(i: number): {
  json: Record<string, unknown>;
  canonical: Record<string, unknown>;
} {
  const ts = BASE_US + BigInt(i) * 1_000_003n;
  const iso = new Date(Number(ts / 1000n))
    .toISOString()
    .replace('Z', `${String(ts % 1000n).padStart(3, '0')}Z`);
  const amount = i % 7 === 0 ? null : Math.round(i * 1.25 * 100) / 100;
  const name = i % 11 === 0 ? null : `name-${i}-${'é'.repeat(i % 3)}`;
  return {
    json: { id: i, name, ts: iso, amount },
    canonical: { id: String(i), name, ts: ts.toString(), amount },
  };
}

export function ndjson(from: number, to: number): string {
  const lines: string[] = [];
  for (let i = from; i < to; i++) lines.push(JSON.stringify(eventRecord(i).json));
  return lines.join('\n') + '\n';
}

export function expectedRows(ids: Iterable<number>): Record<string, unknown>[] {
  return [...ids].map((i) => eventRecord(i).canonical);
}

export function sortById<T extends Record<string, unknown>>(rows: T[]): T[] {
  return [...rows].sort((a, b) => Number(a.id) - Number(b.id));
}

/** Rules for EVENT_SCHEMA records: a good record's name starts with `name-` and its amount is >= 0. */
export const EVENT_RULES = { fields: { name: { regex: '^name-' }, amount: { min: 0 } } };

/**
 * Bad record i, tagged `bad-<i>` in its payload: even i fails decoding (id is not a long), odd i
 * breaks both rules of EVENT_RULES (two reasons). `reasons` is how many the dead letter must list.
 */
export function badRecord(i: number): { json: Record<string, unknown>; reasons: number } {
  return i % 2 === 0
    ? { json: { id: `bad-${i}`, name: `bad-${i}`, ts: null, amount: 1 }, reasons: 1 }
    : { json: { id: i, name: `bad-${i}`, ts: null, amount: -1 }, reasons: 2 };
}

/** Records from..to as NDJSON, with badRecord(i) in place of record i wherever `isBad(i)`. */
export function ndjsonWithBad(from: number, to: number, isBad: (i: number) => boolean): string {
  const lines: string[] = [];
  for (let i = from; i < to; i++)
    lines.push(JSON.stringify(isBad(i) ? badRecord(i).json : eventRecord(i).json));
  return lines.join('\n') + '\n';
}
