/**
 * Partial PutRecords failures: a proxy in front of kinesalite fails every 5th entry it sees with
 * ProvisionedThroughputExceededException (those entries never reach the emulator). `floe produce`
 * must retry them until every line arrives, and its summary's retry count must equal what the
 * proxy failed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { freePort, kinesisEnv, readStream, startKinesalite, type Emulator } from '../setup/kinesis.js';

const ROOT = resolve(import.meta.dirname, '../..');
let emu: Emulator;
let proxy: Server;
let proxyUrl: string;
const counts = { entries: 0, failed: 0, calls: 0 };

interface PutRecordsBody {
  StreamName: string;
  Records: unknown[];
}

function forward(
  target: URL,
  headers: Record<string, string | string[] | undefined>,
  body: Buffer,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: Buffer }> {
  return new Promise((res, rej) => {
    const req = request(
      {
        host: target.hostname,
        port: target.port,
        method: 'POST',
        path: '/',
        headers: { ...headers, host: target.host, 'content-length': String(body.length) },
      },
      (resp) => {
        const chunks: Buffer[] = [];
        resp.on('data', (c: Buffer) => chunks.push(c));
        resp.on('end', () =>
          res({ status: resp.statusCode ?? 500, headers: resp.headers, body: Buffer.concat(chunks) }),
        );
      },
    );
    req.on('error', rej);
    req.end(body);
  });
}

beforeAll(async () => {
  emu = await startKinesalite();
  await emu.createStream('flaky', 2);
  const target = new URL(emu.endpoint);
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        let body = Buffer.concat(chunks);
        const isPut = req.headers['x-amz-target'] === 'Kinesis_20131202.PutRecords';
        let failedAt: number[] = [];
        if (isPut) {
          counts.calls++;
          const input = JSON.parse(body.toString()) as PutRecordsBody;
          const keep: unknown[] = [];
          input.Records.forEach((r, i) => {
            if (++counts.entries % 5 === 0) failedAt.push(i);
            else keep.push(r);
          });
          counts.failed += failedAt.length;
          body = Buffer.from(JSON.stringify({ ...input, Records: keep }));
          if (keep.length === 0) {
            // Nothing left to forward: answer for the emulator.
            const Records = failedAt.map(() => ({
              ErrorCode: 'ProvisionedThroughputExceededException',
              ErrorMessage: 'Rate exceeded for shard (proxy)',
            }));
            res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
            res.end(JSON.stringify({ FailedRecordCount: Records.length, Records }));
            return;
          }
        } else failedAt = [];
        const out = await forward(target, req.headers, body);
        let outBody = out.body;
        if (isPut && out.status === 200 && failedAt.length > 0) {
          const resp = JSON.parse(out.body.toString()) as { FailedRecordCount: number; Records: unknown[] };
          const merged: unknown[] = [];
          let k = 0;
          const total = resp.Records.length + failedAt.length;
          for (let i = 0; i < total; i++) {
            merged.push(
              failedAt.includes(i)
                ? {
                    ErrorCode: 'ProvisionedThroughputExceededException',
                    ErrorMessage: 'Rate exceeded for shard (proxy)',
                  }
                : resp.Records[k++],
            );
          }
          outBody = Buffer.from(
            JSON.stringify({ FailedRecordCount: resp.FailedRecordCount + failedAt.length, Records: merged }),
          );
        }
        const headers: Record<string, string | string[] | undefined> = {
          ...out.headers,
          'content-length': String(outBody.length),
        };
        delete headers['transfer-encoding'];
        res.writeHead(out.status, headers);
        res.end(outBody);
      })().catch((err: Error) => {
        res.writeHead(500);
        res.end(String(err));
      });
    });
  });
  const port = await freePort();
  await new Promise<void>((r) => proxy.listen(port, '127.0.0.1', () => r()));
  proxyUrl = `http://127.0.0.1:${port}`;
}, 120_000);

afterAll(async () => {
  await new Promise<void>((r) => (proxy ? proxy.close(() => r()) : r()));
  await emu?.stop();
});

it('retries throttled entries until every line arrives; retried = what the proxy failed', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-pf-'));
  const lines = Array.from({ length: 1500 }, (_, i) => JSON.stringify({ id: i, payload: `p${i}` }));
  writeFileSync(join(dir, 'in.ndjson'), lines.join('\n') + '\n');
  const r = await new Promise<{ code: number; stdout: string; stderr: string }>((res) =>
    execFile(
      process.execPath,
      [
        join(ROOT, 'dist/cli/main.js'),
        'produce',
        'in.ndjson',
        '--stream',
        'flaky',
        '--json',
        '-q',
        '--concurrency',
        '4',
      ],
      { cwd: dir, env: { PATH: process.env.PATH ?? '', ...kinesisEnv(proxyUrl) } },
      (err, stdout, stderr) =>
        res({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
  expect(r.stderr).toBe('');
  expect(r.code).toBe(0);
  const summary = JSON.parse(r.stdout) as {
    sent: number;
    retried: number;
    failed: number;
    errors: Record<string, number>;
  };
  expect(counts.failed).toBeGreaterThanOrEqual(300);
  expect(summary).toMatchObject({ sent: 1500, failed: 0, retried: counts.failed });
  expect(summary.errors).toEqual({ ProvisionedThroughputExceededException: counts.failed });
  const back = await readStream(emu.client, 'flaky', 1500);
  expect(back.map((b) => b.data.toString()).sort()).toEqual([...lines].sort());
}, 120_000);
