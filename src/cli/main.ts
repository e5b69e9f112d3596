#!/usr/bin/env node
/** The `floe` executable (package.json bin -> dist/cli/main.js). */
import { defaultContext } from './context.js';
import { runCli } from './run.js';

const code = await runCli(process.argv.slice(2), defaultContext());
// exitCode, not exit(): lets stdout drain when piped.
process.exitCode = code;
