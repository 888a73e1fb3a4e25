/**
 * The HTTPS (or HTTP) client for the hub's Kubernetes REST API: keep-alive agent, CA / bearer token /
 * client certificate from the kubeconfig, JSON requests, streams (logs) and watches.
 */
import type { IncomingMessage, OutgoingHttpHeaders, RequestOptions } from 'node:http';
import type { Connection } from './kubeconfig.js';

export interface Status {
  kind?: string;
  apiVersion?: string;
  status?: string;
  message?: string;
  reason?: string;
  code?: number;
  details?: {
    name?: string;
    group?: string;
    kind?: string;
    causes?: { reason?: string; message?: string; field?: string }[];
  };
}

/** A non-2xx reply from the server. `status` is the Status body, or one synthesized from the reply. */
export class StatusError extends Error {
  constructor(
    readonly httpCode: number,
    readonly status: Status,
    /** Whether the body was a real Status (kubectl words replies differently otherwise). */
    readonly fromServer: boolean,
  ) {
    super(status.message ?? `the server responded with status ${httpCode}`);
  }
  get reason(): string | undefined {
    return this.status.reason;
  }
}

/** The hub could not be reached at all. */
export class ConnectionError extends Error {
  constructor(
    readonly hostPort: string,
    readonly errno: NodeJS.ErrnoException,
  ) {
    super(
      errno.code === 'ECONNREFUSED'
        ? `The connection to the server ${hostPort} was refused - did you specify the right host or port?`
        : `Unable to connect to the server: ${errno.message}`,
    );
  }
}

export type Query = Record<string, string | number | boolean | string[] | undefined>;

export interface RequestOpts {
  query?: Query;
  body?: unknown;
  contentType?: string;
  accept?: string;
  /** Resolve with the raw response instead of reading the body (streams). */
  stream?: boolean;
  timeoutMs?: number;
}

export const TABLE_ACCEPT =
  'application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json';

export function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const parts: string[] = [];
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined) continue;
    for (const item of Array.isArray(v) ? v : [v])
      parts.push(`${encodeURIComponent(k)}=${encodeURIComponent(String(item))}`);
  }
  return parts.length ? `?${parts.join('&')}` : '';
}

const REASON_BY_CODE: Record<number, string> = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  409: 'Conflict',
  410: 'Expired',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
};

export class Client {
  readonly url: URL;
  private agentPromise?: Promise<import('node:http').Agent>;

  constructor(
    readonly conn: Connection,
    readonly defaultTimeoutMs = 0,
  ) {
    this.url = new URL(conn.server.includes('://') ? conn.server : `https://${conn.server}`);
  }

  get hostPort(): string {
    return this.url.port ? `${this.url.hostname}:${this.url.port}` : this.url.host;
  }

  get namespace(): string {
    return this.conn.namespace;
  }

  private async agent(): Promise<import('node:http').Agent> {
    this.agentPromise ??= (async () => {
      if (this.url.protocol === 'http:') {
        const http = await import('node:http');
        return new http.Agent({ keepAlive: true });
      }
      const https = await import('node:https');
      return new https.Agent({
        keepAlive: true,
        ca: this.conn.ca,
        cert: this.conn.cert,
        key: this.conn.key,
        rejectUnauthorized: !this.conn.insecure,
      });
    })();
    return this.agentPromise;
  }

  /** Headers for a request; also used by the WebSocket exec client. */
  authHeaders(): OutgoingHttpHeaders {
    const h: OutgoingHttpHeaders = { 'User-Agent': 'peapod/0.1.0' };
    if (this.conn.token && this.url.protocol === 'https:') h.Authorization = `Bearer ${this.conn.token}`;
    return h;
  }

  /** TLS options for other transports (WebSocket). */
  tlsOptions(): { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized: boolean } {
    return { ca: this.conn.ca, cert: this.conn.cert, key: this.conn.key, rejectUnauthorized: !this.conn.insecure };
  }

  async raw(method: string, path: string, opts: RequestOpts = {}): Promise<IncomingMessage> {
    const mod = this.url.protocol === 'http:' ? await import('node:http') : await import('node:https');
    const agent = await this.agent();
    const headers: OutgoingHttpHeaders = { ...this.authHeaders(), Accept: opts.accept ?? 'application/json' };
    let payload: Buffer | undefined;
    if (opts.body !== undefined) {
      payload = Buffer.from(typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body));
      headers['Content-Type'] = opts.contentType ?? 'application/json';
      headers['Content-Length'] = payload.length;
    }
    const reqOpts: RequestOptions = {
      method,
      hostname: this.url.hostname.replace(/^\[|\]$/g, ''),
      port: this.url.port || (this.url.protocol === 'http:' ? 80 : 443),
      path: this.url.pathname.replace(/\/$/, '') + path + encodeQuery(opts.query),
      headers,
      agent,
    };
    const timeoutMs = opts.timeoutMs ?? (opts.stream ? 0 : this.defaultTimeoutMs);
    return new Promise((resolve, reject) => {
      const req = mod.request(reqOpts, resolve);
      req.on('error', (e: NodeJS.ErrnoException) => {
        if (
          e.code === 'ECONNREFUSED' ||
          e.code === 'ENOTFOUND' ||
          e.code === 'EHOSTUNREACH' ||
          e.code === 'ECONNRESET'
        ) {
          reject(new ConnectionError(this.hostPort, e));
        } else if (e.code === 'ETIMEDOUT_PEAPOD') {
          reject(e);
        } else reject(new ConnectionError(this.hostPort, e));
      });
      if (timeoutMs > 0) {
        req.setTimeout(timeoutMs, () => {
          const err = new Error(
            `Unable to connect to the server: net/http: request canceled (Client.Timeout exceeded while awaiting headers)`,
          ) as NodeJS.ErrnoException;
          err.code = 'ETIMEDOUT_PEAPOD';
          req.destroy(err);
        });
      }
      if (payload) req.write(payload);
      req.end();
    });
  }

  /** Sends a request and parses the JSON reply; throws StatusError for non-2xx replies. */
  async request<T = unknown>(method: string, path: string, opts: RequestOpts = {}): Promise<T> {
    const res = await this.raw(method, path, opts);
    const text = await readBody(res);
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw toStatusError(code, text);
    if (!text) return undefined as T;
    try {
      return JSON.parse(text) as T;
    } catch {
      return text as T;
    }
  }

  get<T = unknown>(path: string, query?: Query, accept?: string): Promise<T> {
    return this.request<T>('GET', path, { query, accept });
  }

  /** Opens a streaming request (logs, watch); throws StatusError for non-2xx replies. */
  async stream(path: string, query?: Query, accept?: string): Promise<IncomingMessage> {
    const res = await this.raw('GET', path, { query, accept, stream: true });
    const code = res.statusCode ?? 0;
    if (code < 200 || code >= 300) throw toStatusError(code, await readBody(res));
    return res;
  }

  /**
   * Watches `path` from `resourceVersion`, calling `onEvent` for each event; resolves when the
   * server closes the stream or `onEvent` returns true (stop).
   */
  async watch(
    path: string,
    query: Query,
    onEvent: (type: string, object: Record<string, unknown>) => boolean | undefined | Promise<boolean | undefined>,
    accept?: string,
  ): Promise<void> {
    const res = await this.stream(path, { ...query, watch: 'true' }, accept);
    let buf = '';
    res.setEncoding('utf8');
    for await (const chunk of res as AsyncIterable<string>) {
      buf += chunk;
      for (let nl = buf.indexOf('\n'); nl >= 0; nl = buf.indexOf('\n')) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (!line) continue;
        const ev = JSON.parse(line) as { type: string; object: Record<string, unknown> };
        if (ev.type === 'ERROR') {
          const st = ev.object as Status;
          throw new StatusError(st.code ?? 500, st, true);
        }
        if (await onEvent(ev.type, ev.object)) {
          res.destroy();
          return;
        }
      }
    }
  }

  close(): void {
    void this.agentPromise?.then((a) => a.destroy());
  }
}

export async function readBody(res: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function toStatusError(code: number, text: string): StatusError {
  try {
    const body = JSON.parse(text) as Status;
    if (body && body.kind === 'Status') return new StatusError(code, body, true);
  } catch {
    // not JSON
  }
  return new StatusError(
    code,
    { kind: 'Status', status: 'Failure', code, reason: REASON_BY_CODE[code], message: text.trim() || undefined },
    false,
  );
}
