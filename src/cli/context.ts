/**
 * What a command needs from the outside world, passed in so commands run in-process in tests:
 * output streams, environment, working directory, stdin, and the catalog factory (the one place
 * that picks a concrete catalog).
 */
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { catalogFromOptions, type CatalogOptions } from '../catalog/index.js';
import { FloeError } from '../errors.js';
import type { Catalog } from '../iceberg/catalog.js';
import type { OptionSpec } from './args.js';

export interface CliContext {
  readonly stdout: Writable;
  readonly stderr: Writable;
  readonly stdin: Readable;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly cwd: string;
  /** Override for tests; defaults to catalogFromOptions. */
  readonly openCatalog?: (options: CatalogOptions) => Catalog;
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

/** The options every table command takes to pick its catalog. Secrets come from the environment only: flags show in `ps`. */
export const CATALOG_OPTIONS: Readonly<Record<string, OptionSpec>> = {
  warehouse: {
    type: 'string',
    valueName: '<dir|s3://…>',
    description: 'warehouse root (default $FLOE_WAREHOUSE, else ./warehouse for the file catalog)',
  },
  catalog: {
    type: 'string',
    valueName: '<file|glue|rest>',
    description: 'catalog (default $FLOE_CATALOG or file)',
  },
  uri: { type: 'string', valueName: '<url>', description: 'REST catalog URI (default $FLOE_CATALOG_URI)' },
  region: {
    type: 'string',
    valueName: '<region>',
    description: 'AWS region for Glue, SigV4 and S3 (default: AWS chain)',
  },
  sigv4: {
    type: 'boolean',
    description: 'sign REST catalog requests with AWS SigV4 (Glue Iceberg REST, S3 Tables)',
  },
};

export const CATALOG_ENV_HELP =
  'Catalog environment: FLOE_CATALOG, FLOE_CATALOG_URI, FLOE_CATALOG_TOKEN (REST bearer token), ' +
  'FLOE_CATALOG_CREDENTIAL (REST OAuth2 client_id:client_secret), AWS_* for Glue and S3.';

/** --warehouse, else $FLOE_WAREHOUSE, else ./warehouse; local paths made absolute (metadata stores them). */
export function resolveWarehouse(ctx: CliContext, flag: string | undefined): string {
  const w = flag ?? ctx.env.FLOE_WAREHOUSE ?? DEFAULT_WAREHOUSE;
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(w)) return w.replace(/\/+$/, '');
  return resolve(ctx.cwd, w);
}

const CATALOG_KINDS = ['file', 'glue', 'rest'];

/** Flags over environment: the catalog a command works on, with a display name for messages. */
export function catalogOptions(
  ctx: CliContext,
  values: Record<string, string | boolean | undefined>,
): CatalogOptions {
  const kind = (values.catalog as string | undefined) ?? ctx.env.FLOE_CATALOG ?? 'file';
  if (!CATALOG_KINDS.includes(kind)) {
    throw new FloeError(
      'usage',
      `--catalog must be one of ${CATALOG_KINDS.join(', ')}, got ${JSON.stringify(kind)}`,
    );
  }
  const flagWarehouse = values.warehouse as string | undefined;
  // Only the file catalog has a local default; Glue and REST decide locations themselves unless told.
  const warehouse =
    kind === 'file' || flagWarehouse !== undefined || ctx.env.FLOE_WAREHOUSE !== undefined
      ? resolveWarehouse(ctx, flagWarehouse)
      : undefined;
  const env = ctx.env;
  const uri = (values.uri as string | undefined) ?? env.FLOE_CATALOG_URI;
  const region = (values.region as string | undefined) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  const glueEndpoint = env.AWS_ENDPOINT_URL_GLUE ?? env.AWS_ENDPOINT_URL;
  const s3Endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  return {
    catalog: kind,
    ...(warehouse !== undefined ? { warehouse } : {}),
    ...(uri ? { uri } : {}),
    ...(region ? { region } : {}),
    ...(values.sigv4 === true ? { sigv4: true } : {}),
    ...(env.FLOE_CATALOG_TOKEN ? { token: env.FLOE_CATALOG_TOKEN } : {}),
    ...(env.FLOE_CATALOG_CREDENTIAL ? { credential: env.FLOE_CATALOG_CREDENTIAL } : {}),
    ...(kind === 'glue' && glueEndpoint ? { endpoint: glueEndpoint } : {}),
    ...(s3Endpoint ? { s3Endpoint } : {}),
  };
}

/** Where the tables live, for messages: the warehouse, or the catalog URI. */
export function catalogLabel(options: CatalogOptions): string {
  return options.catalog === 'rest'
    ? `${options.uri}`
    : (options.warehouse ?? `the ${options.catalog} catalog`);
}

export function openCatalog(ctx: CliContext, options: CatalogOptions): Catalog {
  if (ctx.openCatalog) return ctx.openCatalog(options);
  return catalogFromOptions(options);
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
