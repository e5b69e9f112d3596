/**
 * HTTP for the REST catalog: one `request()` that authenticates, times out, and turns every failure
 * into a FloeError whose kind says what the caller can do about it.
 *
 * Auth: a static bearer token, OAuth2 client credentials (token fetched lazily, refreshed before it
 * expires and once more on a 401/419), or AWS SigV4 (Glue's Iceberg REST endpoint, S3 Tables).
 * Secrets never appear in error messages.
 */
import { createHash, createHmac } from 'node:crypto';
import { FloeError } from '../../errors.js';
import { parseJson, stringifyJson, type JsonValue } from '../../iceberg/spec/json.js';

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export type RestAuth =
  | { type: 'none' }
  | { type: 'bearer'; token: string }
  | {
      type: 'oauth2';
      /** `client_id:client_secret` (Iceberg's `credential` property), or a bare secret. */
      credential: string;
      /** Token endpoint; default `<uri>/v1/oauth/tokens` (Iceberg's default). */
      serverUri?: string;
      /** Default `catalog`, as Java and PyIceberg. */
      scope?: string;
    }
  | {
      type: 'sigv4';
      region: string;
      /** `glue` for Glue's Iceberg endpoint, `s3tables` for S3 Tables. */
      service: string;
      /** Default: the AWS SDK's default credential chain. */
      credentials?: AwsCredentials | (() => Promise<AwsCredentials>);
    };

export interface HttpOptions {
  uri: string;
  auth: RestAuth;
  headers?: Record<string, string>;
  /** Per-request timeout; default 30 s. */
  timeoutMs?: number;
  /** Replaceable for tests. */
  fetch?: typeof fetch;
}

export interface RestRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'DELETE';
  /** Path below the base URI, e.g. `/v1/config`. */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Mutations carry an Idempotency-Key so a server can recognise a retried request. */
  idempotencyKey?: string;
  /** What a failure means: during a commit, a transport failure leaves the outcome unknown. */
  commit?: boolean;
}

export interface RestResponse {
  status: number;
  body: JsonValue | undefined;
}

const REFRESH_MARGIN_MS = 60_000;

interface ErrorBody {
  message?: string;
  type?: string;
  code?: number;
}

function errorBody(body: JsonValue | undefined): ErrorBody {
  if (body && typeof body === 'object' && !Array.isArray(body)) {
    const e = (body as Record<string, unknown>).error;
    if (e && typeof e === 'object') return e as ErrorBody;
  }
  return {};
}

/** The first line of the server's message, without Java stack noise. */
function serverMessage(body: JsonValue | undefined, status: number): string {
  const e = errorBody(body);
  const text = (e.message ?? '').split('\n')[0]!.trim();
  return text ? `${text}${e.type ? ` (${e.type})` : ''}` : `HTTP ${status}`;
}

class Sha256 {
  private readonly h;
  constructor(secret?: unknown) {
    this.h =
      secret === undefined
        ? createHash('sha256')
        : createHmac('sha256', typeof secret === 'string' ? secret : Buffer.from(secret as Uint8Array));
  }
  update(data: string | Uint8Array): void {
    this.h.update(typeof data === 'string' ? Buffer.from(data, 'utf8') : data);
  }
  digest(): Promise<Uint8Array> {
    return Promise.resolve(new Uint8Array(this.h.digest()));
  }
}

export class RestHttp {
  readonly uri: string;
  private readonly auth: RestAuth;
  private readonly headers: Record<string, string>;
  private readonly timeoutMs: number;
  private readonly fetchImpl: typeof fetch;
  private token: { value: string; expiresAtMs: number } | undefined;
  private tokenPromise: Promise<string> | undefined;
  private signer: Promise<(req: SignableRequest) => Promise<Record<string, string>>> | undefined;

  constructor(options: HttpOptions) {
    this.uri = options.uri.replace(/\/+$/, '');
    this.auth = options.auth;
    this.headers = { ...options.headers };
    this.timeoutMs = options.timeoutMs ?? 30_000;
    this.fetchImpl = options.fetch ?? fetch;
  }

  async request(req: RestRequest): Promise<RestResponse> {
    let res = await this.send(req, false);
    if ((res.status === 401 || res.status === 419) && this.auth.type === 'oauth2') {
      // The token may have been revoked or expired early: fetch a fresh one, once.
      this.token = undefined;
      res = await this.send(req, true);
    }
    if (res.status >= 200 && res.status < 300) return res;
    throw this.statusError(req, res);
  }

  private url(req: RestRequest): string {
    const q = new URLSearchParams();
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) q.set(k, v);
    const qs = q.toString();
    return `${this.uri}${req.path}${qs ? `?${qs}` : ''}`;
  }

  private async send(req: RestRequest, retryAuth: boolean): Promise<RestResponse> {
    const url = this.url(req);
    const body = req.body === undefined ? undefined : stringifyJson(req.body);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'X-Client-Version': 'floe',
      ...this.headers,
      ...(body !== undefined ? { 'Content-Type': 'application/json' } : {}),
      ...(req.idempotencyKey ? { 'Idempotency-Key': req.idempotencyKey } : {}),
    };
    Object.assign(headers, await this.authHeaders(req.method, url, headers, body, retryAuth));
    let res: Response;
    try {
      res = await this.fetchImpl(url, {
        method: req.method,
        headers,
        ...(body !== undefined ? { body } : {}),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
    } catch (err) {
      throw this.transportError(req, err);
    }
    let text: string;
    try {
      text = req.method === 'HEAD' ? '' : await res.text();
    } catch (err) {
      throw this.transportError(req, err);
    }
    let parsed: JsonValue | undefined;
    if (text.trim() !== '') {
      try {
        parsed = parseJson(text);
      } catch {
        parsed = undefined;
      }
    }
    return { status: res.status, body: parsed };
  }

  private transportError(req: RestRequest, err: unknown): FloeError {
    const e = err as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    const timedOut = e?.name === 'TimeoutError' || e?.name === 'AbortError';
    const code = e?.cause?.code;
    const why = timedOut
      ? `no response within ${this.timeoutMs} ms`
      : (code ?? e?.cause?.message ?? e?.message ?? 'error');
    // A refused connection never reached the server: the commit definitely did not happen.
    const neverSent = code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'EAI_AGAIN';
    if (req.commit && !neverSent) {
      return new FloeError(
        'commit-state-unknown',
        `REST catalog ${this.uri}: commit outcome unknown (${why})`,
        { cause: err, retryable: true },
      );
    }
    return new FloeError('io', `cannot reach the REST catalog at ${this.uri}: ${why}`, { cause: err });
  }

  private statusError(req: RestRequest, res: RestResponse): FloeError {
    const msg = serverMessage(res.body, res.status);
    const type = errorBody(res.body).type ?? '';
    const what = `${req.method} ${req.path}`;
    switch (true) {
      case res.status === 401 || res.status === 403 || res.status === 419:
        return new FloeError(
          'config',
          `REST catalog ${this.uri} rejected the credentials (HTTP ${res.status}): ${msg}`,
        );
      case res.status === 404:
        return new FloeError('not-found', msg);
      case res.status === 409 && req.commit === true:
        return new FloeError('commit-conflict', `REST catalog: commit conflict: ${msg}`);
      case res.status === 409 && /NotEmpty/i.test(type):
        return new FloeError('usage', msg);
      case res.status === 409:
        return new FloeError('already-exists', msg);
      case res.status === 400 || res.status === 406 || res.status === 422:
        return new FloeError('usage', `REST catalog rejected ${what}: ${msg}`);
      case req.commit === true && (res.status >= 500 || res.status === 408 || res.status === 429):
        // 5xx on a commit: the server may have applied it before failing (spec: CommitStateUnknown).
        return new FloeError('commit-state-unknown', `REST catalog: commit outcome unknown: ${msg}`, {
          retryable: true,
        });
      default:
        return new FloeError('io', `REST catalog ${what} failed: ${msg}`, {
          retryable: res.status >= 500 || res.status === 429 || res.status === 408,
        });
    }
  }

  private async authHeaders(
    method: string,
    url: string,
    headers: Record<string, string>,
    body: string | undefined,
    forceRefresh: boolean,
  ): Promise<Record<string, string>> {
    switch (this.auth.type) {
      case 'none':
        return {};
      case 'bearer':
        return { Authorization: `Bearer ${this.auth.token}` };
      case 'oauth2':
        return { Authorization: `Bearer ${await this.oauthToken(forceRefresh)}` };
      case 'sigv4': {
        this.signer ??= makeSigner(this.auth);
        return (await this.signer)({ method, url, headers, body });
      }
    }
  }

  /** Client-credentials token, refreshed shortly before `expires_in` runs out. */
  private async oauthToken(forceRefresh: boolean): Promise<string> {
    if (this.auth.type !== 'oauth2') throw new FloeError('internal', 'not an OAuth2 catalog');
    if (!forceRefresh && this.token && Date.now() < this.token.expiresAtMs - REFRESH_MARGIN_MS)
      return this.token.value;
    this.tokenPromise ??= this.fetchToken(this.auth).finally(() => (this.tokenPromise = undefined));
    return this.tokenPromise;
  }

  private async fetchToken(auth: Extract<RestAuth, { type: 'oauth2' }>): Promise<string> {
    const colon = auth.credential.indexOf(':');
    const clientId = colon >= 0 ? auth.credential.slice(0, colon) : undefined;
    const secret = colon >= 0 ? auth.credential.slice(colon + 1) : auth.credential;
    const form = new URLSearchParams({ grant_type: 'client_credentials', scope: auth.scope ?? 'catalog' });
    if (clientId !== undefined) form.set('client_id', clientId);
    form.set('client_secret', secret);
    const url = auth.serverUri ?? `${this.uri}/v1/oauth/tokens`;
    let res: Response;
    let text: string;
    try {
      res = await this.fetchImpl(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      text = await res.text();
    } catch (err) {
      const e = err as { cause?: { code?: string }; message?: string };
      throw new FloeError(
        'io',
        `cannot reach the OAuth2 token endpoint ${url}: ${e?.cause?.code ?? e?.message ?? 'error'}`,
        { cause: err },
      );
    }
    let json: Record<string, unknown> = {};
    try {
      json = JSON.parse(text) as Record<string, unknown>;
    } catch {
      // reported below
    }
    if (!res.ok || typeof json.access_token !== 'string') {
      const reason =
        typeof json.error_description === 'string'
          ? json.error_description
          : typeof json.error === 'string'
            ? json.error
            : `HTTP ${res.status}`;
      throw new FloeError('config', `OAuth2 token request to ${url} was rejected: ${reason}`);
    }
    const expiresIn = typeof json.expires_in === 'number' ? json.expires_in : 3600;
    this.token = { value: json.access_token, expiresAtMs: Date.now() + expiresIn * 1000 };
    return json.access_token;
  }
}

interface SignableRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string | undefined;
}

async function makeSigner(
  auth: Extract<RestAuth, { type: 'sigv4' }>,
): Promise<(req: SignableRequest) => Promise<Record<string, string>>> {
  const { SignatureV4 } = await import('@smithy/signature-v4');
  let credentials: () => Promise<AwsCredentials>;
  if (typeof auth.credentials === 'function') credentials = auth.credentials;
  else if (auth.credentials) {
    const fixed = auth.credentials;
    credentials = () => Promise.resolve(fixed);
  } else {
    const { fromNodeProviderChain } = await import('@aws-sdk/credential-providers');
    credentials = fromNodeProviderChain();
  }
  const signer = new SignatureV4({
    service: auth.service,
    region: auth.region,
    credentials,
    sha256: Sha256 as never,
  });
  return async (req) => {
    const u = new URL(req.url);
    const query: Record<string, string> = {};
    for (const [k, v] of u.searchParams) query[k] = v;
    const headers: Record<string, string> = { ...req.headers, host: u.host };
    const signed = await signer.sign({
      method: req.method,
      protocol: u.protocol,
      hostname: u.hostname,
      ...(u.port ? { port: Number(u.port) } : {}),
      // Already percent-encoded; the signer encodes it once more, as SigV4 wants for non-S3 services.
      path: u.pathname,
      query,
      headers,
      ...(req.body !== undefined ? { body: req.body } : {}),
    });
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(signed.headers as Record<string, string>)) {
      if (k.toLowerCase() !== 'host') out[k] = v;
    }
    return out;
  };
}
