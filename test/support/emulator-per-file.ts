import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { Emulator } from '../setup/kinesis.js';

/**
 * A Kinesis emulator and a temp directory for one test file: made before its tests (and handed to
 * `use`), stopped and removed after them.
 */
export function emulatorPerFile(
  dirPrefix: string,
  start: () => Promise<Emulator>,
  use: (emu: Emulator, dir: string) => void,
): void {
  let emu: Emulator | undefined;
  let dir: string | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), dirPrefix));
    emu = await start();
    use(emu, dir);
  }, 120_000);
  afterAll(async () => {
    await emu?.stop();
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  });
}
