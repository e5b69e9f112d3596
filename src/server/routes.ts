/**
 * The built-in routes: a fixed table of (method, path pattern, handler). Small on purpose: seven
 * routes do not need a framework. A path that matches with another method is a 405 with `Allow`.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export interface RouteContext {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly url: URL;
  /** Decoded path parameters, by name. */
  readonly params: Readonly<Record<string, string>>;
}

export interface Route {
  readonly method: 'GET' | 'POST';
  /** Path with `:name` segments, e.g. `/api/v1/status/:id`. */
  readonly path: string;
  /** The label of floe_http_requests_total (the path pattern). */
  readonly name: string;
  /** Answered without an API key. */
  readonly public: boolean;
  readonly handle: (c: RouteContext) => Promise<void> | void;
}

interface Compiled {
  readonly route: Route;
  readonly re: RegExp;
  readonly names: string[];
}

export type Match =
  | { kind: 'route'; route: Route; params: Record<string, string> }
  | { kind: 'method'; allow: string[]; public: boolean; name: string }
  | { kind: 'none' };

export class Router {
  private readonly compiled: Compiled[];

  constructor(routes: readonly Route[]) {
    this.compiled = routes.map((route) => {
      const names: string[] = [];
      const re = new RegExp(
        '^' +
          route.path
            .split('/')
            .map((seg) => {
              if (!seg.startsWith(':')) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
              names.push(seg.slice(1));
              return '([^/]+)';
            })
            .join('/') +
          '/?$',
      );
      return { route, re, names };
    });
  }

  match(method: string, pathname: string): Match {
    const allow: string[] = [];
    let other: Route | undefined;
    for (const c of this.compiled) {
      const m = c.re.exec(pathname);
      if (!m) continue;
      const wanted = method === 'HEAD' ? 'GET' : method;
      if (c.route.method === wanted) {
        const params: Record<string, string> = {};
        c.names.forEach((n, i) => {
          params[n] = decodeURIComponent(m[i + 1] as string);
        });
        return { kind: 'route', route: c.route, params };
      }
      allow.push(c.route.method);
      other ??= c.route;
    }
    return other ? { kind: 'method', allow, public: other.public, name: other.name } : { kind: 'none' };
  }
}
