import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Route } from './routes.js';

/** Bearer-token authentication of the admin user; a few read-only probes stay anonymous. */

const ANONYMOUS_ROUTES = new Set<Route['kind']>(['version', 'health']);

export function allowsAnonymous(route: Route): boolean {
  return ANONYMOUS_ROUTES.has(route.kind);
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

export class BearerAuthenticator {
  private readonly expected: Buffer;

  constructor(token: string) {
    this.expected = digest(token);
  }

  /** True when the request carries `Authorization: Bearer <the admin token>` (constant-time compare). */
  authenticate(req: IncomingMessage): boolean {
    const header = req.headers.authorization;
    if (typeof header !== 'string') return false;
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    return match !== null && timingSafeEqual(digest(match[1]), this.expected);
  }
}
