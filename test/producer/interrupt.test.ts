/**
 * Ctrl-C / SIGTERM against a real `floe produce` process reading a slow stdin (a pipe the test
 * keeps open), in front of a small Kinesis stand-in speaking the JSON protocol (so the test can
 * hold PutRecords answers back). Every record read is either delivered or in the failed-records
 * file; the summary is printed; the exit code says the run was interrupted.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { freePort, kinesisEnv } from '../setup/kinesis.js';

const ROOT = resolve(import.meta.dirname, '../..');
const MAX_HASH = ((1n << 128n) - 1n).toString();

interface StandIn {
  url: string;
  /** Data of every record acknowledged. */
  stored: string[];
  /** PutRecords calls received (answered or not). */
  calls: number;
  close(): Promise<void>;
}

const servers: Server[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

/** `answerAfterMs`: delay before a PutRecords answer; Infinity: never answer. */
async function standIn(answerAfterMs: number): Promise<StandIn> {
  const state: StandIn = { url: '', stored: [], calls: 0, close: async () => undefined };
  const reply = (res: ServerResponse, body: unknown): void => {
    res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
    res.end(JSON.stringify(body));
  };
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const body = JSON.parse(Buffer.concat(chunks).toString() || '{}') as {
        Records?: { Data: string }[];
      };
      if (target.endsWith('.ListShards')) {
        reply(res, {
          Shards: [
            {
              ShardId: 'shardId-000000000000',
              HashKeyRange: { StartingHashKey: '0', EndingHashKey: MAX_HASH },
              SequenceNumberRange: { StartingSequenceNumber: '1' },
            },
          ],
        });
        return;
      }
      if (target.endsWith('.PutRecords')) {
        state.calls++;
        const records = body.Records ?? [];
        if (answerAfterMs === Infinity) return; // held: the producer never hears back
        setTimeout(() => {
          const out = records.map((r) => {
            state.stored.push(Buffer.from(r.Data, 'base64').toString());
            return { SequenceNumber: String(state.stored.length), ShardId: 'shardId-000000000000' };
          });
          reply(res, { FailedRecordCount: 0, Records: out });
        }, answerAfterMs);
        return;
      }
      res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
    });
  });
  servers.push(server);
  const port = await freePort();
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', () => r()));
  state.url = `http://127.0.0.1:${port}`;
  return state;
}

const until = async (cond: () => boolean, ms = 20_000): Promise<void> => {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
};

function startProduce(url: string, dir: string) {
  const child = spawn(
    process.execPath,
    [join(ROOT, 'dist/cli/main.js'), 'produce', '-', '--stream', 's', '--format', 'ndjson', '--json', '-q'],
    { cwd: dir, env: { PATH: process.env.PATH ?? '', ...kinesisEnv(url) }, stdio: ['pipe', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

const lines = (from: number, n: number): string[] =>
  Array.from({ length: n }, (_, i) => JSON.stringify({ id: from + i, pad: 'x'.repeat(50) }));

it('SIGINT: stops reading a slow stdin, delivers what was read, prints the summary, exits 130', async () => {
  const kin = await standIn(400);
  const dir = mkdtempSync(join(tmpdir(), 'floe-int-'));
  const p = startProduce(kin.url, dir);
  const sent = lines(0, 3000);
  p.child.stdin.write(sent.slice(0, 2000).join('\n') + '\n');
  await until(() => kin.calls > 0);
  // More input arrives while the first calls are unanswered; then Ctrl-C, stdin still open.
  p.child.stdin.write(sent.slice(2000).join('\n') + '\n');
  await new Promise((r) => setTimeout(r, 300));
  p.child.kill('SIGINT');
  const code = await p.exited;
  expect(p.err()).toMatch(/SIGINT: stopping/);
  expect(code).toBe(130);
  const summary = JSON.parse(p.out()) as Record<string, unknown>;
  expect(summary).toMatchObject({ interrupted: 'SIGINT', failed: 0, bad: 0, unsent: 0 });
  // Everything read was delivered, in order; nothing beyond what was read.
  expect(summary.sent).toBe(summary.read);
  expect(kin.stored).toEqual(sent.slice(0, summary.read as number));
  expect(summary.read).toBeGreaterThanOrEqual(2000);
  expect(existsSync(join(dir, 'stdin.failed.ndjson'))).toBe(false);
}, 60_000);

it('SIGTERM twice: calls still in flight are given back to the failed-records file, none dropped', async () => {
  const kin = await standIn(Infinity);
  const dir = mkdtempSync(join(tmpdir(), 'floe-int-'));
  const p = startProduce(kin.url, dir);
  const sent = lines(0, 1500);
  p.child.stdin.write(sent.join('\n') + '\n');
  await until(() => kin.calls > 0);
  await new Promise((r) => setTimeout(r, 300));
  p.child.kill('SIGTERM');
  await until(() => /SIGTERM: stopping/.test(p.err()));
  p.child.kill('SIGTERM');
  const code = await p.exited;
  expect(code).toBe(143);
  const summary = JSON.parse(p.out()) as { read: number; sent: number; failed: number; interrupted: string };
  expect(summary).toMatchObject({ interrupted: 'SIGTERM', sent: 0, read: 1500, failed: 1500 });
  const failed = readFileSync(join(dir, 'stdin.failed.ndjson'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { line: number; errorCode: string; record: unknown });
  expect(failed.map((f) => f.errorCode)).toEqual(sent.map(() => 'Interrupted'));
  expect(failed.map((f) => f.line).sort((a, b) => a - b)).toEqual(sent.map((_, i) => i + 1));
  expect(failed.map((f) => JSON.stringify(f.record)).sort()).toEqual([...sent].sort());
}, 60_000);
