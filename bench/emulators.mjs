/**
 * The Kinesis emulators the benchmarks run against, started as child processes listening on
 * 127.0.0.1 only (kinesis-local has no bind-address setting: a preload pins its listeners to
 * loopback, as src/dev/emulator.ts does for `npm start`).
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

export const freePort = () =>
  new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const p = s.address().port;
      s.close(() => res(p));
    });
  });

const LOOPBACK_ONLY = `import net from 'node:net';
const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function (...a) {
  if (a[0] && typeof a[0] === 'object') a[0] = { ...a[0], host: '127.0.0.1' };
  else if (typeof a[1] === 'string' || a[1] == null) a[1] = '127.0.0.1'; else a.splice(1, 0, '127.0.0.1');
  return listen.apply(this, a);
};`;

/** Starts kinesalite (in memory) or kinesis-local; resolves to the child and its endpoint (not yet ready). */
export async function spawnEmulator(name) {
  const port = await freePort();
  let child;
  if (name === 'kinesalite') {
    child = spawn(
      process.execPath,
      ['-e', `require('kinesalite')({createStreamMs:0,shardLimit:100}).listen(${port},'127.0.0.1')`],
      { cwd: ROOT, stdio: 'ignore' },
    );
  } else {
    const kl = join(ROOT, 'node_modules/kinesis-local');
    child = spawn(
      process.execPath,
      ['--import', `data:text/javascript,${encodeURIComponent(LOOPBACK_ONLY)}`, join(kl, 'main.js')],
      {
        env: {
          PATH: process.env.PATH,
          KINESIS_MOCK_CERT_PATH: join(kl, 'server.json'),
          KINESIS_MOCK_PLAIN_PORT: String(port),
          KINESIS_MOCK_TLS_PORT: String(await freePort()),
          CREATE_STREAM_DURATION: '0ms',
          LOG_LEVEL: 'ERROR',
        },
        stdio: 'ignore',
      },
    );
  }
  return { child, endpoint: `http://127.0.0.1:${port}` };
}
