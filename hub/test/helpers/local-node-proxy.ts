import { spawn } from 'node:child_process';
import type { NodeUsage } from '@peapod/core';
import type {
  ExecHandlers,
  ExecRequest,
  ExecSession,
  LogRequest,
  NodeProxy,
  PodMetrics,
  PodRef,
} from '../../src/api/node-proxy.js';

/**
 * A NodeProxy for tests of the HTTP relay that runs exec commands as real local processes and
 * serves logs from given text, instead of relaying to an agent over MQTT. It records what it was
 * asked so tests can check the relay passed requests through unchanged.
 */
export class LocalNodeProxy implements NodeProxy {
  readonly logRequests: { nodeName: string; pod: PodRef; request: LogRequest }[] = [];
  readonly execRequests: { nodeName: string; pod: PodRef; request: ExecRequest }[] = [];
  readonly resizes: [number, number][] = [];

  /** What `podMetrics` reports, by node name. */
  readonly metrics = new Map<string, PodMetrics[]>();

  constructor(private readonly logText: string) {}

  async logs(
    nodeName: string,
    pod: PodRef,
    request: LogRequest,
    onChunk: (data: Buffer) => void,
    signal?: AbortSignal,
  ): Promise<void> {
    this.logRequests.push({ nodeName, pod, request });
    let lines = this.logText.split(/(?<=\n)/);
    if (request.tailLines !== undefined) lines = lines.slice(-request.tailLines);
    for (const line of lines) onChunk(Buffer.from(line));
    if (!request.follow) return;
    // Follow: one more line, then stay open until the client leaves.
    onChunk(Buffer.from('following\n'));
    await new Promise<void>((resolve) => {
      if (signal?.aborted) resolve();
      signal?.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  async exec(nodeName: string, pod: PodRef, request: ExecRequest, handlers: ExecHandlers): Promise<ExecSession> {
    this.execRequests.push({ nodeName, pod, request });
    const [command, ...args] = request.command;
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.on('data', (d: Buffer) => handlers.onStdout(d));
    child.stderr.on('data', (d: Buffer) => handlers.onStderr(d));
    child.stdin.on('error', () => {});
    child.on('error', (e) => handlers.onExit(126, e.message));
    child.on('close', (code, signal) => handlers.onExit(code ?? (signal ? 137 : 1)));
    if (!request.stdin) child.stdin.end();
    return {
      writeStdin: (data) => child.stdin.write(data),
      closeStdin: () => child.stdin.end(),
      resize: (cols, rows) => this.resizes.push([cols, rows]),
      abort: () => child.kill('SIGKILL'),
    };
  }

  async podMetrics(nodeName: string): Promise<PodMetrics[]> {
    return this.metrics.get(nodeName) ?? [];
  }

  /** What `nodeUsage` reports, by node name; a node not listed does not answer. */
  readonly usage = new Map<string, NodeUsage>();

  async nodeUsage(nodeName: string): Promise<NodeUsage> {
    const usage = this.usage.get(nodeName);
    if (!usage) throw new Error(`node "${nodeName}" did not answer`);
    return usage;
  }
}
