import { describe, expect, it } from 'vitest';
import { isFloeError } from '../../errors.js';
import { effectiveIOProperties } from './fileio.js';
import { RestHttp } from './http.js';

interface Call {
  url: string;
  headers: Record<string, string>;
  body?: string;
}

function fakeFetch(respond: (call: Call, n: number) => Response | Promise<Response>): {
  fetch: typeof fetch;
  calls: Call[];
} {
  const calls: Call[] = [];
  const f = (async (url: string, init: RequestInit) => {
    const call: Call = {
      url,
      headers: init.headers as Record<string, string>,
      ...(typeof init.body === 'string' ? { body: init.body } : {}),
    };
    calls.push(call);
    return respond(call, calls.length);
  }) as unknown as typeof fetch;
  return { fetch: f, calls };
}

const json = (status: number, body: unknown): Response =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('RestHttp', () => {
  it('OAuth2: fetches a token once, refreshes it after a 401 and retries the request', async () => {
    let tokens = 0;
    const { fetch, calls } = fakeFetch((call) => {
      if (call.url.endsWith('/v1/oauth/tokens')) {
        tokens++;
        return json(200, { access_token: `t${tokens}`, token_type: 'bearer', expires_in: 3600 });
      }
      if (call.headers.Authorization === 'Bearer t1' && calls.length > 3)
        return json(401, { error: { message: 'expired' } });
      return json(200, { ok: true });
    });
    const http = new RestHttp({ uri: 'http://cat', auth: { type: 'oauth2', credential: 'id:sec' }, fetch });
    await http.request({ method: 'GET', path: '/v1/config' });
    await http.request({ method: 'GET', path: '/v1/config' });
    expect(tokens).toBe(1);
    expect(calls[0]!.body).toContain('grant_type=client_credentials');
    expect(calls[0]!.body).toContain('client_id=id');
    await http.request({ method: 'GET', path: '/v1/namespaces' });
    expect(tokens).toBe(2);
    expect(calls.at(-1)!.headers.Authorization).toBe('Bearer t2');
  });

  it('SigV4: signs with the service, region and credentials given', async () => {
    const { fetch, calls } = fakeFetch(() => json(200, {}));
    const http = new RestHttp({
      uri: 'https://glue.us-east-1.amazonaws.com/iceberg',
      auth: {
        type: 'sigv4',
        region: 'us-east-1',
        service: 'glue',
        credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret', sessionToken: 'tok' },
      },
      fetch,
    });
    await http.request({
      method: 'POST',
      path: '/v1/catalogs/x/namespaces',
      body: { namespace: ['a'] },
      idempotencyKey: 'k',
    });
    const h = calls[0]!.headers;
    expect(h.authorization).toMatch(
      /^AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE\/\d{8}\/us-east-1\/glue\/aws4_request, SignedHeaders=.*idempotency-key.*, Signature=[0-9a-f]{64}$/,
    );
    expect(h['x-amz-date']).toMatch(/^\d{8}T\d{6}Z$/);
    expect(h['x-amz-security-token']).toBe('tok');
    expect(h['x-amz-content-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  it('maps commit failures: 409 conflict, 5xx and timeouts unknown, refused connection definite', async () => {
    const statuses = [409, 503];
    const { fetch } = fakeFetch((_c, n) =>
      json(statuses[n - 1]!, { error: { message: `m${n}`, type: 'X', code: 1 } }),
    );
    const http = new RestHttp({ uri: 'http://cat', auth: { type: 'none' }, fetch });
    const req = { method: 'POST' as const, path: '/v1/namespaces/a/tables/t', commit: true, body: {} };
    const conflict = await http.request(req).catch((e: unknown) => e);
    expect(isFloeError(conflict, 'commit-conflict') && conflict.retryable).toBe(true);
    const unknown = await http.request(req).catch((e: unknown) => e);
    expect(isFloeError(unknown, 'commit-state-unknown')).toBe(true);

    const slow = new RestHttp({
      uri: 'http://cat',
      auth: { type: 'none' },
      timeoutMs: 20,
      fetch: ((_u: string, init: RequestInit) =>
        new Promise((_r, reject) =>
          init.signal!.addEventListener('abort', () => reject(init.signal!.reason)),
        )) as unknown as typeof fetch,
    });
    const timeout = await slow.request(req).catch((e: unknown) => e);
    expect(isFloeError(timeout, 'commit-state-unknown')).toBe(true);
    expect((timeout as Error).message).toBe(
      'REST catalog http://cat: commit outcome unknown (no response within 20 ms)',
    );
  });
});

describe('vended FileIO properties', () => {
  it('overlays table config and the longest matching storage credential', () => {
    const props = effectiveIOProperties(
      { 's3.endpoint': 'http://base', 's3.access-key-id': 'base' },
      { 's3.access-key-id': 'table', 's3.secret-access-key': 'ts' },
      [
        { prefix: 's3://b/', config: { 's3.access-key-id': 'bucket' } },
        { prefix: 's3://b/wh/t', config: { 's3.access-key-id': 'vended', 's3.session-token': 'st' } },
        { prefix: 's3://other/', config: { 's3.access-key-id': 'other' } },
      ],
      's3://b/wh/t',
    );
    expect(props).toEqual({
      's3.endpoint': 'http://base',
      's3.access-key-id': 'vended',
      's3.secret-access-key': 'ts',
      's3.session-token': 'st',
    });
  });
});
