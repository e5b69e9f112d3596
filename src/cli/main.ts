#!/usr/bin/env node
/** The `floe` executable (package.json bin -> dist/cli/main.js). */
import { defaultContext } from './context.js';
import { runCli } from './run.js';

// The AWS SDK warns on every start under Node 20, which floe supports deliberately; the S3 client is
// loaded lazily, so setting this before any command runs is enough.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const code = await runCli(process.argv.slice(2), defaultContext());
// exitCode, not exit(): lets stdout drain when piped.
process.exitCode = code;
