// Debian's Chromium for the dashboard's browser test: playwright-core drives it, and never
// downloads a browser of its own. When it is missing and we are root with apt-get (CI, a fresh
// Debian machine), install it here so `npm test` stays the one command; otherwise the browser
// test fails with a message that says how to install it.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = process.env.FLOE_CHROMIUM ?? '/usr/bin/chromium';

export function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    console.warn(`[setup] ${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)`);
    return;
  }
  console.log('[setup] installing Debian chromium for the browser test (apt-get, once)…');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env, timeout: 300_000 });
    execFileSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'ignore', env, timeout: 600_000 });
  } catch (err) {
    console.warn(`[setup] could not install chromium: ${(err as Error).message.split('\n')[0]}`);
  }
}
