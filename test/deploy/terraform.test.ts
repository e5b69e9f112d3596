/**
 * infra/terraform, checked statically (no AWS account, no provider download needed): the .tf files
 * are parsed with python-hcl2 and the properties that matter are asserted (least-privilege IAM,
 * bucket encryption and public access block, dead-letter lifecycle, log retention, lease table
 * keys, the task definition's port/healthcheck/logs, the alarms, the floe config the task runs
 * with). `terraform fmt -check` and `terraform validate` run too where the tools are present.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConsumeConfigSchema, validateConfig } from '../../src/consumer/config.js';
import { REPO_ROOT, runPython } from './support.js';

const TF_DIR = join(REPO_ROOT, 'infra/terraform');

type Obj = Record<string, unknown>;
type Parsed = Record<string, Obj>;

function parse(): Parsed {
  const r = runPython('hcl_to_json.py', [TF_DIR]);
  if (r.status !== 0) throw new Error(`python-hcl2 could not parse infra/terraform: ${r.stderr}`);
  return JSON.parse(r.stdout) as Parsed;
}
const tf = parse();

/** Every `kind "type" "name" {}` block (kind: resource or data) as [type, name, body]. */
function blocks(kind: 'resource' | 'data'): [string, string, Obj][] {
  const out: [string, string, Obj][] = [];
  for (const file of Object.values(tf)) {
    for (const entry of (file[kind] as Obj[] | undefined) ?? []) {
      for (const [type, byName] of Object.entries(entry)) {
        for (const [name, body] of Object.entries(byName as Obj)) out.push([type, name, body as Obj]);
      }
    }
  }
  return out;
}
function resource(type: string, name: string): Obj {
  const b = blocks('resource').find(([t, n]) => t === type && n === name);
  if (!b) throw new Error(`resource ${type}.${name} not found`);
  return b[2];
}
function first(v: unknown): Obj {
  return ((Array.isArray(v) ? v[0] : v) ?? {}) as Obj;
}
function variables(): Record<string, Obj> {
  const out: Record<string, Obj> = {};
  for (const file of Object.values(tf)) {
    for (const entry of (file.variable as Obj[] | undefined) ?? []) Object.assign(out, entry);
  }
  return out;
}
function locals(): Obj {
  return Object.assign({}, ...Object.values(tf).flatMap((f) => (f.locals as Obj[] | undefined) ?? []));
}

interface Statement {
  readonly policy: string;
  readonly sid: string;
  readonly effect: string;
  readonly actions: string[];
  readonly resources: string[];
  /** Set on trust and resource policies (they name who, not what). */
  readonly principals: Obj[];
}
/** Static and dynamic statements of every aws_iam_policy_document. */
function statements(): Statement[] {
  const out: Statement[] = [];
  for (const [type, name, body] of blocks('data')) {
    if (type !== 'aws_iam_policy_document') continue;
    const stmts = [...((body.statement as Obj[] | undefined) ?? [])];
    for (const d of (body.dynamic as Obj[] | undefined) ?? []) {
      const s = d.statement as Obj | undefined;
      if (s) stmts.push(...((s.content as Obj[] | undefined) ?? []));
    }
    for (const s of stmts) {
      out.push({
        policy: name,
        sid: String(s.sid ?? ''),
        effect: String(s.effect ?? 'Allow'),
        actions: (s.actions as string[] | undefined) ?? [],
        resources: (s.resources as string[] | undefined) ?? [],
        principals: (s.principals as Obj[] | undefined) ?? [],
      });
    }
  }
  return out;
}

/** Resources AWS defines only on "*": the allowed exceptions (listed in infra/terraform/README.md). */
const STAR_RESOURCE_ALLOWED = new Set(['ecr:GetAuthorizationToken']);

describe('infra/terraform (static checks with python-hcl2)', () => {
  it('parses, and has every piece the issue asks for', () => {
    const have = new Set(blocks('resource').map(([t]) => t));
    for (const t of [
      'aws_kinesis_stream',
      'aws_s3_bucket',
      'aws_s3_bucket_server_side_encryption_configuration',
      'aws_s3_bucket_public_access_block',
      'aws_s3_bucket_lifecycle_configuration',
      'aws_glue_catalog_database',
      'aws_dynamodb_table',
      'aws_iam_role',
      'aws_iam_role_policy',
      'aws_ecs_cluster',
      'aws_ecs_task_definition',
      'aws_ecs_service',
      'aws_cloudwatch_log_group',
      'aws_cloudwatch_metric_alarm',
    ]) {
      expect(have, t).toContain(t);
    }
  });

  it('pins the aws provider to one major version', () => {
    const versions = first(tf['versions.tf']?.terraform);
    const aws = first(first(versions.required_providers).aws);
    expect(aws.source).toBe('hashicorp/aws');
    expect(aws.version).toMatch(/^~> \d+\.\d+$/);
  });

  it('IAM: no Allow statement has a wildcard action, or Resource "*" except where AWS requires it', () => {
    const all = statements();
    expect(all.length).toBeGreaterThan(5);
    // Identity policies only: trust policies have principals and no resources.
    for (const s of all.filter((x) => x.effect === 'Allow' && x.principals.length === 0)) {
      const where = `${s.policy}/${s.sid || '(no sid)'}`;
      for (const a of s.actions) {
        expect(a, `${where}: action`).not.toContain('*');
      }
      expect(s.resources.length, `${where}: resources`).toBeGreaterThan(0);
      if (s.resources.includes('*')) {
        for (const a of s.actions) expect(STAR_RESOURCE_ALLOWED, `${where}: ${a} on "*"`).toContain(a);
      }
      for (const r of s.resources) {
        // A policy must not grant a whole service's account-wide resources either.
        expect(r, `${where}: resource`).not.toMatch(/^arn:[^:]*:[^:]*:[^:]*:[^:]*:\*$/);
      }
    }
  });

  it('IAM: the task role reads only this stream, these prefixes, this database and the lease table', () => {
    const task = statements().filter((s) => s.policy === 'task');
    const bySid = Object.fromEntries(task.map((s) => [s.sid, s]));
    expect(bySid.ReadStream?.actions.sort()).toEqual(
      [
        'kinesis:DescribeStreamSummary',
        'kinesis:GetRecords',
        'kinesis:GetShardIterator',
        'kinesis:ListShards',
      ].sort(),
    );
    expect(bySid.ReadStream?.resources).toEqual(['${aws_kinesis_stream.this.arn}']);
    // Writing to the stream only when the ingest API is switched on.
    expect(bySid.IngestApiPutRecords).toBeDefined();
    const objects = bySid.ReadWriteOwnPrefixes?.resources ?? [];
    expect(objects).toEqual([
      '${aws_s3_bucket.lake.arn}/${var.warehouse_prefix}*',
      '${aws_s3_bucket.lake.arn}/${var.dead_letter_prefix}*',
    ]);
    expect(bySid.ListOwnPrefixes?.resources).toEqual(['${aws_s3_bucket.lake.arn}']);
    const glue = bySid.GlueDatabaseAndTables;
    expect(glue?.actions.every((a) => a.startsWith('glue:'))).toBe(true);
    expect(glue?.actions).not.toContain('glue:DeleteDatabase');
    expect(glue?.actions).not.toContain('glue:CreateDatabase');
    for (const r of glue?.resources ?? []) {
      expect(r).toMatch(
        /:catalog"?$|aws_glue_catalog_database\.this\.arn|:table\/\$\{aws_glue_catalog_database\.this\.name\}\/\*$/,
      );
    }
    expect(bySid.Leases?.resources).toEqual(['${aws_dynamodb_table.leases.arn}']);
    // Nothing of the task role reaches ECR, logs or secrets: that is the execution role's job.
    for (const s of task) {
      for (const a of s.actions) expect(a).not.toMatch(/^(ecr|logs|secretsmanager|iam):/);
    }
  });

  it('IAM: only ECS tasks of this account can assume the roles', () => {
    const trust = statements().filter((s) => s.policy === 'ecs_tasks_assume');
    expect(trust).toHaveLength(1);
    expect(trust[0]?.actions).toEqual(['sts:AssumeRole']);
    expect(trust[0]?.principals).toEqual([{ type: 'Service', identifiers: ['ecs-tasks.amazonaws.com'] }]);
    for (const role of ['task', 'execution']) {
      expect(resource('aws_iam_role', role).assume_role_policy).toBe(
        '${data.aws_iam_policy_document.ecs_tasks_assume.json}',
      );
    }
  });

  it('IAM: the execution role is a separate role with its own policy', () => {
    const exec = resource('aws_iam_role_policy', 'execution');
    const task = resource('aws_iam_role_policy', 'task');
    expect(exec.role).toBe('${aws_iam_role.execution.id}');
    expect(exec.policy).toBe('${data.aws_iam_policy_document.execution.json}');
    expect(task.role).toBe('${aws_iam_role.task.id}');
    expect(task.policy).toBe('${data.aws_iam_policy_document.task.json}');
    const td = resource('aws_ecs_task_definition', 'floe');
    expect(td.execution_role_arn).toBe('${aws_iam_role.execution.arn}');
    expect(td.task_role_arn).toBe('${aws_iam_role.task.arn}');
    // No AWS-managed policy attachments (AmazonECSTaskExecutionRolePolicy grants logs/ECR on "*").
    expect(blocks('resource').some(([t]) => t === 'aws_iam_role_policy_attachment')).toBe(false);
  });

  it('S3: encrypted, public access blocked, dead letters expire under their prefix', () => {
    const sse = first(resource('aws_s3_bucket_server_side_encryption_configuration', 'lake').rule);
    const def = first(sse.apply_server_side_encryption_by_default);
    expect(def.sse_algorithm).toMatch(/AES256|aws:kms/);
    const pab = resource('aws_s3_bucket_public_access_block', 'lake');
    for (const k of [
      'block_public_acls',
      'block_public_policy',
      'ignore_public_acls',
      'restrict_public_buckets',
    ]) {
      expect(pab[k], k).toBe(true);
    }
    const rules = resource('aws_s3_bucket_lifecycle_configuration', 'lake').rule as Obj[];
    const dl = rules.find((r) => r.id === 'expire-dead-letters') as Obj;
    expect(first(dl.filter).prefix).toBe('${var.dead_letter_prefix}');
    expect(first(dl.expiration).days).toBe('${var.dead_letter_expiration_days}');
    expect(dl.status).toBe('Enabled');
    const policy = statements().find((s) => s.policy === 'lake_bucket' && s.sid === 'DenyInsecureTransport');
    expect(policy?.effect).toBe('Deny');
  });

  it('Kinesis: on-demand or provisioned, encrypted', () => {
    const s = resource('aws_kinesis_stream', 'this');
    expect(first(s.stream_mode_details).stream_mode).toBe('${var.stream_mode}');
    expect(s.shard_count).toContain('PROVISIONED');
    expect(s.encryption_type).toBe('KMS');
    const mode = variables().stream_mode as Obj;
    expect(JSON.stringify(mode.validation)).toContain('ON_DEMAND');
  });

  it('DynamoDB: the lease table is on demand with a (table|stream, shard) key', () => {
    const t = resource('aws_dynamodb_table', 'leases');
    expect(t.billing_mode).toBe('PAY_PER_REQUEST');
    expect(t.hash_key).toBe('lease_group');
    expect(t.range_key).toBe('shard_id');
    expect(t.attribute).toEqual([
      { name: 'lease_group', type: 'S' },
      { name: 'shard_id', type: 'S' },
    ]);
    expect(first(t.point_in_time_recovery).enabled).toBe(true);
    // docker-compose.localstack.yml creates the same table shape on LocalStack.
    const compose = readFileSync(join(REPO_ROOT, 'docker-compose.localstack.yml'), 'utf8');
    expect(compose).toContain('AttributeName=lease_group,KeyType=HASH AttributeName=shard_id,KeyType=RANGE');
  });

  it('Logs: the log group has a retention, and the container logs to it', () => {
    const lg = resource('aws_cloudwatch_log_group', 'floe');
    expect(lg.retention_in_days).toBe('${var.log_retention_days}');
    const retention = variables().log_retention_days as Obj;
    expect(Number(retention.default)).toBeGreaterThan(0);
    const c = locals().container as Obj;
    const logs = c.logConfiguration as Obj;
    expect(logs.logDriver).toBe('awslogs');
    expect((logs.options as Obj)['awslogs-group']).toBe('${aws_cloudwatch_log_group.floe.name}');
  });

  it('ECS: Fargate task with port 8080, a /health healthcheck, and a non-root read-only container', () => {
    const td = resource('aws_ecs_task_definition', 'floe');
    expect(td.requires_compatibilities).toEqual(['FARGATE']);
    expect(td.network_mode).toBe('awsvpc');
    expect(td.container_definitions).toBe('${jsonencode([local.container])}');
    expect(Number((variables().http_port as Obj).default)).toBe(8080);
    const c = locals().container as Obj;
    expect(c.portMappings).toEqual([{ containerPort: '${var.http_port}', protocol: 'tcp' }]);
    const hc = c.healthCheck as Obj;
    expect((hc.command as string[]).join(' ')).toContain('http://127.0.0.1:${var.http_port}/health');
    expect(c.readonlyRootFilesystem).toBe(true);
    expect((c.command as string[])[0]).toContain('exec node dist/cli/main.js consume --config');
    const svc = resource('aws_ecs_service', 'floe');
    expect(svc.launch_type).toBe('FARGATE');
    // One consumer at a time until DynamoDB leases coordinate several.
    expect(svc.deployment_maximum_percent).toBe(100);
  });

  it('alarms: lag on GetRecords.IteratorAgeMilliseconds, freshness on commits while records arrive', () => {
    const lag = resource('aws_cloudwatch_metric_alarm', 'lag');
    expect(lag.namespace).toBe('AWS/Kinesis');
    expect(lag.metric_name).toBe('GetRecords.IteratorAgeMilliseconds');
    expect(lag.dimensions).toEqual({ StreamName: '${aws_kinesis_stream.this.name}' });
    const stale = resource('aws_cloudwatch_metric_alarm', 'stale');
    const queries = stale.metric_query as Obj[];
    const expr = queries.find((q) => q.return_data === true);
    expect(expr?.expression).toContain('incoming');
    expect(expr?.expression).toContain('commits');
    const commits = queries.find((q) => q.id === 'commits');
    expect(JSON.stringify(commits)).toContain('aws_cloudwatch_log_metric_filter.commits');
    // The filter matches floe's commit audit line (src/consumer/table-consumer.ts logs audit: true, 'commit').
    const filter = resource('aws_cloudwatch_log_metric_filter', 'commits');
    expect(filter.pattern).toBe('{ $.audit IS TRUE && $.msg = "commit" }');
    const src = readFileSync(join(REPO_ROOT, 'src/consumer/table-consumer.ts'), 'utf8');
    expect(src).toMatch(/audit: true,[\s\S]{0,600}'commit',/);
  });

  it('every var.X used is declared, and every declared variable is used', () => {
    const declared = new Set(Object.keys(variables()));
    const text = readdirSync(TF_DIR)
      .filter((f) => f.endsWith('.tf') && f !== 'variables.tf')
      .map((f) => readFileSync(join(TF_DIR, f), 'utf8'))
      .join('\n');
    const validations = readFileSync(join(TF_DIR, 'variables.tf'), 'utf8');
    const used = new Set(
      [...`${text}\n${validations}`.matchAll(/\bvar\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]),
    );
    for (const u of used) expect(declared, `var.${u}`).toContain(u);
    const usedOutside = new Set([...text.matchAll(/\bvar\.([A-Za-z_][A-Za-z0-9_]*)/g)].map((m) => m[1]));
    for (const d of declared) expect(usedOutside, `variable "${d}" is never used`).toContain(d);
  });

  it('the config the task runs with passes floe’s zod schema (default tables)', () => {
    const cfg = locals().floe_config as Obj;
    const known = Object.keys(ConsumeConfigSchema.shape);
    for (const k of Object.keys(cfg)) expect(known, `floe_config.${k}`).toContain(k);
    const tables = (variables().tables as Obj).default as Obj[];
    // What Terraform renders, with its expressions replaced by sample values.
    const rendered = {
      kinesis: { region: 'eu-west-1' },
      catalog: {
        catalog: (cfg.catalog as Obj).catalog,
        warehouse: 's3://floe-lake-1/warehouse',
        region: 'eu-west-1',
      },
      stateDir: cfg.stateDir,
      deadLetter: 's3://floe-lake-1/dead-letters',
      batching: { commitIntervalSeconds: Number((variables().commit_interval_seconds as Obj).default) },
      logLevel: (variables().log_level as Obj).default,
      server: { host: '127.0.0.1', port: Number((variables().http_port as Obj).default) },
      tables: tables.map((t) => ({ ...t, stream: 'floe-events' })),
    };
    const config = validateConfig(rendered, {});
    expect(config.catalog.catalog).toBe('glue');
    // A keyless floe refuses non-loopback binds: the config must only open up with the secret.
    expect((cfg.server as Obj).host).toBe('${var.api_keys_secret_arn == null ? "127.0.0.1" : "0.0.0.0"}');
    expect((cfg.server as Obj).port).toBe('${var.http_port}');
    // Opening the port or the ingest API without keys would be refused by floe at start: Terraform says so first.
    for (const v of ['enable_ingest_api', 'http_ingress_cidr_blocks']) {
      expect(JSON.stringify((variables()[v] as Obj).validation), v).toContain(
        'var.api_keys_secret_arn != null',
      );
    }
    expect(config.tables[0]?.table.split('.')[0]).toBe((variables().glue_database_name as Obj).default);
    for (const t of config.tables) {
      for (const p of [t.schema, t.rules]) {
        if (typeof p === 'string' && p.startsWith('/app/'))
          expect(existsSync(join(REPO_ROOT, p.slice(5))), p).toBe(true);
      }
    }
  });
});

/** The terraform binary: $TERRAFORM, else on PATH. */
function terraformBinary(): string | undefined {
  const candidates = [process.env.TERRAFORM, 'terraform'].filter((c): c is string => !!c);
  for (const c of candidates) {
    const r = spawnSync(c, ['version'], {
      encoding: 'utf8',
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' },
    });
    if (!r.error && r.status === 0) return c;
  }
  return undefined;
}

describe('infra/terraform (terraform CLI, where installed)', () => {
  const found = terraformBinary();
  const bin = found ?? 'terraform';

  // Without the tools these are reported as skipped (never as passed); the summary line counts them.
  it.skipIf(!found)('terraform fmt -check (needs a terraform binary; $TERRAFORM)', () => {
    const r = spawnSync(bin, ['fmt', '-check', '-recursive', '-diff'], {
      cwd: TF_DIR,
      encoding: 'utf8',
      env: { ...process.env, TF_CLI_CONFIG_FILE: '/dev/null' },
    });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  // The aws provider comes from registry.terraform.io, which this machine cannot reach; a provider
  // built from source (scripts/terraform-provider-build.sh) is used through dev_overrides instead.
  const providerDir = process.env.FLOE_TF_PROVIDER_DIR ?? join(REPO_ROOT, '.cache/tfprov/bin');
  const provider = existsSync(join(providerDir, 'terraform-provider-aws'));
  it.skipIf(!found || !provider)(
    'terraform validate (needs terraform and an aws provider built by scripts/terraform-provider-build.sh)',
    () => {
      const rc = join(REPO_ROOT, '.cache/tfprov/dev.tfrc');
      mkdirSync(join(REPO_ROOT, '.cache/tfprov'), { recursive: true });
      writeFileSync(
        rc,
        `provider_installation {\n  dev_overrides {\n    "hashicorp/aws" = "${providerDir}"\n  }\n  direct {}\n}\n`,
      );
      const r = spawnSync(bin, ['validate', '-json', '-no-color'], {
        cwd: TF_DIR,
        encoding: 'utf8',
        env: { ...process.env, TF_CLI_CONFIG_FILE: rc },
        timeout: 300_000,
      });
      const out = JSON.parse(r.stdout) as {
        valid: boolean;
        error_count: number;
        diagnostics: { summary: string; detail?: string }[];
      };
      const errors = out.diagnostics.filter((d) => !/Provider development overrides/.test(d.summary));
      expect(out.valid, JSON.stringify(errors, null, 1)).toBe(true);
      expect(out.error_count).toBe(0);
    },
    320_000,
  );
});
