/**
 * `floe consume` settings: config file (JSON, YAML), ${ENV} interpolation, flags over config, and
 * every bad config or flag as ONE line on stderr with exit code 2 (in-process runCli).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { parseCommandArgs } from '../../src/cli/args.js';
import { consumeSettings, consumeSpec } from '../../src/cli/consume.js';
import type { CliContext } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/run.js';
import { EVENT_SCHEMA } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-consume-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function ctx(env: Record<string, string> = {}): { ctx: CliContext; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = '';
  let err = '';
  stdout.on('data', (d: Buffer) => (out += d.toString()));
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    ctx: { stdout, stderr, stdin: Readable.from([]), env, cwd: dir },
    out: () => out,
    err: () => err,
  };
}

function file(name: string, content: unknown): string {
  writeFileSync(join(dir, name), typeof content === 'string' ? content : JSON.stringify(content));
  return name;
}

const good = {
  kinesis: { endpoint: '${KINESIS_URL:-http://127.0.0.1:4567}' },
  catalog: { warehouse: './wh-${STAGE}' },
  batching: { commitIntervalSeconds: 2 },
  tables: [
    {
      table: 'db.events',
      stream: 'events-${STAGE}',
      schema: 'schema.json',
      partition: 'day(ts)',
      dedupeKey: 'id',
    },
  ],
};

async function settings(argv: string[], env: Record<string, string> = {}) {
  return consumeSettings(ctx(env).ctx, parseCommandArgs(consumeSpec, argv));
}

describe('floe consume settings', () => {
  it('reads a JSON config with ${ENV} and ${ENV:-default}; paths resolve against the file', async () => {
    file('schema.json', EVENT_SCHEMA);
    const s = await settings(['--config', file('good.json', good)], { STAGE: 'dev' });
    expect(s.config.kinesis.endpoint).toBe('http://127.0.0.1:4567');
    expect(s.config.catalog.warehouse).toBe(join(dir, 'wh-dev'));
    expect(s.config.tables[0]).toMatchObject({
      stream: 'events-dev',
      schema: join(dir, 'schema.json'),
      format: 'json',
      dedupeKey: 'id',
    });
    expect(s.config.batching.commitIntervalSeconds).toBe(2);
    expect(s.drain).toBe(false);
  });

  it('flags override the config; a single table can come from flags and env alone', async () => {
    const s = await settings(
      ['--config', 'good.json', '--stream', 'other', '--commit-interval', '5', '--drain'],
      { STAGE: 'x' },
    );
    expect(s.config.tables[0]?.stream).toBe('other');
    expect(s.config.batching.commitIntervalSeconds).toBe(5);
    expect(s.drain).toBe(true);
    const f = await settings(['--table', 'a.b'], { FLOE_STREAM: 's1' });
    expect(f.config.tables).toEqual([expect.objectContaining({ table: 'a.b', stream: 's1' })]);
  });

  it('reads YAML configs (js-yaml is available in this install)', async () => {
    const yaml = file('good.yaml', 'tables:\n  - table: db.y\n    stream: ${S}\n    format: csv\n');
    const s = await settings(['--config', yaml], { S: 'ys' });
    expect(s.config.tables[0]).toMatchObject({ table: 'db.y', stream: 'ys', format: 'csv' });
  });
});

describe('bad config and flags: one line, exit 2', () => {
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    ['nothing to consume', [], {}, /say what to consume/],
    ['missing --table', ['--stream', 's'], {}, /missing --table/],
    ['unknown flag', ['--strem', 's'], {}, /unknown option --strem/],
    [
      'bad --format',
      ['--stream', 's', '--table', 'a.b', '--format', 'xml'],
      {},
      /--format must be one of json, csv/,
    ],
    [
      'bad --commit-interval',
      ['--stream', 's', '--table', 'a.b', '--commit-interval', '0.5'],
      {},
      /--commit-interval must be a number of seconds >= 1/,
    ],
    [
      'bad --endpoint',
      ['--stream', 's', '--table', 'a.b', '--endpoint', 'ftp://x'],
      {},
      /must start with http/,
    ],
    [
      'bad table name',
      ['--stream', 's', '--table', 'nodot'],
      {},
      /tables\[0\]\.table: expected namespace\.name/,
    ],
    ['missing config file', ['--config', 'nope.json'], {}, /config file not found/],
    ['config not JSON', ['--config', 'bad-json.json'], {}, /is not valid JSON/],
    [
      'unknown config key',
      ['--config', 'extra.json'],
      {},
      /extra\.json: tables\[0\]: Unrecognized key: "strem"|extra\.json: tables\[0\].*strem/,
    ],
    ['unset env var', ['--config', 'good.json'], {}, /environment variable STAGE is not set/],
    ['bad YAML', ['--config', 'bad.yaml'], {}, /is not valid YAML/],
    [
      'bad partition',
      [
        '--stream',
        's',
        '--table',
        'db.p',
        '--schema',
        'schema.json',
        '--partition',
        'day(nope)',
        '--warehouse',
        'wh',
      ],
      {},
      /partition/,
    ],
  ];
  it.each(cases)('%s', async (_name, argv, env, message) => {
    file('schema.json', EVENT_SCHEMA);
    file('good.json', good);
    file('bad-json.json', '{"tables": [');
    file('extra.json', { tables: [{ table: 'a.b', stream: 's', strem: 'x' }] });
    file('bad.yaml', 'tables: [\n  - : :\n');
    const c = ctx(env);
    const code = await runCli(['consume', ...argv], c.ctx);
    expect(c.err()).toMatch(message);
    expect(c.err().trimEnd().split('\n')).toHaveLength(1);
    expect(code).toBe(2);
  });
});
