/**
 * `floe consume` configuration: a JSON (or YAML, when a YAML parser is available) file validated
 * with zod, with `${ENV}` / `${ENV:-default}` interpolation in every string, then overridden by
 * flags. Every problem is one line naming the offending path: FloeError('config') → exit 2.
 */
import { dirname, resolve } from 'node:path';
import { z } from 'zod';
import { readConfigText } from '../config-file.js';
import { FloeError } from '../errors.js';

const positiveInt = z.number().int().positive();

export const TableConfigSchema = z
  .object({
    /** `namespace.name` */
    table: z.string().regex(/^[^.\s]+(\.[^.\s]+)+$/, 'expected namespace.name'),
    stream: z.string().regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'expected 1-128 letters, digits, _ . or -'),
    format: z.enum(['json', 'csv']).default('json'),
    /** CSV streams: the column of each field position (default: the schema's field order). */
    csvHeader: z.array(z.string()).optional(),
    /** Iceberg schema JSON file (relative to the config file); absent: inferred from the first records. */
    schema: z.string().optional(),
    /** e.g. `day(created_date)`; applied when the table is created. */
    partition: z.string().optional(),
    dedupeKey: z.union([z.string(), z.array(z.string()).min(1)]).optional(),
    dedupeWindow: z
      .object({ records: positiveInt.optional(), seconds: positiveInt.optional() })
      .strict()
      .optional(),
    /** Validation and cleaning rules (src/records/validate): inline, or a JSON file path. */
    rules: z.union([z.string(), z.record(z.string(), z.unknown())]).optional(),
    initialPosition: z.enum(['TRIM_HORIZON', 'LATEST']).default('TRIM_HORIZON'),
  })
  .strict();

export const ConsumeConfigSchema = z
  .object({
    kinesis: z
      .object({ endpoint: z.string().url().optional(), region: z.string().optional() })
      .strict()
      .default({}),
    catalog: z
      .object({
        catalog: z.enum(['file', 'glue', 'rest']).optional(),
        warehouse: z.string().optional(),
        uri: z.string().optional(),
        region: z.string().optional(),
        sigv4: z.boolean().optional(),
      })
      .strict()
      .default({}),
    /** Local lease/checkpoint store directory (default ./.floe). */
    stateDir: z.string().optional(),
    /** Dead letters: a directory or s3:// prefix (default <stateDir>/dead-letters). */
    deadLetter: z.string().optional(),
    batching: z
      .object({
        commitIntervalSeconds: z.number().min(1).optional(),
        maxBatchRecords: positiveInt.optional(),
        maxBatchBytes: positiveInt.optional(),
        maxBufferBytes: positiveInt.optional(),
      })
      .strict()
      .default({}),
    logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    tables: z.array(TableConfigSchema).min(1, 'at least one table is needed'),
  })
  .strict();

export type TableConfig = z.infer<typeof TableConfigSchema>;
export type ConsumeConfig = z.infer<typeof ConsumeConfigSchema>;

/** Replaces `${NAME}` and `${NAME:-default}` in every string; an unset variable without default is an error. */
export function interpolateEnv(
  value: unknown,
  env: Readonly<Record<string, string | undefined>>,
  path = '',
): unknown {
  if (typeof value === 'string') {
    return value.replace(
      /\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}/g,
      (_m, name: string, fallback?: string) => {
        const v = env[name];
        if (v !== undefined && v !== '') return v;
        if (fallback !== undefined) return fallback;
        throw new FloeError('config', `${path || 'config'}: environment variable ${name} is not set`);
      },
    );
  }
  if (Array.isArray(value)) return value.map((v, i) => interpolateEnv(v, env, `${path}[${i}]`));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, interpolateEnv(v, env, path ? `${path}.${k}` : k)]),
    );
  }
  return value;
}

function zodMessage(err: z.ZodError, file: string): string {
  const issue = err.issues[0];
  if (!issue) return `${file}: invalid configuration`;
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  return `${file}: ${path ? `${path}: ` : ''}${issue.message}`;
}

export function validateConfig(
  raw: unknown,
  env: Readonly<Record<string, string | undefined>>,
  name = 'config',
): ConsumeConfig {
  const interpolated = interpolateEnv(raw, env);
  const parsed = ConsumeConfigSchema.safeParse(interpolated);
  if (!parsed.success) throw new FloeError('config', zodMessage(parsed.error, name));
  return parsed.data;
}

async function parseYaml(text: string, path: string): Promise<unknown> {
  // js-yaml is present only as a dev tool's dependency: use it when it is there, say so when not.
  let yaml: { load(text: string): unknown };
  try {
    const specifier = 'js-yaml';
    yaml = (await import(specifier)) as { load(text: string): unknown };
  } catch {
    throw new FloeError(
      'config',
      `${path}: YAML needs the js-yaml package, which is not installed; use a .json config`,
    );
  }
  try {
    return yaml.load(text);
  } catch (err) {
    throw new FloeError('config', `${path} is not valid YAML: ${(err as Error).message.split('\n')[0]}`);
  }
}

/** Reads, interpolates and validates a config file; relative paths in it resolve against its directory. */
export async function loadConfigFile(
  path: string,
  env: Readonly<Record<string, string | undefined>>,
): Promise<ConsumeConfig> {
  const text = await readConfigText(path, 'config file');
  let raw: unknown;
  if (/\.ya?ml$/i.test(path)) raw = await parseYaml(text, path);
  else {
    try {
      raw = JSON.parse(text);
    } catch (err) {
      throw new FloeError('config', `${path} is not valid JSON: ${(err as Error).message}`);
    }
  }
  const config = validateConfig(raw, env, path);
  const base = dirname(path);
  const rel = (p: string | undefined): string | undefined =>
    p === undefined || /^[a-z][a-z0-9+.-]*:\/\//i.test(p) ? p : resolve(base, p);
  return {
    ...config,
    ...(config.stateDir !== undefined ? { stateDir: rel(config.stateDir) } : {}),
    ...(config.deadLetter !== undefined ? { deadLetter: rel(config.deadLetter) } : {}),
    catalog: {
      ...config.catalog,
      ...(config.catalog.warehouse !== undefined ? { warehouse: rel(config.catalog.warehouse) } : {}),
    },
    tables: config.tables.map((t) => ({
      ...t,
      ...(t.schema !== undefined ? { schema: rel(t.schema) } : {}),
      ...(typeof t.rules === 'string' ? { rules: rel(t.rules) } : {}),
    })),
  };
}
