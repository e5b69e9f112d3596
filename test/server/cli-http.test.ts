/**
 * `floe consume`'s HTTP flags and config: a keyless non-loopback address, a missing key file and a
 * bad port are configuration errors (one line, exit 2) found before anything starts.
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
import { httpSettings } from '../../src/server/index.js';
import { EVENT_SCHEMA } from '../consumer/helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-http-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'schema.json'), JSON.stringify(EVENT_SCHEMA));

function ctx(env: Record<string, string> = {}): { ctx: CliContext; err: () => string } {
  const stderr = new PassThrough();
  let err = '';
  stderr.on('data', (d: Buffer) => (err += d.toString()));
  return {
    ctx: { stdout: new PassThrough(), stderr, stdin: Readable.from([]), env, cwd: dir },
    err: () => err,
  };
}

const BASE = ['--stream', 's', '--table', 'db.t', '--schema', 'schema.json', '--warehouse', 'wh'];

describe('floe consume HTTP settings', () => {
  it.each([
    [
      'a non-loopback host without keys',
      ['--http-host', '0.0.0.0'],
      {},
      /listen on 0\.0\.0\.0 without API keys/,
    ],
    ['a missing key file', [], { FLOE_API_KEYS_FILE: join(dir, 'nope') }, /cannot read the API key file/],
    ['a bad port', ['--http-port', '80a'], {}, /--http-port must be an integer/],
    ['a port above 65535', ['--http-port', '70000'], {}, /server\.port/],
  ] as const)('%s: one line, exit 2', async (_name, flags, env, message) => {
    const c = ctx(env as Record<string, string>);
    const code = await runCli(['consume', ...BASE, ...flags, '--endpoint', 'http://127.0.0.1:1'], c.ctx);
    expect(c.err()).toMatch(message);
    expect(c.err().trimEnd().split('\n')).toHaveLength(1);
    expect(code).toBe(2);
  });

  it('flags override the config; keys from the env and the key file; --no-http disables', async () => {
    writeFileSync(join(dir, 'keys.txt'), '# comment\nfile-key-1\n\nfile-key-2\n');
    writeFileSync(
      join(dir, 'floe.json'),
      JSON.stringify({
        server: {
          port: 9999,
          apiKeysFile: 'keys.txt',
          maxBodyBytes: 1000,
          ingestAggregate: false,
          ready: { maxCommitAgeSeconds: 60 },
        },
        tables: [{ table: 'db.t', stream: 's', schema: 'schema.json' }],
      }),
    );
    const c = ctx({ FLOE_API_KEYS: 'env-key' });
    const s = await consumeSettings(
      c.ctx,
      parseCommandArgs(consumeSpec, ['--config', 'floe.json', '--http-port', '0', '--http-host', '0.0.0.0']),
    );
    const h = await httpSettings(s.config.server, c.ctx.env);
    expect(h).toMatchObject({
      enabled: true,
      host: '0.0.0.0',
      port: 0,
      portGiven: true,
      apiKeys: ['env-key', 'file-key-1', 'file-key-2'],
      maxBodyBytes: 1000,
      ingestAggregate: false,
      readiness: { maxCommitAgeMs: 60_000 },
    });
    const off = await consumeSettings(
      c.ctx,
      parseCommandArgs(consumeSpec, ['--config', 'floe.json', '--no-http']),
    );
    expect((await httpSettings(off.config.server, {})).enabled).toBe(false);
    const defaults = await httpSettings(
      (await consumeSettings(c.ctx, parseCommandArgs(consumeSpec, BASE))).config.server,
      {},
    );
    expect(defaults).toMatchObject({
      enabled: true,
      host: '127.0.0.1',
      port: 8080,
      portGiven: false,
      apiKeys: [],
      ingestAggregate: true,
    });
  });
});
