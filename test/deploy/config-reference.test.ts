/**
 * docs/configuration.md is generated from ConsumeConfigSchema (scripts/config-reference.mjs): this
 * fails when the committed file no longer matches the schema in src/, or when a config key has no
 * `.describe()` text to document it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { ConsumeConfigSchema } from '../../src/consumer/config.js';
import { OUTPUT, renderConfigReference, undocumented } from '../../scripts/config-reference.mjs';
import { REPO_ROOT } from './support.js';

describe('docs/configuration.md', () => {
  const rendered = renderConfigReference(ConsumeConfigSchema);

  it('is up to date with ConsumeConfigSchema (else run npm run docs:config)', () => {
    const committed = readFileSync(join(REPO_ROOT, OUTPUT), 'utf8');
    // One assertion on the whole text: the diff vitest prints shows what changed.
    expect(committed, `${OUTPUT} is out of date: run npm run docs:config`).toBe(rendered);
  });

  it('documents every key of the schema, each with a description', () => {
    expect(undocumented(ConsumeConfigSchema)).toEqual([]);
    for (const key of Object.keys(ConsumeConfigSchema.shape)) expect(rendered).toContain(`| \`${key}\` |`);
    for (const section of [
      '## kinesis',
      '## catalog',
      '## batching',
      '## tables[]',
      '## tables[].dedupeWindow',
    ]) {
      expect(rendered).toContain(section);
    }
  });

  it('reflects types, defaults and required keys from the schema', () => {
    expect(rendered).toMatch(/\| `tables` \| list of object \(at least 1\) \| \*\*required\*\* \|/);
    expect(rendered).toMatch(/\| `format` \| `json`, `csv` \| `json` \|/);
    expect(rendered).toMatch(/\| `commitIntervalSeconds` \| number ≥ 1 \|/);
  });

  it('a schema change changes the reference (the renderer reads the schema, not a template)', () => {
    const changed = ConsumeConfigSchema.extend({
      extraSetting: z.number().int().min(3).default(7).describe('A key that exists only in this test.'),
    });
    const text = renderConfigReference(changed);
    expect(text).not.toBe(rendered);
    expect(text).toContain('| `extraSetting` | integer ≥ 3 | `7` | A key that exists only in this test. |');
    const missing = ConsumeConfigSchema.extend({ silentKey: z.string().optional() });
    expect(undocumented(missing)).toEqual(['silentKey']);
  });
});
