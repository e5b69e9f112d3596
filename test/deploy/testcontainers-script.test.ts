/**
 * scripts/testcontainers-localstack.mjs (npm run test:docker) is opt-in: where no Docker engine is
 * reachable it must say plainly that it did not run and exit with its own code, never 0.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  dockerCandidates,
  EXIT_NO_DOCKER,
  findDockerEngine,
  localstackImage,
} from '../../scripts/testcontainers-localstack.mjs';
import { parseYaml, REPO_ROOT } from './support.js';

const SCRIPT = join(REPO_ROOT, 'scripts/testcontainers-localstack.mjs');

describe('npm run test:docker', () => {
  it('without a reachable Docker engine: says it did NOT run and exits 3', () => {
    const r = spawnSync(process.execPath, [SCRIPT], {
      encoding: 'utf8',
      env: { ...process.env, DOCKER_HOST: 'tcp://127.0.0.1:9' },
      timeout: 60_000,
    });
    expect(r.stdout).toMatch(/did NOT run: no Docker engine is reachable \(tried tcp:\/\/127\.0\.0\.1:9\)/);
    expect(r.status).toBe(EXIT_NO_DOCKER);
    expect(EXIT_NO_DOCKER).toBe(3);
  });

  it('is wired as the npm script test:docker', () => {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      scripts: Record<string, string>;
    };
    expect(pkg.scripts['test:docker']).toBe('node scripts/testcontainers-localstack.mjs');
  });

  it('honours DOCKER_HOST alone, and otherwise probes the usual sockets', () => {
    expect(dockerCandidates({ DOCKER_HOST: 'tcp://10.0.0.1:2375' })).toEqual(['tcp://10.0.0.1:2375']);
    const defaults = dockerCandidates({ XDG_RUNTIME_DIR: '/run/user/1000' });
    expect(defaults[0]).toBe('unix:///var/run/docker.sock');
    expect(defaults).toContain('unix:///run/user/1000/docker.sock');
  });

  it('recognises an engine by its /_ping answer', async () => {
    const server = createServer((req, res) => {
      res.statusCode = req.url === '/_ping' ? 200 : 404;
      res.end('OK');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await findDockerEngine({ DOCKER_HOST: `tcp://127.0.0.1:${port}` })).toBe(
        `tcp://127.0.0.1:${port}`,
      );
    } finally {
      server.close();
    }
    expect(await findDockerEngine({ DOCKER_HOST: 'tcp://127.0.0.1:9' })).toBeUndefined();
  });

  it('starts the LocalStack image the compose file pins', async () => {
    const compose = parseYaml(readFileSync(join(REPO_ROOT, 'docker-compose.localstack.yml'), 'utf8')) as {
      services: { localstack: { image: string } };
    };
    expect(await localstackImage()).toBe(compose.services.localstack.image);
  });
});
