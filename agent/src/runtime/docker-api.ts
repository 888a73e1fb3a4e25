import { Agent, type IncomingMessage, request } from 'node:http';
import type { Duplex } from 'node:stream';
import { classifyRuntimeMessage, RuntimeError } from './errors.js';

export interface DockerApiOptions {
  /** Path of the Docker Engine API unix socket (e.g. /var/run/docker.sock or a podman service socket). */
  socketPath: string;
  /** API version prefix; 1.41 is what podman 4.3 serves and every Docker ≥ 20.10 accepts. */
  apiVersion?: string;
}

type Query = Record<string, string | number | boolean | undefined>;

export interface ApiResponse {
  status: number;
  body: Buffer;
}

/** A minimal Docker Engine API client over a unix socket (node:http, keep-alive, no deps). */
export class DockerApi {
  private readonly agent = new Agent({ keepAlive: true, maxSockets: 8 });
  private readonly prefix: string;

  constructor(private readonly options: DockerApiOptions) {
    this.prefix = `/v${options.apiVersion ?? '1.41'}`;
  }

  path(path: string, query: Query = {}): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${this.prefix}${path}${qs ? `?${qs}` : ''}`;
  }

  /** Sends a request and buffers the whole response. */
  async call(method: string, path: string, options: { query?: Query; body?: unknown; timeoutMs?: number } = {}) {
    const response = await this.open(method, path, options);
    const chunks: Buffer[] = [];
    for await (const chunk of response) chunks.push(chunk as Buffer);
    return { status: response.statusCode ?? 0, body: Buffer.concat(chunks) } satisfies ApiResponse;
  }

  /** Sends a request that must answer 2xx/304 and returns the parsed JSON body (undefined if empty). */
  async json<T>(method: string, path: string, options: { query?: Query; body?: unknown; timeoutMs?: number } = {}) {
    const response = await this.call(method, path, options);
    if (response.status >= 400) throw apiError(response);
    const text = response.body.toString();
    return (text.trim() ? JSON.parse(text) : undefined) as T;
  }

  /** Opens a request and returns the response stream (events, logs, exec output). */
  open(
    method: string,
    path: string,
    options: { query?: Query; body?: unknown; timeoutMs?: number; signal?: AbortSignal } = {},
  ): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const payload = options.body === undefined ? undefined : Buffer.from(JSON.stringify(options.body));
      const req = request({
        socketPath: this.options.socketPath,
        agent: this.agent,
        method,
        path: this.path(path, options.query),
        headers: payload ? { 'Content-Type': 'application/json', 'Content-Length': payload.length } : {},
        signal: options.signal,
      });
      if (options.timeoutMs) {
        req.setTimeout(options.timeoutMs, () =>
          req.destroy(new RuntimeError('Timeout', `${method} ${path} timed out after ${options.timeoutMs} ms`)),
        );
      }
      req.on('response', resolve);
      req.on('error', (e) => reject(toRuntimeError(e)));
      req.end(payload);
    });
  }

  /**
   * Opens a hijacked (upgraded) connection, as `POST /exec/<id>/start` with stdin needs: the
   * returned socket carries stdin one way and the multiplexed output the other.
   */
  upgrade(path: string, body: unknown): Promise<Duplex> {
    return new Promise((resolve, reject) => {
      const payload = Buffer.from(JSON.stringify(body));
      const req = request({
        socketPath: this.options.socketPath,
        method: 'POST',
        path: this.path(path),
        headers: {
          'Content-Type': 'application/json',
          'Content-Length': payload.length,
          Connection: 'Upgrade',
          Upgrade: 'tcp',
        },
      });
      req.on('upgrade', (res, socket, head) => {
        // The upgraded response never completes; Node reports that as an 'aborted' error on close.
        res.on('error', () => undefined);
        if (head.length > 0) socket.unshift(head);
        resolve(socket);
      });
      req.on('response', async (res) => {
        const chunks: Buffer[] = [];
        for await (const chunk of res) chunks.push(chunk as Buffer);
        reject(apiError({ status: res.statusCode ?? 0, body: Buffer.concat(chunks) }));
      });
      req.on('error', (e) => reject(toRuntimeError(e)));
      req.end(payload);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The runtime's error message of a failed API call (`{"message": …}` in both Docker and podman). */
export function apiError(response: ApiResponse): RuntimeError {
  let message = response.body.toString().trim();
  try {
    const parsed = JSON.parse(message) as { message?: string };
    if (parsed.message) message = parsed.message;
  } catch {
    // plain text body
  }
  if (!message) message = `runtime API answered HTTP ${response.status}`;
  const reason = response.status === 404 ? notFoundReason(message) : classifyRuntimeMessage(message);
  return new RuntimeError(reason, message);
}

function notFoundReason(message: string) {
  const reason = classifyRuntimeMessage(message);
  return reason === 'ImageNotFound' ? reason : 'NotFound';
}

function toRuntimeError(e: unknown): Error {
  if (e instanceof RuntimeError) return e;
  const err = e as NodeJS.ErrnoException;
  if (err?.code === 'ENOENT' || err?.code === 'ECONNREFUSED') {
    return new RuntimeError('Unavailable', `runtime socket unavailable: ${err.message}`);
  }
  return err instanceof Error ? err : new Error(String(e));
}

/**
 * Splits Docker's multiplexed stream (8-byte header: stream type, 3 zero bytes, big-endian length)
 * into stdout/stderr payloads. Feed it chunks in order.
 */
export class StreamDemuxer {
  private pending: Buffer = Buffer.alloc(0);

  constructor(private readonly onFrame: (payload: Buffer, stream: 'stdout' | 'stderr') => void) {}

  push(chunk: Buffer): void {
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= 8) {
      const length = this.pending.readUInt32BE(4);
      if (this.pending.length < 8 + length) break;
      const type = this.pending[0];
      const payload = this.pending.subarray(8, 8 + length);
      this.pending = this.pending.subarray(8 + length);
      if (type === 1 || type === 2) this.onFrame(Buffer.from(payload), type === 2 ? 'stderr' : 'stdout');
    }
  }
}
