/**
 * `floe dev` (npm start) across processes, as a developer uses it: start it in an empty directory,
 * send the bundled sample with `floe produce`'s defaults (the dev endpoint 127.0.0.1:4567, stream
 * floe-dev), watch the table fill with the clean, deduplicated rows, Ctrl-C. Then a restart meets a
 * fresh (empty) emulator stream: the old positions are reset and new records land; and a kill -9
 * of floe dev takes its emulator down with it (nothing left on port 4567).
 */
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { floe, ROOT, startFloe } from '../consumer/helpers.js';
import { portInUse } from '../../src/dev/emulator.js';
import { expectedFromSample } from './expected.js';

const SAMPLE = join(ROOT, 'examples/nyc311-sample.csv');
const DEV_PORT = 4567;
// Fixed test credentials: the dev loop accepts any, and without them the SDK's default chain may
// spend seconds probing for instance credentials.
const ENV = {
  AWS_ACCESS_KEY_ID: 'floetest',
  AWS_SECRET_ACCESS_KEY: 'floetest',
  AWS_REGION: 'us-east-1',
};

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until<T>(what: string, ms: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await probe();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(500);
  }
}

async function totalRecords(cwd: string): Promise<number> {
  const r = await floe(['inspect', 'demo.nyc311', '--json'], { cwd, env: ENV });
  if (r.code !== 0) return -1;
  const t = JSON.parse(r.stdout) as {
    currentSnapshotId: string | null;
    snapshots: { snapshotId: string; summary: Record<string, string> }[];
  };
  const head = t.snapshots.find((s) => s.snapshotId === t.currentSnapshotId);
  return Number(head?.summary['total-records'] ?? 0);
}

function startDev(cwd: string): ReturnType<typeof startFloe> {
  return startFloe(['dev'], { cwd, env: ENV });
}

async function waitBanner(dev: ReturnType<typeof startFloe>): Promise<void> {
  await until('the floe dev banner', 60_000, async () => {
    if (dev.child.exitCode !== null) throw new Error(`floe dev exited early: ${dev.output()}`);
    return dev.output().includes('Ctrl-C stops') ? true : undefined;
  });
}

describe('floe dev', () => {
  let cwd: string;
  const expected = expectedFromSample(SAMPLE);

  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'floe-dev-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  test('the sample lands clean and deduplicated, Ctrl-C commits and exits 0, a restart resets positions, kill -9 leaves no emulator', async () => {
    expect(await portInUse(DEV_PORT), `port ${DEV_PORT} must be free for this test`).toBe(false);
    // The sample has duplicates and dirty rows: fewer keys than rows.
    expect(expected.keys.size).toBeGreaterThan(4900);
    expect(expected.rejected).toBeGreaterThan(0);

    const dev = startDev(cwd);
    try {
      await waitBanner(dev);
      expect(dev.output()).toContain('npm run produce -- examples/nyc311-sample.csv');
      expect(await portInUse(DEV_PORT)).toBe(true);

      const sent = await floe(
        ['produce', SAMPLE, '--max-bad-records', 'unlimited', '--bad-records', join(cwd, 'bad.ndjson')],
        { cwd, env: ENV },
      );
      expect(sent.code, sent.stderr).toBe(0);

      await until(`${expected.keys.size} rows in demo.nyc311`, 45_000, async () => {
        const n = await totalRecords(cwd);
        expect(n).toBeLessThanOrEqual(expected.keys.size);
        return n === expected.keys.size ? n : undefined;
      });
    } finally {
      dev.child.kill('SIGINT');
    }
    const run = await dev.done;
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toContain('committed to demo.nyc311');
    expect(await portInUse(DEV_PORT)).toBe(false);
    expect(await totalRecords(cwd)).toBe(expected.keys.size);

    // Every streamed record that failed decoding or a rule is a dead letter, once.
    const dlqDir = join(cwd, 'warehouse/.dead-letters/demo.nyc311');
    let deadLetters = 0;
    for (const f of (await readdir(dlqDir)).filter((n) => n.endsWith('.ndjson'))) {
      deadLetters += (await readFile(join(dlqDir, f), 'utf8')).split('\n').filter(Boolean).length;
    }
    expect(deadLetters).toBe(expected.rejected);

    // Restart: a fresh in-memory stream under the same name; the old positions must not hold it back.
    const again = startDev(cwd);
    try {
      await waitBanner(again);
      expect(again.output()).toContain('positions in the previous emulator');
      const extra = join(cwd, 'extra.ndjson');
      await writeFile(
        extra,
        '{"unique_key":"91000001","created_date":"2024-03-05T10:00:00","borough":" queens "}\n' +
          '{"unique_key":"91000002","created_date":"2024-03-05T11:00:00","latitude":"40.7"}\n',
      );
      const sent = await floe(['produce', extra], { cwd, env: ENV });
      expect(sent.code, sent.stderr).toBe(0);
      await until('the 2 new rows', 30_000, async () =>
        (await totalRecords(cwd)) === expected.keys.size + 2 ? true : undefined,
      );
    } finally {
      // kill -9: no chance to clean up, yet the emulator must go with it.
      again.child.kill('SIGKILL');
    }
    await again.done;
    await until('the emulator to exit after its parent was killed', 15_000, async () =>
      (await portInUse(DEV_PORT)) ? undefined : true,
    );
  }, 120_000);
});
