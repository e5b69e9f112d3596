/**
 * The dashboard in a real browser against a running consumer: kinesis-local with two streams,
 * `floe produce` (in-process) of the NYC-311 sample into one and generated events into the other,
 * `runConsume` into two file-catalog tables with the HTTP server (API keys on) and the dashboard
 * mounted, and Debian's chromium driven headless by playwright-core.
 *
 * Checks: the page loads without console errors, asks for the API key on 401, the throughput
 * chart has data, the commits table lists the tables' real snapshot ids, the table filter changes
 * what is shown, the viewer's time zone is named. Writes .cache/screenshots/dashboard.png
 * (and docs/dashboard.png with FLOE_UPDATE_DOCS_SCREENSHOT=1).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runConsume } from '../../src/cli/consume.js';
import type { CliContext } from '../../src/cli/context.js';
import { runCli } from '../../src/cli/run.js';
import { FileCatalog } from '../../src/catalog/file/index.js';
import { parseTableIdentifier } from '../../src/iceberg/catalog.js';
import { Table } from '../../src/iceberg/table/index.js';
import { silentLogger, type Consumer } from '../../src/consumer/index.js';
import { validateConfig } from '../../src/consumer/config.js';
import type { HttpServer } from '../../src/server/index.js';
import { ROOT, EVENT_SCHEMA, ndjson } from '../consumer/helpers.js';
import { kinesisEnv, startKinesisLocal, type Emulator } from '../setup/kinesis.js';

const CHROMIUM = process.env.FLOE_CHROMIUM ?? '/usr/bin/chromium';
const API_KEY = 'dashboard-test-key';
const TIME_ZONE = 'America/New_York';
const SCREENSHOT = join(ROOT, '.cache', 'screenshots', 'dashboard.png');
// The page refreshes every 5 s (the sampling interval); a filter change loads at once.
const POLL = { timeout: 20_000, interval: 200 };

let emu: Emulator;
let dir: string;
let browser: Browser | undefined;
let consumer: Consumer | undefined;
let consuming: Promise<number> | undefined;

function context(): CliContext & { out: () => string } {
  let out = '';
  const stdout = new Writable({
    write(chunk: Buffer, _enc, cb) {
      out += chunk.toString();
      cb();
    },
  });
  return {
    stdout,
    stderr: stdout,
    stdin: new PassThrough(),
    env: { ...kinesisEnv(emu.endpoint), FLOE_API_KEYS: API_KEY },
    cwd: dir,
    out: () => out,
  };
}

async function produce(file: string, stream: string): Promise<number> {
  const ctx = context();
  const code = await runCli(
    ['produce', file, '--stream', stream, '--json', '-q', '--max-bad-records', 'unlimited'],
    ctx,
  );
  expect(code, ctx.out()).toBe(0);
  const summary = JSON.parse(ctx.out()) as { sent: number };
  return summary.sent;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function until(what: string, cond: () => boolean | Promise<boolean>, ms = 180_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function snapshotIds(table: string): Promise<string[]> {
  const catalog = new FileCatalog({ warehouse: join(dir, 'warehouse') });
  const t = await Table.load(catalog, parseTableIdentifier(table));
  return t.metadata.snapshots.map((s) => s.snapshotId.toString()).sort();
}

const shownSnapshotIds = (page: Page): Promise<string[]> =>
  page.$$eval('#commits tbody tr[data-snapshot-id]', (rows) =>
    rows.map((r) => r.getAttribute('data-snapshot-id') as string).sort(),
  );

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `chromium is not installed at ${CHROMIUM}: the dashboard browser test needs it. ` +
        'Install it with `sudo apt-get install -y chromium` (Debian), or set FLOE_CHROMIUM to a chromium binary.',
    );
  }
  dir = mkdtempSync(join(tmpdir(), 'floe-dashboard-'));
  emu = await startKinesisLocal();
  await emu.createStream('nyc', 2);
  await emu.createStream('events', 1);
  writeFileSync(join(dir, 'events.schema.json'), JSON.stringify(EVENT_SCHEMA));
  writeFileSync(join(dir, 'events.rules.json'), JSON.stringify({ fields: { amount: { max: 1500 } } }));
  writeFileSync(join(dir, 'events-1.ndjson'), ndjson(0, 1000));
  writeFileSync(join(dir, 'events-2.ndjson'), ndjson(1000, 2000));
}, 120_000);

afterAll(async () => {
  await browser?.close();
  await consumer?.stop();
  await consuming?.catch(() => undefined);
  await emu?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('dashboard in chromium against a running consumer', () => {
  it('loads, asks for the key, charts throughput, lists real commits, filters by table', async () => {
    const examples = join(ROOT, 'examples');
    const config = validateConfig(
      {
        kinesis: { endpoint: emu.endpoint },
        catalog: { catalog: 'file', warehouse: join(dir, 'warehouse') },
        stateDir: join(dir, 'state'),
        batching: { commitIntervalSeconds: 1 },
        logLevel: 'silent',
        server: { host: '127.0.0.1', port: 0 },
        tables: [
          {
            table: 'demo.nyc311',
            stream: 'nyc',
            schema: join(examples, 'nyc311.schema.json'),
            partition: 'day(created_date)',
            dedupeKey: 'unique_key',
            rules: join(examples, 'nyc311.rules.json'),
          },
          {
            table: 'demo.events',
            stream: 'events',
            schema: join(dir, 'events.schema.json'),
            rules: join(dir, 'events.rules.json'),
          },
        ],
      },
      {},
      'dashboard test',
    );
    // runConsume starts the HTTP server with API keys (FLOE_API_KEYS) and mounts the dashboard
    // (sampling every 5 s, the default) exactly as `floe consume` does.
    const started = new Promise<HttpServer>((resolve) => {
      consuming = runConsume(
        context(),
        { config, drain: false },
        {
          log: silentLogger(),
          signals: false,
          readerIdleMs: 100,
          onStarted: (c) => (consumer = c),
          onHttpStarted: resolve,
        },
      );
      consuming.catch(() => undefined);
    });
    const server = await Promise.race([
      started,
      consuming!.then((code) => {
        throw new Error(`the consumer exited (${code}) before its HTTP server started`);
      }),
    ]);
    if (!consumer) throw new Error('no consumer');
    const running: Consumer = consumer;

    // Waves a sampling interval apart, so throughput has a shape: events, the NYC sample, events.
    let sentEvents = await produce('events-1.ndjson', 'events');
    await sleep(6000);
    const sentNyc = await produce(join(examples, 'nyc311-sample.csv'), 'nyc');
    await sleep(6000);
    sentEvents += await produce('events-2.ndjson', 'events');
    const settled = (table: string, sent: number) => () => {
      const m = running.metricsSnapshot().tables[table];
      return m !== undefined && m.counters.recordsRead === sent && m.gauges.bufferedRecords === 0;
    };
    await until('both tables to commit everything', async () => {
      return settled('demo.nyc311', sentNyc)() && settled('demo.events', sentEvents)();
    });
    // The sample after the last commit.
    await sleep(5500);
    const counters = running.metricsSnapshot().tables;
    expect(counters['demo.nyc311']!.counters.recordsRejected).toBeGreaterThan(0);
    expect(counters['demo.events']!.counters.recordsRejected).toBeGreaterThan(0);

    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const ctx = await browser.newContext({
      viewport: { width: 1280, height: 800 },
      timezoneId: TIME_ZONE,
      locale: 'en-US',
    });
    const page = await ctx.newPage();
    const problems: string[] = [];
    page.on('console', (m) => {
      // The one expected 401 (before the key is entered) shows as a failed resource load.
      if (m.type() === 'error' && !/status of 401/.test(m.text())) problems.push(m.text());
    });
    page.on('pageerror', (e) => problems.push(e.message));
    // Until the server answers the page's static files without a key, the test hands the key to
    // those requests only: the data call goes out bare and must bring up the key prompt.
    await page.route('**/dashboard/**', (route) =>
      route.continue({ headers: { ...route.request().headers(), 'x-api-key': API_KEY } }),
    );

    const response = await page.goto(`${server.url}/dashboard/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("script-src 'self'");
    const dialog = page.locator('#auth');
    await dialog.waitFor({ state: 'visible' });
    await page.getByLabel('API key', { exact: true }).fill(API_KEY);
    await page.getByRole('button', { name: 'Connect' }).click();
    await dialog.waitFor({ state: 'hidden' });

    // Throughput: uPlot's data and the drawn-point count the page exposes.
    await page.waitForFunction(
      "Number(document.querySelector('#throughput')?.getAttribute('data-nonzero')) >= 2",
    );
    const tp = await page.evaluate(() => {
      const w = globalThis as unknown as { floeDashboard: { throughput: (number | null)[][] } };
      return w.floeDashboard.throughput;
    });
    expect(tp).toHaveLength(4);
    // [time, read, written, rejected]
    expect(tp[2]!.filter((v) => v !== null && v > 0).length).toBeGreaterThanOrEqual(2);
    expect(await page.locator('#throughput canvas').count()).toBe(1);
    expect(Number(await page.locator('#lag').getAttribute('data-points'))).toBeGreaterThan(0);

    // Time zone named; tiles for both tables.
    await expect.poll(() => page.locator('#tz').textContent(), POLL).toContain(TIME_ZONE);
    expect(
      await page
        .locator('#tiles [data-table]')
        .evaluateAll((b) => b.map((x) => x.getAttribute('data-table'))),
    ).toEqual(['demo.nyc311', 'demo.events']);

    // All tables: the commits are exactly both tables' snapshots.
    const nycSnaps = await snapshotIds('demo.nyc311');
    const eventSnaps = await snapshotIds('demo.events');
    expect(nycSnaps.length).toBeGreaterThan(0);
    expect(eventSnaps.length).toBeGreaterThan(0);
    await expect.poll(() => shownSnapshotIds(page), POLL).toEqual([...nycSnaps, ...eventSnaps].sort());
    const allRules = await page
      .locator('#rules [data-rule]')
      .evaluateAll((l) => l.map((x) => x.getAttribute('data-rule')));
    expect(allRules.length).toBeGreaterThan(1);

    // Filter to the events table: its snapshots only, its rules only, its name in the rows.
    await page.selectOption('#table', 'demo.events');
    await expect.poll(() => shownSnapshotIds(page), POLL).toEqual(eventSnaps);
    const rows = await page.locator('#commits tbody tr td:nth-child(2)').allTextContents();
    expect(new Set(rows)).toEqual(new Set(['demo.events']));
    const eventRules = await page
      .locator('#rules [data-rule]')
      .evaluateAll((l) => l.map((x) => x.getAttribute('data-rule')));
    expect(eventRules.length).toBeGreaterThan(0);
    expect(eventRules.length).toBeLessThan(allRules.length);
    expect(eventRules.every((r) => r!.startsWith('amount'))).toBe(true);
    expect(await page.locator('#tiles [aria-pressed="true"]').getAttribute('data-table')).toBe('demo.events');

    // And the NYC table.
    await page.selectOption('#table', 'demo.nyc311');
    await expect.poll(() => shownSnapshotIds(page), POLL).toEqual(nycSnaps);

    // A custom range before anything happened shows no commits; the last hour shows them all.
    await page.selectOption('#table', '');
    await page.selectOption('#range', 'custom');
    await page.locator('#from').waitFor({ state: 'visible' });
    await expect.poll(() => shownSnapshotIds(page), POLL).toEqual([...nycSnaps, ...eventSnaps].sort());
    await page.getByLabel('From', { exact: true }).fill('2020-01-01T00:00:00');
    await page.getByLabel('To', { exact: true }).fill('2020-01-02T00:00:00');
    await page.getByRole('button', { name: 'Apply' }).click();
    await expect
      .poll(() => page.locator('#commits tbody').textContent(), POLL)
      .toContain('No commits in this range');
    expect(Number(await page.locator('#throughput').getAttribute('data-points'))).toBe(0);

    // Screenshot of the default view (all tables, last 5 minutes).
    await page.selectOption('#range', '300000');
    await expect.poll(() => shownSnapshotIds(page), POLL).toEqual([...nycSnaps, ...eventSnaps].sort());
    await sleep(300);
    mkdirSync(join(ROOT, '.cache', 'screenshots'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT });
    if (process.env.FLOE_UPDATE_DOCS_SCREENSHOT === '1')
      copyFileSync(SCREENSHOT, join(ROOT, 'docs', 'dashboard.png'));
    expect(existsSync(SCREENSHOT)).toBe(true);

    expect(problems).toEqual([]);
  }, 420_000);
});
