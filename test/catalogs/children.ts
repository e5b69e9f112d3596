/**
 * Runs append-child.ts writers as separate OS processes (TypeScript sources run directly through
 * test/support/ts-register.mjs), started together, and returns their outputs.
 */
import { spawn } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { CatalogOptions } from '../../src/catalog/index.js';

const here = dirname(fileURLToPath(import.meta.url));

export async function runWriters(
  options: CatalogOptions,
  table: string,
  count: number,
  writers: number[],
): Promise<{ reappends: number }[]> {
  const children = writers.map((w) => {
    const proc = spawn(
      process.execPath,
      [
        '--import',
        join(here, '../support/ts-register.mjs'),
        join(here, 'append-child.ts'),
        JSON.stringify(options),
        table,
        String(count),
        String(w),
      ],
      {
        stdio: ['pipe', 'pipe', 'pipe'],
        env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' },
      },
    );
    let stdout = '';
    let stderr = '';
    let signal: () => void = () => undefined;
    const ready = new Promise<void>((r) => (signal = r));
    proc.stdout.on('data', (b: Buffer) => {
      stdout += b.toString();
      if (stdout.startsWith('ready\n')) signal();
    });
    proc.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
    const done = new Promise<{ reappends: number }>((resolve, reject) => {
      proc.on('exit', (code) => {
        if (code === 0) resolve(JSON.parse(stdout.slice('ready\n'.length).trim()) as { reappends: number });
        else reject(new Error(`writer ${w} exited with ${code}:\n${stderr.slice(-4000)}`));
      });
    });
    return {
      ready: Promise.race([ready, done.then(() => undefined)]),
      done,
      go: () => proc.stdin.end('go\n'),
    };
  });
  await Promise.all(children.map((c) => c.ready));
  for (const c of children) c.go();
  return Promise.all(children.map((c) => c.done));
}
