/**
 * docs/metrics.md is the metrics reference: every metric the server exposes must be listed there
 * with its type, and every metric listed there must exist.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PromMetrics } from './prometheus.js';
import { stubConsumer } from './test-support.js';

const DOC = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'metrics.md');

/** `| \`name\` | type | labels | meaning |` rows → name → type. */
function documented(): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of readFileSync(DOC, 'utf8').split('\n')) {
    const m = /^\|\s*`([a-z_:][a-z0-9_:]*)`\s*\|\s*([a-z]+)\s*\|/.exec(line);
    if (m) out.set(m[1] as string, m[2] as string);
  }
  return out;
}

describe('docs/metrics.md', () => {
  it('lists every exposed metric with its type, and nothing that does not exist', async () => {
    const m = new PromMetrics(stubConsumer());
    try {
      const exposed = new Map((await m.registry.getMetricsAsJSON()).map((x) => [x.name, String(x.type)]));
      const docs = documented();
      const missing = [...exposed.keys()].filter((n) => !docs.has(n));
      expect(missing, 'metrics missing from docs/metrics.md').toEqual([]);
      const stale = [...docs.keys()].filter((n) => !exposed.has(n));
      expect(stale, 'metrics in docs/metrics.md that do not exist').toEqual([]);
      for (const [name, type] of exposed) expect(`${name}: ${docs.get(name)}`).toBe(`${name}: ${type}`);
    } finally {
      m.close();
    }
  });
});
