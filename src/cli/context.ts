/**
 * What a command needs from the outside world, passed in so commands run in-process in tests:
 * output streams, environment, working directory, stdin, and the catalog factory (the one place
 * that picks a concrete catalog).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { FileCatalog } from '../catalog/file/index.js';
import type { Catalog } from '../iceberg/catalog.js';

export interface CliContext {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: Readable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Override for tests; defaults to the file catalog over `warehouse`. */
  readonly openCatalog?: (warehouse: string) => Catalog;
}

export function defaultContext(): CliContext {
  return {
    stdout: process.stdout,
    stderr: process.stderr,
    // Lazy: touching process.stdin opens it, which commands that never read it should not do.
    get stdin() {
      return process.stdin;
    },
    env: process.env,
    cwd: process.cwd(),
  };
}

export const DEFAULT_WAREHOUSE = './warehouse';

/** --warehouse, else $FLOE_WAREHOUSE, else ./warehouse; local paths made absolute (metadata stores them). */
export function resolveWarehouse(ctx: CliContext, flag: string | undefined): string {
  const w = flag ?? ctx.env.FLOE_WAREHOUSE ?? DEFAULT_WAREHOUSE;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(w)) return w.replace(/\/+$/, '');
  return resolve(ctx.cwd, w);
}

export function openCatalog(ctx: CliContext, warehouse: string): Catalog {
  if (ctx.openCatalog) return ctx.openCatalog(warehouse);
  return new FileCatalog({ warehouse });
}

export function write(stream: Writable, text: string): void {
  stream.write(text.endsWith('\n') ? text : text + '\n');
}

/** The directory holding floe's package.json (examples/ lives there), from dist/ or src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 5; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    dir = dirname(dir);
  }
  return process.cwd();
}
