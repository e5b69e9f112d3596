/**
 * One way for the benchmarks to run a command: output captured, the exit code resolved (never a
 * rejection for a non-zero one), and an optional time limit after which the child is killed.
 */
import { spawn } from 'node:child_process';

/**
 * Resolves with { code, signal, stdout, stderr }; a child killed by a signal reports code 128 (1
 * if neither is known).
 */
export function runChild(cmd, args, { env, cwd, timeoutMs } = {}) {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (d) => out.push(d));
    child.stderr.on('data', (d) => err.push(d));
    const timer = timeoutMs === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({
        code: code ?? (signal ? 128 : 1),
        signal,
        stdout: Buffer.concat(out).toString(),
        stderr: Buffer.concat(err).toString(),
      });
    });
  });
}
