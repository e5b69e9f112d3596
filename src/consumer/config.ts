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
    table: z
      .string()
      .regex(/^[^.\s]+(\.[^.\s]+)+$/, 'expected namespace.name')
      .describe('Target table, `namespace.name`; created when missing (then `schema` is needed).'),
    stream: z
      .string()
      .regex(/^[a-zA-Z0-9_.-]{1,128}$/, 'expected 1-128 letters, digits, _ . or -')
      .describe('Source Kinesis stream name (several tables may read the same stream).'),
    format: z
      .enum(['json', 'csv'])
      .default('json')
      .describe(
        'Payload format: `json` (one JSON object per record; KPL aggregates are unpacked) or `csv` (one CSV line per record).',
      ),
    /** CSV streams: the column of each field position (default: the schema's field order). */
    csvHeader: z
      .array(z.string())
      .optional()
      .describe("CSV streams: the column of each field position (default: the schema's field order)."),
    /** Iceberg schema JSON file (relative to the config file); absent: inferred from the first records. */
    schema: z
      .string()
      .optional()
      .describe(
        "Iceberg schema JSON file (with field ids), relative to the config file, for a table that does not exist yet; absent: inferred from the stream's first records (CSV streams need csvHeader).",
      ),
    /** e.g. `day(created_date)`; applied when the table is created. */
    partition: z
      .string()
      .optional()
      .describe(
        'Partition spec applied when the table is created, e.g. `day(created_date), bucket(16, id)`.',
      ),
    dedupeKey: z
      .union([z.string(), z.array(z.string()).min(1)])
      .optional()
      .describe('Field (or fields) identifying a record: a key seen again within the window is dropped.'),
    dedupeWindow: z
      .object({
        records: positiveInt.optional().describe('Remember at most this many keys (default 1000000).'),
        seconds: positiveInt
          .optional()
          .describe('Forget keys older than this many seconds (default: no age limit).'),
      })
      .strict()
      .optional()
      .describe('How far back dedupe remembers keys; seeded from the newest committed rows on start.'),
    /** Validation and cleaning rules (src/records/validate): inline, or a JSON file path. */
    rules: z
      .union([z.string(), z.record(z.string(), z.unknown())])
      .optional()
      .describe(
        'Validation and cleaning rules: inline, or a JSON file path relative to the config file (see examples/nyc311.rules.json).',
      ),
    initialPosition: z
      .enum(['TRIM_HORIZON', 'LATEST'])
      .default('TRIM_HORIZON')
      .describe(
        'Where a shard without a committed position starts: `TRIM_HORIZON` (oldest record kept) or `LATEST` (new records only).',
      ),
  })
  .strict();

export const ConsumeConfigSchema = z
  .object({
    kinesis: z
      .object({
        endpoint: z
          .string()
          .url()
          .optional()
          .describe(
            'Kinesis endpoint for emulators and LocalStack (default `$AWS_ENDPOINT_URL_KINESIS`, `$AWS_ENDPOINT_URL`, else AWS).',
          ),
        region: z.string().optional().describe('AWS region of the streams (default: the AWS SDK chain).'),
      })
      .strict()
      .default({})
      .describe('Where the streams are.'),
    catalog: z
      .object({
        catalog: z
          .enum(['file', 'glue', 'rest'])
          .optional()
          .describe(
            '`file` (embedded), `glue` (AWS Glue) or `rest` (Iceberg REST); default `$FLOE_CATALOG`, else `file`.',
          ),
        warehouse: z
          .string()
          .optional()
          .describe(
            'Warehouse root, a directory or `s3://bucket/prefix`: where the file catalog keeps its tables (default `$FLOE_WAREHOUSE`, else ./warehouse) and where Glue puts new tables.',
          ),
        uri: z
          .string()
          .optional()
          .describe(
            'REST catalog URI (default `$FLOE_CATALOG_URI`); its credentials come from `FLOE_CATALOG_TOKEN` or `FLOE_CATALOG_CREDENTIAL`, never from this file.',
          ),
        region: z.string().optional().describe('AWS region for Glue, SigV4 signing and S3.'),
        sigv4: z
          .boolean()
          .optional()
          .describe("Sign REST requests with AWS SigV4 (Glue's Iceberg REST endpoint, S3 Tables)."),
      })
      .strict()
      .default({})
      .describe('The Iceberg catalog of the tables.'),
    /** Local lease/checkpoint store directory (default ./.floe). */
    stateDir: z
      .string()
      .optional()
      .describe(
        "Local lease/checkpoint store directory (default ./.floe); an optimisation only: the table's snapshot decides where reading resumes.",
      ),
    /** Dead letters: a directory or s3:// prefix (default <stateDir>/dead-letters). */
    deadLetter: z
      .string()
      .optional()
      .describe(
        'Where rejected records go, a directory or `s3://` prefix (default `<stateDir>/dead-letters`); NDJSON files named by the snapshot id of their commit.',
      ),
    batching: z
      .object({
        commitIntervalSeconds: z
          .number()
          .min(1)
          .optional()
          .describe('Flush and commit each table at least this often, in seconds (default 10).'),
        maxBatchRecords: positiveInt
          .optional()
          .describe('Flush a table when this many records are buffered (default 250000).'),
        maxBatchBytes: positiveInt
          .optional()
          .describe('Flush a table at this many buffered payload bytes (default 64 MiB).'),
        maxBufferBytes: positiveInt
          .optional()
          .describe('Pause reading above this many bytes in flight, all tables together (default 256 MiB).'),
      })
      .strict()
      .default({})
      .describe('When tables flush: one commit per flush per table.'),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info')
      .describe('Level of the JSON log lines on stdout.'),
    server: z
      .object({
        enabled: z
          .boolean()
          .optional()
          .describe('Run the HTTP server (health, readiness, metrics, ingest API, dashboard); default true.'),
        host: z
          .string()
          .min(1)
          .optional()
          .describe(
            'Address to listen on (default 127.0.0.1). Any non-loopback address needs API keys (FLOE_API_KEYS or apiKeysFile).',
          ),
        port: z
          .number()
          .int()
          .min(0)
          .max(65535)
          .optional()
          .describe('TCP port (default 8080; 0 picks a free one).'),
        apiKeysFile: z
          .string()
          .optional()
          .describe(
            'File of API keys, one per line (default `$FLOE_API_KEYS_FILE`); keys from `$FLOE_API_KEYS` (comma-separated) count too.',
          ),
        maxBodyBytes: positiveInt
          .optional()
          .describe('Largest ingest request body in bytes (default 5 MiB); larger ones get 413.'),
        ingestAggregate: z
          .boolean()
          .optional()
          .describe(
            'Pack the records of concurrent ingest requests into KPL aggregates, one per shard, up to 1 MiB each (default true): the stream stores far fewer Kinesis records. false: one Kinesis record per ingested record.',
          ),
        ready: z
          .object({
            maxCommitAgeSeconds: positiveInt
              .optional()
              .describe(
                'Not ready when a table holds data and has not committed for this long (default 300).',
              ),
            catalogTimeoutMs: positiveInt
              .optional()
              .describe('Timeout of the catalog reachability check (default 2000).'),
            catalogCacheMs: z
              .number()
              .int()
              .min(0)
              .optional()
              .describe('How long a catalog check result is reused (default 5000).'),
          })
          .strict()
          .default({})
          .describe('Readiness (`GET /ready`) thresholds.'),
      })
      .strict()
      .default({ ready: {} })
      .describe('The HTTP server of `floe consume` (see the README, "HTTP API and metrics").'),
    tables: z
      .array(TableConfigSchema)
      .min(1, 'at least one table is needed')
      .describe('The tables to fill, each from one stream.'),
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
    server: {
      ...config.server,
      ...(config.server.apiKeysFile !== undefined ? { apiKeysFile: rel(config.server.apiKeysFile) } : {}),
    },
    tables: config.tables.map((t) => ({
      ...t,
      ...(t.schema !== undefined ? { schema: rel(t.schema) } : {}),
      ...(typeof t.rules === 'string' ? { rules: rel(t.rules) } : {}),
    })),
  };
}
