/**
 * The `server` section of the consume config (plus FLOE_API_KEYS / FLOE_API_KEYS_FILE) → the
 * options of startHttpServer. Every problem here is a config error (exit 2), found before the
 * consumer starts: a missing key file, or a non-loopback host without keys.
 */
import type { ConsumeConfig } from '../consumer/config.js';
import { loadApiKeys } from './auth.js';
import { DEFAULT_MAX_BODY_BYTES } from './body.js';
import type { ReadinessOptions } from './health.js';
import { checkBinding, DEFAULT_HTTP_HOST, DEFAULT_HTTP_PORT } from './server.js';

export interface HttpSettings {
  readonly enabled: boolean;
  readonly host: string;
  readonly port: number;
  /** The port was chosen (flag or config), not the default: a busy port is then an error. */
  readonly portGiven: boolean;
  readonly apiKeys: readonly string[];
  readonly maxBodyBytes: number;
  /** KPL-aggregate ingested records (`server.ingestAggregate`, default true). */
  readonly ingestAggregate: boolean;
  readonly readiness: ReadinessOptions;
}

export async function httpSettings(
  server: ConsumeConfig['server'] | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<HttpSettings> {
  const s = server ?? { ready: {} };
  const host = s.host ?? DEFAULT_HTTP_HOST;
  const enabled = s.enabled ?? true;
  const apiKeys = enabled ? await loadApiKeys(env, s.apiKeysFile) : [];
  if (enabled) checkBinding(host, apiKeys.length);
  const r = s.ready ?? {};
  return {
    enabled,
    host,
    port: s.port ?? DEFAULT_HTTP_PORT,
    portGiven: s.port !== undefined,
    apiKeys,
    maxBodyBytes: s.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    ingestAggregate: s.ingestAggregate ?? true,
    readiness: {
      ...(r.maxCommitAgeSeconds !== undefined ? { maxCommitAgeMs: r.maxCommitAgeSeconds * 1000 } : {}),
      ...(r.catalogTimeoutMs !== undefined ? { catalogTimeoutMs: r.catalogTimeoutMs } : {}),
      ...(r.catalogCacheMs !== undefined ? { catalogCacheMs: r.catalogCacheMs } : {}),
    },
  };
}
