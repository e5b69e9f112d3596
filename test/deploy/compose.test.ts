/**
 * docker-compose.localstack.yml and the Dockerfile, checked without a Docker engine: the compose
 * file against the Compose Specification JSON schema (the schema `docker compose` itself uses), and
 * what makes the stack work: services, dependencies, healthchecks, the LocalStack endpoint, and the
 * mounted floe config validated by floe's own zod schema with the files it names.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/consumer/config.js';
import { parsePartitionSpec } from '../../src/iceberg/spec/partition.js';
import { readSchemaFile } from '../../src/cli/load.js';
import { composeInterpolate, parseYaml, REPO_ROOT, runPython } from './support.js';

const COMPOSE_FILE = join(REPO_ROOT, 'docker-compose.localstack.yml');
const SCHEMA = join(REPO_ROOT, 'test/deploy/fixtures/compose-spec.json');

type Obj = Record<string, unknown>;
interface Service extends Obj {
  image?: string;
  build?: { context: string; dockerfile?: string };
  environment?: Record<string, string> | string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
  command?: string[] | string;
  volumes?: (string | Obj)[];
  ports?: string[];
  tmpfs?: string[];
}

/** The file as `docker compose` reads it: YAML (anchors and merge keys resolved), then interpolated. */
function loadCompose(env: Record<string, string> = {}): { raw: Obj; services: Record<string, Service> } {
  const raw = parseYaml(readFileSync(COMPOSE_FILE, 'utf8')) as Obj;
  const doc = composeInterpolate(raw, env) as Obj;
  return { raw, services: doc.services as Record<string, Service> };
}

function envOf(s: Service): Record<string, string> {
  if (Array.isArray(s.environment)) {
    return Object.fromEntries(s.environment.map((e) => [e.split('=')[0], e.split('=').slice(1).join('=')]));
  }
  return Object.fromEntries(Object.entries(s.environment ?? {}).map(([k, v]) => [k, String(v)]));
}

function schemaErrors(doc: unknown): { status: number; errors: string[] } {
  const r = runPython('jsonschema_check.py', [SCHEMA], JSON.stringify(doc));
  if (r.status !== 0 && r.status !== 1) throw new Error(`jsonschema_check.py failed: ${r.stderr}`);
  return { status: r.status, errors: r.stdout.split('\n').filter((l) => l.trim() !== '') };
}

/** Files baked into the image under /app/examples are the repository's examples/. */
function repoPathOfImagePath(p: string): string {
  expect(p.startsWith('/app/examples/'), `${p} should be a file the image ships`).toBe(true);
  return join(REPO_ROOT, p.slice('/app/'.length));
}

describe('docker-compose.localstack.yml', () => {
  it('is valid against the Compose Specification JSON schema', () => {
    const { raw } = loadCompose();
    const r = schemaErrors(raw);
    expect(r.errors).toEqual([]);
    expect(r.status).toBe(0);
  });

  it('the schema check rejects what docker compose rejects (the validator is live)', () => {
    const { raw } = loadCompose();
    const broken = structuredClone(raw) as { services: Record<string, Obj> };
    (broken.services.floe as Obj).healthcheck = { test: 42, intervall: '5s' };
    (broken.services.producer as Obj).depends_on = { floe: { condition: 'service_happy' } };
    const r = schemaErrors(broken);
    expect(r.status).toBe(1);
    const text = r.errors.join('\n');
    expect(text).toContain('services/floe/healthcheck');
    expect(text).toContain('service_happy');
  });

  it('has LocalStack with Kinesis, S3 and DynamoDB, a REST catalog, init, the consumer and a producer', () => {
    const { services } = loadCompose();
    expect(Object.keys(services).sort()).toEqual(['floe', 'iceberg-rest', 'init', 'localstack', 'producer']);
    const ls = services.localstack as Service;
    expect(ls.image).toMatch(/^localstack\/localstack:\d+\.\d+/);
    expect(
      envOf(ls)
        .SERVICES?.split(',')
        .map((s) => s.trim())
        .sort(),
    ).toEqual(['dynamodb', 'kinesis', 's3']);
    expect(ls.healthcheck).toBeDefined();
    // Images are pinned: a moving tag would change the stack under the test.
    for (const [name, s] of Object.entries(services)) {
      if (s.image !== undefined && s.build === undefined) expect(s.image, name).toMatch(/:[0-9][\w.-]*$/);
    }
  });

  it('the REST catalog keeps its tables in LocalStack S3, in the bucket init creates', () => {
    const { services } = loadCompose();
    const rest = envOf(services['iceberg-rest'] as Service);
    expect(rest.CATALOG_IO__IMPL).toBe('org.apache.iceberg.aws.s3.S3FileIO');
    expect(rest.CATALOG_S3_ENDPOINT).toBe('http://localstack:4566');
    expect(rest.CATALOG_S3_PATH__STYLE__ACCESS).toBe('true');
    const bucket = envOf(services.init as Service).FLOE_BUCKET;
    expect(rest.CATALOG_WAREHOUSE).toBe(`s3://${bucket}/warehouse/`);
    const script = ((services.init as Service).command as string[]).join('\n');
    expect(script).toContain('kinesis create-stream');
    expect(script).toContain('s3 mb');
    expect(script).toContain('dynamodb create-table');
    expect((services['iceberg-rest'] as Service).depends_on).toEqual({
      init: { condition: 'service_completed_successfully' },
    });
  });

  it('the consumer: built from ./Dockerfile, healthy via GET /health on 8080, pointed at LocalStack', () => {
    const { services } = loadCompose();
    const floe = services.floe as Service;
    expect(floe.build?.context).toBe('.');
    expect(existsSync(join(REPO_ROOT, floe.build?.dockerfile ?? 'Dockerfile'))).toBe(true);
    const test = floe.healthcheck?.test as string[];
    expect(test[0]).toBe('CMD');
    expect(test.join(' ')).toContain('http://127.0.0.1:8080/health');
    expect(floe.ports).toContain('127.0.0.1:8080:8080');
    const env = envOf(floe);
    expect(env.AWS_ENDPOINT_URL).toBe('http://localstack:4566');
    expect(env.AWS_ACCESS_KEY_ID).toBe('test');
    expect(env.AWS_REGION).toBe('us-east-1');
    expect(env.FLOE_CATALOG_URI).toBe('http://iceberg-rest:8181');
    expect(floe.depends_on).toEqual({
      init: { condition: 'service_completed_successfully' },
      'iceberg-rest': { condition: 'service_healthy' },
    });
    expect(floe.tmpfs).toContain('/var/lib/floe');
  });

  it('the mounted config exists, passes floe’s zod schema and names files the image ships', async () => {
    const { services } = loadCompose();
    const floe = services.floe as Service;
    const mount = (floe.volumes ?? []).find((v) => typeof v === 'string' && v.includes(':/etc/floe/'));
    expect(mount).toBeDefined();
    const [hostPath, containerPath] = (mount as string).split(':');
    const command = floe.command as string[];
    expect(command.slice(0, 3)).toEqual(['consume', '--config', containerPath]);
    const file = join(REPO_ROOT, hostPath as string);
    expect(existsSync(file)).toBe(true);

    // Interpolated with the container's environment, as floe does at start.
    const config = validateConfig(parseYaml(readFileSync(file, 'utf8')), envOf(floe), hostPath);
    expect(config.kinesis.endpoint).toBe('http://localstack:4566');
    expect(config.catalog.catalog).toBe('rest');
    expect(config.catalog.uri).toBe('http://iceberg-rest:8181');
    expect(config.stateDir).toBe('/var/lib/floe');
    // Published port: the server must listen beyond loopback, which floe allows only with API keys.
    expect(config.server.host).toBe('0.0.0.0');
    expect(config.server.port ?? 8080).toBe(8080);
    expect(envOf(floe).FLOE_API_KEYS).toMatch(/\S/);
    expect(config.deadLetter).toBe(`s3://${envOf(services.init as Service).FLOE_BUCKET}/dead-letters`);
    expect(config.tables).toHaveLength(1);
    const t = config.tables[0]!;
    expect(t.stream).toBe(envOf(services.init as Service).FLOE_STREAM);
    const schema = await readSchemaFile(repoPathOfImagePath(t.schema as string));
    expect(() => parsePartitionSpec(t.partition as string, schema)).not.toThrow();
    expect(schema.fields.map((f) => f.name)).toContain(t.dedupeKey);
    expect(existsSync(repoPathOfImagePath(t.rules as string))).toBe(true);
  });

  it('the mounted config fails loudly without its defaults (the env really feeds it)', () => {
    const text = readFileSync(join(REPO_ROOT, 'examples/compose/floe.yaml'), 'utf8');
    // Same file without the ":-default" parts: every variable must then come from the environment.
    const strict = parseYaml(text.replace(/:-[^}]*\}/g, '}'));
    expect(() => validateConfig(strict, {})).toThrow(/environment variable \w+ is not set/);
  });

  it('the producer sends the sample to the consumer’s stream once the consumer is healthy', () => {
    const { services } = loadCompose({ FLOE_STREAM: 'custom-stream' });
    const p = services.producer as Service;
    const cmd = p.command as string[];
    expect(cmd[0]).toBe('produce');
    expect(existsSync(repoPathOfImagePath(cmd[1] as string))).toBe(true);
    expect(cmd[cmd.indexOf('--stream') + 1]).toBe('custom-stream');
    expect(envOf(services.init as Service).FLOE_STREAM).toBe('custom-stream');
    expect(envOf(services.floe as Service).FLOE_STREAM).toBe('custom-stream');
    expect(cmd[cmd.indexOf('--max-bad-records') + 1]).toBe('unlimited');
    // The image is read-only for its user: reject files must go somewhere writable.
    expect(cmd[cmd.indexOf('--bad-records') + 1]).toMatch(/^\/tmp\//);
    expect(cmd[cmd.indexOf('--failed-records') + 1]).toMatch(/^\/tmp\//);
    expect(envOf(p).AWS_ENDPOINT_URL).toBe('http://localstack:4566');
    expect(p.depends_on).toEqual({ floe: { condition: 'service_healthy' } });
    expect(p.image).toBe((services.floe as Service).image);
  });
});

/** Dockerfile instructions with continuation lines joined; comments dropped. */
function dockerfileInstructions(): { op: string; args: string }[] {
  const lines = readFileSync(join(REPO_ROOT, 'Dockerfile'), 'utf8').split('\n');
  const out: { op: string; args: string }[] = [];
  let cur = '';
  for (const line of lines) {
    if (/^\s*#/.test(line) && cur === '') continue;
    cur += line.replace(/\\\s*$/, ' ');
    if (/\\\s*$/.test(line)) continue;
    const m = /^\s*(\w+)\s+(.*)$/.exec(cur);
    if (m) out.push({ op: (m[1] as string).toUpperCase(), args: (m[2] as string).trim() });
    cur = '';
  }
  return out;
}

describe('Dockerfile', () => {
  const ins = dockerfileInstructions();
  const stages = ins.reduce<{ op: string; args: string }[][]>((acc, i) => {
    if (i.op === 'FROM') acc.push([]);
    acc.at(-1)?.push(i);
    return acc;
  }, []);
  const runtime = stages.at(-1) ?? [];

  it('is multi-stage: TypeScript is built in one stage, the runtime stage has production deps only', () => {
    expect(stages.length).toBeGreaterThanOrEqual(2);
    const build = stages[0] ?? [];
    expect(build.some((i) => i.op === 'RUN' && /npm ci\b/.test(i.args))).toBe(true);
    expect(build.some((i) => i.op === 'RUN' && /npm run build/.test(i.args))).toBe(true);
    const ci = runtime.find((i) => i.op === 'RUN' && /npm ci\b/.test(i.args));
    expect(ci?.args).toMatch(/--omit=dev/);
    // "prepare" runs tsc, which the runtime stage does not have.
    expect(ci?.args).toMatch(/--ignore-scripts/);
    expect(runtime.some((i) => i.op === 'COPY' && /--from=build\s+\S*dist/.test(i.args))).toBe(true);
    expect(runtime.some((i) => i.op === 'RUN' && /npm run build|tsc/.test(i.args))).toBe(false);
  });

  it('uses a small Node 20 base and runs as a non-root user', () => {
    const arg = ins.find((i) => i.op === 'ARG' && i.args.startsWith('NODE_IMAGE='));
    expect(arg?.args).toMatch(/^NODE_IMAGE=node:20[\w.-]*-slim$/);
    const user = runtime.filter((i) => i.op === 'USER').at(-1);
    expect(user?.args).toBeDefined();
    expect(['root', '0', '0:0']).not.toContain(user?.args);
  });

  it('has a healthcheck on GET /health without curl, and the entrypoint/cmd of the consumer', () => {
    const hc = runtime.find((i) => i.op === 'HEALTHCHECK');
    expect(hc?.args).toMatch(/CMD \["node", "-e", /);
    expect(hc?.args).toContain("'/health'");
    expect(hc?.args).toContain('8080');
    const entry = runtime.find((i) => i.op === 'ENTRYPOINT');
    expect(JSON.parse(entry?.args ?? 'null')).toEqual(['node', 'dist/cli/main.js']);
    const cmd = runtime.find((i) => i.op === 'CMD');
    expect(JSON.parse(cmd?.args ?? 'null')).toEqual(['consume', '--config', '/etc/floe/floe.yaml']);
    expect(runtime.some((i) => i.op === 'EXPOSE' && i.args === '8080')).toBe(true);
    // The main module the entrypoint names is what `npm run build` produces.
    expect(existsSync(join(REPO_ROOT, 'src/cli/main.ts'))).toBe(true);
  });

  it('ships the files floe reads at run time outside dist/ (dashboard assets, examples)', () => {
    const copies = runtime.filter((i) => i.op === 'COPY' && !i.args.startsWith('--from')).map((i) => i.args);
    expect(copies).toContain('examples ./examples');
    // src/server/dashboard/index.ts serves <package root>/src/server/dashboard/assets and fails at
    // start when they are missing.
    const dashboard = join(REPO_ROOT, 'src/server/dashboard/index.ts');
    if (existsSync(dashboard) && readFileSync(dashboard, 'utf8').includes("'dashboard', 'assets'")) {
      expect(copies).toContain('src/server/dashboard/assets ./src/server/dashboard/assets');
    }
  });

  it('copies only files that exist and that .dockerignore lets through', () => {
    const ignored = readFileSync(join(REPO_ROOT, '.dockerignore'), 'utf8')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l !== '' && !l.startsWith('#'));
    for (const must of ['node_modules', '.git', '.cache', 'dist', '.env']) expect(ignored).toContain(must);
    const sources = ins
      .filter((i) => i.op === 'COPY' && !i.args.startsWith('--from'))
      .flatMap((i) => i.args.split(/\s+/).slice(0, -1));
    expect(sources.length).toBeGreaterThan(0);
    for (const src of sources) {
      expect(existsSync(join(REPO_ROOT, src)), src).toBe(true);
      expect(ignored, `${src} is excluded from the build context`).not.toContain(src);
    }
  });
});
