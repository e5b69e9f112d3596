/** `floe produce` flag handling: every bad flag is one line on stderr and exit code 2. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../src/cli/run.js';
import { produceSettings, produceSpec } from '../../src/cli/produce.js';
import { parseCommandArgs } from '../../src/cli/args.js';
import type { CliContext } from '../../src/cli/context.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-flags-'));
writeFileSync(join(dir, 'in.csv'), 'a,b\n1,2\n');

function ctx(env: Record<string, string> = {}): { ctx: CliContext; out: () => string; err: () => string } {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let o = '';
  let e = '';
  stdout.on('data', (d: Buffer) => (o += d.toString()));
  stderr.on('data', (d: Buffer) => (e += d.toString()));
  return { ctx: { stdout, stderr, stdin: Readable.from([]), env, cwd: dir }, out: () => o, err: () => e };
}

const BAD: [string[], RegExp][] = [
  [['--rate', '0'], /--rate must be an integer >= 1/],
  [['--rate', 'fast'], /--rate must be an integer >= 1/],
  [['--explicit-hash-key', String(1n << 128n)], /--explicit-hash-key must be an integer from 0 to 2\^128-1/],
  [['--explicit-hash-key', '12ab'], /--explicit-hash-key must be an integer/],
  [['--format', 'xml'], /--format must be one of csv, json, ndjson/],
  [['--delimiter', ';;'], /--delimiter must be a single character/],
  [['--quote', "''"], /--quote must be a single character/],
  [['--delimiter', '|', '--quote', '|'], /--delimiter and --quote must differ/],
  [['--max-bad-records', '-1'], /--max-bad-records must be an integer >= 0/],
  [['--max-bad-records', 'some'], /--max-bad-records must be an integer >= 0/],
  [['--concurrency', '0'], /--concurrency must be an integer >= 1/],
  [['--max-retries', 'x'], /--max-retries must be an integer >= 0/],
  [['--endpoint', 'ftp://127.0.0.1:1'], /must start with http:\/\/ or https:\/\//],
  [['--endpoint', 'not a url'], /is not a URL/],
  [['--stream', 'bad name!'], /--stream must be 1-128 letters/],
  [['--partition-key', 'a', '--explicit-hash-key', '1'], /cannot be combined/],
  [['--partition-key', ''], /--partition-key needs a field name/],
  [['--aggregate=yes'], /option --aggregate takes no value/],
  [['--aggregate-bytes', '51200'], /--aggregate-bytes needs --aggregate/],
  [['--aggregate', '--aggregate-bytes', '1000'], /--aggregate-bytes must be an integer >= 1024/],
  [['--aggregate', '--aggregate-bytes', '50k'], /--aggregate-bytes must be an integer >= 1024/],
  [['--aggregate', '--aggregate-bytes', '1048577'], /--aggregate-bytes must be at most 1048576/],
  [['--rate'], /option --rate needs a value/],
  [['--no-such-flag'], /unknown option --no-such-flag/],
];

describe('floe produce: bad flags', () => {
  for (const [flags, message] of BAD) {
    it(`${flags.join(' ')} → one line, exit 2`, async () => {
      const c = ctx();
      const code = await runCli(['produce', 'in.csv', ...flags], c.ctx);
      expect(code).toBe(2);
      const lines = c.err().trimEnd().split('\n');
      expect(lines.length).toBe(1);
      expect(lines[0]).toMatch(/^floe: produce: /);
      expect(lines[0]).toMatch(message);
      expect(c.out()).toBe('');
    });
  }

  it('a missing input is a usage error', async () => {
    const c = ctx();
    expect(await runCli(['produce'], c.ctx)).toBe(2);
    expect(c.err()).toMatch(/^floe: produce: missing <file>/);
  });

  it('a missing input file is one line, exit 1 (before any Kinesis call)', async () => {
    const c = ctx({ AWS_ENDPOINT_URL: 'http://127.0.0.1:1' });
    expect(await runCli(['produce', 'nope.csv', '--stream', 's'], c.ctx)).toBe(1);
    expect(c.err().trim()).toMatch(/^floe: input file not found: .*nope\.csv$/);
  });

  it('help lists the options', async () => {
    const c = ctx();
    expect(await runCli(['produce', '--help'], c.ctx)).toBe(0);
    expect(c.out()).toMatch(/--partition-key <field>/);
    expect(c.out()).toMatch(/--aggregate/);
  });
});

describe('floe produce: stream and endpoint defaults', () => {
  const settings = (argv: string[], env: Record<string, string> = {}) =>
    produceSettings(ctx(env).ctx, parseCommandArgs(produceSpec, ['in.csv', ...argv]));

  it('--stream, else FLOE_STREAM, else the dev stream on the dev endpoint', () => {
    expect(settings([])).toMatchObject({ stream: 'floe-dev', endpoint: 'http://127.0.0.1:4567' });
    expect(settings([], { FLOE_STREAM: 'prod' })).toMatchObject({ stream: 'prod', endpoint: undefined });
    expect(settings(['--stream', 'x'], { FLOE_STREAM: 'prod' })).toMatchObject({
      stream: 'x',
      endpoint: undefined,
    });
  });

  it('AWS_ENDPOINT_URL_KINESIS beats AWS_ENDPOINT_URL; --endpoint beats both', () => {
    const env = { AWS_ENDPOINT_URL: 'http://127.0.0.1:1', AWS_ENDPOINT_URL_KINESIS: 'http://127.0.0.1:2' };
    expect(settings([], env).endpoint).toBe('http://127.0.0.1:2');
    expect(settings([], { AWS_ENDPOINT_URL: 'https://kinesis.example' }).endpoint).toBe(
      'https://kinesis.example',
    );
    expect(settings(['--endpoint', 'http://127.0.0.1:3'], env).endpoint).toBe('http://127.0.0.1:3');
  });

  it('--aggregate-bytes sets the aggregate size; without it produce() keeps its default', () => {
    expect(settings(['--aggregate', '--aggregate-bytes', '51200']).maxAggregateBytes).toBe(51200);
    expect(settings(['--aggregate', '--aggregate-bytes', '1048576']).maxAggregateBytes).toBe(1048576);
    expect('maxAggregateBytes' in settings(['--aggregate'])).toBe(false);
  });

  it('default bad/failed record files sit next to the input', () => {
    const s = settings([]);
    expect(s.badRecordsPath).toBe(join(dir, 'in.csv.bad.ndjson'));
    expect(s.failedRecordsPath).toBe(join(dir, 'in.csv.failed.ndjson'));
    expect(settings(['--max-bad-records', 'unlimited']).maxBadRecords).toBe(Infinity);
  });
});
