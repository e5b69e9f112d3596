/**
 * A recording HTTP proxy in front of a REST catalog: it remembers each request's method, path and
 * headers, and can forward a commit and then drop the connection (the commit applied, the response
 * lost) or answer a commit with a 503 without forwarding it.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
}

export interface Proxy {
  uri: string;
  seen: SeenRequest[];
  /** Forward the next n commits, then drop the connection without answering. */
  loseCommitResponses(n: number): void;
  stop(): Promise<void>;
}

const COMMIT = /\/namespaces\/[^/]+\/tables\/[^/?]+$/;

export async function startProxy(upstream: string): Promise<Proxy> {
  const seen: SeenRequest[] = [];
  let lose = 0;
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      void (async () => {
        const path = req.url ?? '/';
        seen.push({ method: req.method ?? 'GET', path, headers: req.headers });
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) {
          if (typeof v === 'string' && !['host', 'connection', 'content-length'].includes(k)) headers[k] = v;
        }
        const body = chunks.length > 0 ? Buffer.concat(chunks) : undefined;
        const up = await fetch(`${upstream}${path}`, {
          method: req.method ?? 'GET',
          headers,
          ...(body && req.method !== 'GET' && req.method !== 'HEAD' ? { body } : {}),
        });
        const text = await up.arrayBuffer();
        if (req.method === 'POST' && COMMIT.test(path.split('?')[0]!) && lose > 0) {
          lose--;
          req.socket.destroy();
          return;
        }
        const out: Record<string, string> = {};
        up.headers.forEach((v, k) => {
          if (!['content-encoding', 'content-length', 'transfer-encoding', 'connection'].includes(k))
            out[k] = v;
        });
        res.writeHead(up.status, out);
        res.end(Buffer.from(text));
      })().catch((err: unknown) => {
        res.writeHead(502);
        res.end(String(err));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  return {
    uri: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    seen,
    loseCommitResponses: (n) => {
      lose = n;
    },
    stop: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
