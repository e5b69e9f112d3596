// Global test setup: builds (or checks) the Python venv with the independent readers before any
// test file runs, and exports its interpreter as FLOE_PYTHON (test workers are started after this
// and inherit it); makes sure Debian's chromium is there for the browser test.
import { ensureChromium } from './chromium.js';
import { ensureVenv } from './venv.js';

export default async function setup(): Promise<void> {
  ensureChromium();
  if (process.env.FLOE_SKIP_VENV === '1') return;
  process.env.FLOE_PYTHON = await ensureVenv();
}
