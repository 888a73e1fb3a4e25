import { randomBytes } from 'node:crypto';
import {
  ApiError,
  encode,
  internalError,
  MAX_CHUNK_BYTES,
  type NodeUsage,
  PROTOCOL_VERSION,
  type ProxyRequest,
  type ProxyResponse,
  serviceUnavailable,
  topics,
} from '@peapod/core';
import type {
  ExecHandlers,
  ExecRequest,
  ExecSession,
  LogRequest,
  NodeProxy,
  PodMetrics,
  PodRef,
} from '../api/node-proxy.js';
import type { Logger } from '../component.js';
import type { MessageBus } from './bus.js';

/** The agent's own Kubernetes error when it sent one (404 for an unknown container …), else 500. */
function failureOf(response: ProxyResponse, fallback: string): ApiError {
  return response.status ? new ApiError(response.status) : internalError(response.error ?? fallback);
}

interface PendingRequest {
  node: string;
  nextSeq: number;
  onResponse(response: ProxyResponse): void;
  timer?: NodeJS.Timeout;
}

type RequestBody = ProxyRequest extends infer R ? (R extends ProxyRequest ? Omit<R, 'v' | 'id'> : never) : never;

/**
 * NodeProxy over MQTT: a request goes to `…/node.<n>/requests` (QoS 0: a request for an offline
 * node is not queued for hours, it times out); the agent answers with numbered chunks on
 * `…/node.<n>/responses/<id>` ending with `end` or `error`.
 */
export class MqttNodeProxy implements NodeProxy {
  private readonly pending = new Map<string, PendingRequest>();

  constructor(
    private readonly bus: MessageBus,
    private readonly log: Logger,
    /** How long to wait for the first answer of a node. */
    private readonly answerTimeoutMs = 10_000,
  ) {}

  /** Called by the bridge for every message on a response topic. */
  handleResponse(nodeName: string, response: ProxyResponse): void {
    const request = this.pending.get(response.id);
    if (!request || request.node !== nodeName) {
      this.log.debug('mqtt: response for an unknown request dropped', { node: nodeName, id: response.id });
      return;
    }
    clearTimeout(request.timer);
    request.timer = undefined;
    if (response.seq !== request.nextSeq)
      this.log.warn('mqtt: response chunk out of order', { node: nodeName, id: response.id, seq: response.seq });
    request.nextSeq = response.seq + 1;
    request.onResponse(response);
  }

  /** Fails every request still waiting (hub shutdown). */
  close(): void {
    for (const [id, request] of this.pending) {
      clearTimeout(request.timer);
      request.onResponse({ v: PROTOCOL_VERSION, id, seq: request.nextSeq, type: 'error', error: 'hub shutting down' });
    }
    this.pending.clear();
  }

  private send(node: string, body: RequestBody, onResponse: (r: ProxyResponse) => void, onTimeout: () => void): string {
    const id = randomBytes(8).toString('hex');
    const request: PendingRequest = { node, nextSeq: 0, onResponse };
    request.timer = setTimeout(() => {
      this.pending.delete(id);
      onTimeout();
    }, this.answerTimeoutMs);
    this.pending.set(id, request);
    const message = { v: PROTOCOL_VERSION, id, ...body } as ProxyRequest;
    this.bus.publish(topics.requests(node), encode(message), { qos: 0 }).catch((err) => {
      this.log.error('mqtt: sending request failed', { node, error: String(err) });
    });
    return id;
  }

  private cancel(node: string, id: string): void {
    if (!this.pending.delete(id)) return;
    void this.bus.publish(topics.requests(node), encode({ v: PROTOCOL_VERSION, id, kind: 'cancel' }), { qos: 0 });
  }

  private unreachable(node: string) {
    return serviceUnavailable(`node "${node}" did not answer within ${Math.round(this.answerTimeoutMs / 1000)}s`);
  }

  logs(
    nodeName: string,
    pod: PodRef,
    request: LogRequest,
    onChunk: (data: Buffer) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) return resolve();
      const id = this.send(
        nodeName,
        { kind: 'logs', pod, ...request },
        (r) => {
          if (r.type === 'data' && r.data) onChunk(Buffer.from(r.data, 'base64'));
          else if (r.type === 'end' || r.type === 'error') {
            this.pending.delete(id);
            signal?.removeEventListener('abort', onAbort);
            if (r.type === 'end') resolve();
            else reject(failureOf(r, 'log stream failed'));
          }
        },
        () => reject(this.unreachable(nodeName)),
      );
      const onAbort = () => {
        this.cancel(nodeName, id);
        resolve();
      };
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  async exec(nodeName: string, pod: PodRef, request: ExecRequest, handlers: ExecHandlers): Promise<ExecSession> {
    let finished = false;
    const finish = (exitCode: number, error?: string) => {
      if (finished) return;
      finished = true;
      handlers.onExit(exitCode, error);
    };
    const id = this.send(
      nodeName,
      {
        kind: 'exec',
        pod,
        container: request.container,
        command: request.command,
        stdin: request.stdin,
        tty: request.tty,
      },
      (r) => {
        if (r.type === 'stdout' && r.data) handlers.onStdout(Buffer.from(r.data, 'base64'));
        else if (r.type === 'stderr' && r.data) handlers.onStderr(Buffer.from(r.data, 'base64'));
        else if (r.type === 'end') {
          this.pending.delete(id);
          finish(r.exitCode ?? 0);
        } else if (r.type === 'error') {
          this.pending.delete(id);
          finish(r.exitCode ?? 1, r.error ?? 'exec failed');
        }
      },
      () => finish(1, this.unreachable(nodeName).message),
    );
    // Input of an interactive session travels as further requests with the same id (in order:
    // one publisher, one topic). Without stdin/tty the agent runs the command to completion.
    const control = (body: RequestBody) => {
      if (finished) return;
      const message = { v: PROTOCOL_VERSION, id, ...body } as ProxyRequest;
      // QoS 1 like the exec request itself: the broker keeps order only within one QoS level.
      void this.bus.publish(topics.requests(nodeName), encode(message), { qos: 1 });
    };
    return {
      writeStdin: (data) => {
        for (let i = 0; i < data.length; i += MAX_CHUNK_BYTES)
          control({ kind: 'stdin', data: data.subarray(i, i + MAX_CHUNK_BYTES).toString('base64') });
      },
      closeStdin: () => control({ kind: 'close-stdin' }),
      resize: (cols, rows) => control({ kind: 'resize', cols, rows }),
      abort: () => {
        this.cancel(nodeName, id);
        finish(137, 'aborted');
      },
    };
  }

  nodeUsage(nodeName: string): Promise<NodeUsage> {
    return new Promise((resolve, reject) => {
      const id = this.send(
        nodeName,
        { kind: 'node-usage' },
        (r) => {
          this.pending.delete(id);
          if (r.type === 'node-usage' && r.usage) resolve(r.usage);
          else reject(failureOf(r, 'node usage request failed'));
        },
        () => reject(this.unreachable(nodeName)),
      );
    });
  }

  podMetrics(nodeName: string): Promise<PodMetrics[]> {
    return new Promise((resolve, reject) => {
      const id = this.send(
        nodeName,
        { kind: 'metrics' },
        (r) => {
          this.pending.delete(id);
          if (r.type === 'metrics') resolve(r.metrics ?? []);
          else reject(failureOf(r, 'metrics request failed'));
        },
        () => reject(this.unreachable(nodeName)),
      );
    });
  }
}
