import { isApiError, MAX_CHUNK_BYTES, type ProxyRequest, type ProxyResponse } from '@peapod/core';
import type { PodManager } from '../pods/types.js';

type Respond = (response: Omit<ProxyResponse, 'v'>) => Promise<unknown>;

/**
 * Serves the hub's logs / exec / metrics requests from the PodManager, streaming output in
 * numbered chunks of at most MAX_CHUNK_BYTES; `cancel` aborts a running request.
 */
export class RequestHandler {
  private readonly running = new Map<string, AbortController>();

  constructor(
    private readonly pods: PodManager,
    private readonly respond: Respond,
  ) {}

  handle(request: ProxyRequest): void {
    if (request.kind === 'cancel') {
      this.running.get(request.id)?.abort();
      this.running.delete(request.id);
      return;
    }
    const controller = new AbortController();
    this.running.set(request.id, controller);
    let seq = 0;
    const send = (r: Omit<ProxyResponse, 'v' | 'id' | 'seq'>) => this.respond({ id: request.id, seq: seq++, ...r });
    const chunks = (type: 'data' | 'stdout' | 'stderr', data: Buffer | string) => {
      const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data);
      for (let i = 0; i < buffer.length; i += MAX_CHUNK_BYTES)
        void send({ type, data: buffer.subarray(i, i + MAX_CHUNK_BYTES).toString('base64') });
    };
    this.run(request, chunks, controller.signal)
      .then((result) => send(result))
      .catch((err: unknown) =>
        send({
          type: 'error',
          error: err instanceof Error ? err.message : String(err),
          status: isApiError(err) ? err.status : undefined,
        }),
      )
      .finally(() => this.running.delete(request.id));
  }

  private async run(
    request: Exclude<ProxyRequest, { kind: 'cancel' }>,
    chunks: (type: 'data' | 'stdout' | 'stderr', data: Buffer | string) => void,
    signal: AbortSignal,
  ): Promise<Omit<ProxyResponse, 'v' | 'id' | 'seq'>> {
    switch (request.kind) {
      case 'metrics': {
        const stats = await this.pods.stats();
        return {
          type: 'metrics',
          metrics: stats.map((p) => ({
            namespace: p.namespace,
            name: p.name,
            containers: p.containers.map((c) => ({ name: c.name, cpuMilli: c.cpuMilli, memoryBytes: c.memoryBytes })),
          })),
        };
      }
      case 'logs': {
        let sent = 0;
        const limit = request.limitBytes;
        await this.pods.logs(
          request.pod,
          request.container,
          {
            tail: request.tailLines,
            sinceSeconds: request.sinceSeconds,
            timestamps: request.timestamps,
            follow: request.follow,
            previous: request.previous,
          },
          (chunk) => {
            if (limit !== undefined && sent >= limit) return;
            const part = limit !== undefined ? chunk.subarray(0, limit - sent) : chunk;
            sent += part.length;
            chunks('data', part);
          },
          signal,
        );
        return { type: 'end' };
      }
      case 'exec': {
        const result = await this.pods.exec(request.pod, request.container, request.command);
        if (result.stdout) chunks('stdout', result.stdout);
        if (result.stderr) chunks('stderr', result.stderr);
        return { type: 'end', exitCode: result.exitCode };
      }
    }
  }
}
