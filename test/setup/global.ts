// Global test setup. OWNER: interop helper.
// Builds (or checks) the Python venv with the independent readers before any test file runs, and
// exports its interpreter as FLOE_PYTHON: test workers are started after this and inherit it.
import { ensureVenv } from './venv.js';

export default async function setup(): Promise<void> {
  if (process.env.FLOE_SKIP_VENV === '1') return;
  process.env.FLOE_PYTHON = await ensureVenv();
}
