import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { component, createLogger } from './log.js';

describe('consumer logs', () => {
  it('carry a component on every line and never print credentials', async () => {
    const out = new PassThrough();
    let text = '';
    out.on('data', (d: Buffer) => (text += d.toString()));
    const log = component(createLogger({ destination: out }), 'commit');
    log.info(
      { catalog: { uri: 'http://c', token: 'T0KEN', credential: 'id:s3cret' }, secretAccessKey: 'AK' },
      'opened',
    );
    await new Promise((r) => setImmediate(r));
    const line = JSON.parse(text.trim()) as Record<string, unknown>;
    expect(line.component).toBe('commit');
    expect(text).not.toMatch(/T0KEN|s3cret|"AK"/);
    expect(line.catalog).toEqual({ uri: 'http://c', token: '[redacted]', credential: '[redacted]' });
    text = '';
    log.info(
      { req: { headers: { 'x-api-key': 'K3Y', authorization: 'Bearer K3Y' } }, apiKeys: ['K3Y'] },
      'req',
    );
    await new Promise((r) => setImmediate(r));
    expect(text).toContain('"req"');
    expect(text).not.toContain('K3Y');
  });
});
