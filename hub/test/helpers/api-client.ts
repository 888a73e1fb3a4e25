import type { IncomingHttpHeaders } from 'node:http';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * A tiny HTTP client for the hub's API in tests: JSON in and out, the hub CA trusted, the admin
 * token sent unless told otherwise; plus a line-by-line watch stream reader.
 */
export interface ApiConnection {
  url: string;
  token: string;
  caPem?: string;
}

export interface ApiResponse {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected freely
  body: any;
}

export interface RequestOptions {
  body?: unknown;
  /** Raw body bytes/text, sent as is. */
  raw?: string | Buffer;
  contentType?: string;
  accept?: string;
  /** Override the token ('' = no Authorization header). */
  token?: string;
  headers?: Record<string, string>;
  /** Send the body chunked, without Content-Length. */
  chunked?: boolean;
}

function send(conn: ApiConnection, method: string, path: string, options: RequestOptions) {
  const url = new URL(path, conn.url);
  const token = options.token ?? conn.token;
  const headers: Record<string, string> = { ...(options.headers ?? {}) };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.accept) headers.accept = options.accept;
  let payload: Buffer | undefined;
  if (options.raw !== undefined) payload = Buffer.from(options.raw);
  else if (options.body !== undefined) payload = Buffer.from(JSON.stringify(options.body));
  if (payload) {
    headers['content-type'] = options.contentType ?? 'application/json';
    if (!options.chunked) headers['content-length'] = String(payload.length);
  }
  const requester = url.protocol === 'https:' ? httpsRequest : httpRequest;
  const req = requester(url, { method, headers, ...(conn.caPem ? { ca: conn.caPem } : {}) });
  if (payload && options.chunked) {
    for (let i = 0; i < payload.length; i += 64 * 1024) req.write(payload.subarray(i, i + 64 * 1024));
    req.end();
  } else if (payload) req.end(payload);
  else req.end();
  return req;
}

export function api(
  conn: ApiConnection,
  method: string,
  path: string,
  options: RequestOptions = {},
): Promise<ApiResponse> {
  return new Promise((resolve, reject) => {
    const req = send(conn, method, path, options);
    req.on('error', reject);
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // not JSON
        }
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body });
      });
    });
  });
}

export interface WatchEventLine {
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected freely
  object: any;
}

/** An open watch: events as they arrive, `next` to wait for one, `close` to hang up. */
export interface WatchStream {
  status: number;
  events: WatchEventLine[];
  ended: Promise<void>;
  next(predicate?: (e: WatchEventLine) => boolean, timeoutMs?: number): Promise<WatchEventLine>;
  close(): void;
}

export function watch(conn: ApiConnection, path: string, options: RequestOptions = {}): Promise<WatchStream> {
  return new Promise((resolve, reject) => {
    const req = send(conn, 'GET', path, options);
    req.on('error', reject);
    req.on('response', (res) => {
      const events: WatchEventLine[] = [];
      const waiters: { predicate: (e: WatchEventLine) => boolean; resolve: (e: WatchEventLine) => void }[] = [];
      let consumed = 0;
      let buffer = '';
      let endResolve!: () => void;
      const ended = new Promise<void>((r) => {
        endResolve = r;
      });
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let nl = buffer.indexOf('\n');
        while (nl >= 0) {
          const line = buffer.slice(0, nl).trim();
          buffer = buffer.slice(nl + 1);
          if (line) {
            const event = JSON.parse(line) as WatchEventLine;
            events.push(event);
            for (const w of waiters.splice(0)) {
              if (w.predicate(event)) w.resolve(event);
              else waiters.push(w);
            }
          }
          nl = buffer.indexOf('\n');
        }
      });
      res.on('end', endResolve);
      res.on('close', endResolve);
      res.on('error', endResolve);
      resolve({
        status: res.statusCode ?? 0,
        events,
        ended,
        next(predicate = () => true, timeoutMs = 15_000) {
          const found = events.slice(consumed).find(predicate);
          if (found) {
            consumed = events.indexOf(found) + 1;
            return Promise.resolve(found);
          }
          return new Promise((ok, fail) => {
            const timer = setTimeout(
              () => fail(new Error(`no matching watch event within ${timeoutMs} ms`)),
              timeoutMs,
            );
            waiters.push({
              predicate,
              resolve: (e) => {
                clearTimeout(timer);
                consumed = events.indexOf(e) + 1;
                ok(e);
              },
            });
          });
        },
        close() {
          req.destroy();
        },
      });
    });
  });
}

export function podManifest(name: string, labels: Record<string, string> = {}, extra: Record<string, unknown> = {}) {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, labels },
    spec: { containers: [{ name: 'app', image: 'localhost/edge-test/busybox:1' }], ...extra },
  };
}

export function deploymentManifest(name: string, replicas = 1) {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, labels: { app: name } },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: {
        metadata: { labels: { app: name } },
        spec: { containers: [{ name: 'app', image: 'localhost/edge-test/httpd:1' }] },
      },
    },
  };
}
