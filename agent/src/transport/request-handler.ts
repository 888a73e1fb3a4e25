import { badRequest, isApiError, MAX_CHUNK_BYTES, type ProxyRequest, type ProxyResponse } from '@peapod/core';
import type { PodManager } from '../pods/types.js';
import { type ExecSessionControl, LABELS, type RuntimeDriver } from '../runtime/driver.js';

type Respond = (response: Omit<ProxyResponse, 'v'>) => Promise<unknown>;
type Body = Omit<ProxyResponse, 'v' | 'id' | 'seq'>;
/** What this handler serves: every request but `node-status` (the agent's node reporter answers it). */
/** What this handler serves: requests about pods (the node-level ones are the agent's). */
export type PodRequest = Exclude<ProxyRequest, { kind: 'node-status' | 'node-usage' }>;
type ExecRequest = Extract<PodRequest, { kind: 'exec' }>;

const EARLY_INPUT_TTL_MS = 10_000;
const MAX_EARLY_INPUTS = 256;

function isSessionInput(request: PodRequest): boolean {
  return request.kind === 'stdin' || request.kind === 'close-stdin' || request.kind === 'resize';
}

/**
 * Serves the hub's logs / exec / metrics requests from the PodManager (and, for interactive exec,
 * the runtime driver's execStream), streaming output in numbered chunks of at most
 * MAX_CHUNK_BYTES; `cancel` aborts a running request.
 */
export class RequestHandler {
  private readonly running = new Map<string, AbortController>();
  private readonly sessions = new Map<string, ExecSessionControl>();
  /** Input that arrived while its exec session was still being opened. */
  private readonly opening = new Map<string, PodRequest[]>();
  /**
   * Input that arrived before its exec request (the broker does not order messages of different
   * QoS levels): kept briefly and replayed when the request comes.
   */
  private readonly early = new Map<string, { input: PodRequest[]; timer: NodeJS.Timeout }>();

  constructor(
    private readonly pods: PodManager,
    private readonly respond: Respond,
    private readonly driver?: RuntimeDriver,
  ) {}

  handle(request: PodRequest): void {
    const opening = this.opening.get(request.id);
    if (opening && request.kind !== 'exec') {
      opening.push(request);
      return;
    }
    if (isSessionInput(request) && !this.sessions.has(request.id)) {
      this.holdEarly(request);
      return;
    }
    const held = request.kind === 'exec' ? this.early.get(request.id) : undefined;
    if (held) {
      clearTimeout(held.timer);
      this.early.delete(request.id);
    }
    switch (request.kind) {
      case 'cancel':
        this.running.get(request.id)?.abort();
        this.running.delete(request.id);
        this.sessions.get(request.id)?.abort();
        this.sessions.delete(request.id);
        return;
      case 'stdin':
        this.sessions.get(request.id)?.writeStdin(Buffer.from(request.data, 'base64'));
        return;
      case 'close-stdin':
        this.sessions.get(request.id)?.closeStdin();
        return;
      case 'resize':
        this.sessions.get(request.id)?.resize(request.cols, request.rows);
        return;
    }
    let seq = 0;
    const send = (r: Body) => this.respond({ id: request.id, seq: seq++, ...r });
    const chunks = (type: 'data' | 'stdout' | 'stderr', data: Buffer | string) => {
      const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data);
      for (let i = 0; i < buffer.length; i += MAX_CHUNK_BYTES)
        void send({ type, data: buffer.subarray(i, i + MAX_CHUNK_BYTES).toString('base64') });
    };
    const fail = (err: unknown) =>
      send({
        type: 'error',
        error: err instanceof Error ? err.message : String(err),
        status: isApiError(err) ? err.status : undefined,
      });
    if (request.kind === 'exec' && (request.stdin || request.tty) && this.driver?.execStream) {
      this.opening.set(request.id, held?.input ?? []);
      this.interactive(request, chunks, send)
        .catch(fail)
        .finally(() => {
          const queued = this.opening.get(request.id) ?? [];
          this.opening.delete(request.id);
          for (const input of queued) this.handle(input);
        });
      return;
    }
    const controller = new AbortController();
    this.running.set(request.id, controller);
    this.run(request, chunks, controller.signal)
      .then((result) => send(result))
      .catch(fail)
      .finally(() => this.running.delete(request.id));
  }

  private holdEarly(request: PodRequest): void {
    let held = this.early.get(request.id);
    if (!held) {
      const timer = setTimeout(() => this.early.delete(request.id), EARLY_INPUT_TTL_MS);
      timer.unref();
      held = { input: [], timer };
      this.early.set(request.id, held);
    }
    if (held.input.length < MAX_EARLY_INPUTS) held.input.push(request);
  }

  /** `kubectl exec -it`: a live session whose input arrives as further requests with the same id. */
  private async interactive(
    request: ExecRequest,
    chunks: (type: 'stdout' | 'stderr', data: Buffer) => void,
    send: (r: Body) => Promise<unknown>,
  ): Promise<void> {
    const driver = this.driver!;
    const containers = await driver.listContainers({
      [LABELS.podUid]: request.pod.uid,
      [LABELS.container]: request.container,
    });
    const target = containers.find((c) => c.state === 'running');
    if (!target) throw badRequest(`container not found ("${request.container}")`);
    const session = await driver.execStream!(
      target.id,
      request.command,
      { stdin: request.stdin ?? false, tty: request.tty ?? false },
      {
        onStdout: (d) => chunks('stdout', d),
        onStderr: (d) => chunks('stderr', d),
        onExit: (exitCode, error) => {
          this.sessions.delete(request.id);
          void send(error ? { type: 'error', error, exitCode } : { type: 'end', exitCode });
        },
      },
    );
    this.sessions.set(request.id, session);
    await send({ type: 'started' });
  }

  private async run(
    request: Exclude<PodRequest, { kind: 'cancel' | 'stdin' | 'close-stdin' | 'resize' }>,
    chunks: (type: 'data' | 'stdout' | 'stderr', data: Buffer | string) => void,
    signal: AbortSignal,
  ): Promise<Body> {
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
