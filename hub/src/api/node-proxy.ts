import type { NodeUsage } from '@peapod/core';

/**
 * How the HTTP layer reaches an agent for streaming work (logs, exec, stats). Implemented by the
 * MQTT bridge (request/response topics with chunked streaming); the HTTP layer depends only on
 * this interface.
 */
export interface PodRef {
  namespace: string;
  name: string;
  uid: string;
}

export interface LogRequest {
  container: string;
  follow?: boolean;
  previous?: boolean;
  tailLines?: number;
  sinceSeconds?: number;
  timestamps?: boolean;
  limitBytes?: number;
}

export interface ExecRequest {
  container: string;
  command: string[];
  stdin: boolean;
  tty: boolean;
}

export interface ExecSession {
  /** Data the client typed (only when stdin was requested). */
  writeStdin(data: Buffer): void;
  closeStdin(): void;
  resize(cols: number, rows: number): void;
  /** Kill the remote process. */
  abort(): void;
}

export interface ExecHandlers {
  onStdout(data: Buffer): void;
  onStderr(data: Buffer): void;
  /** Called once at the end with the process's exit code (or an error message). */
  onExit(exitCode: number, error?: string): void;
}

export interface PodMetrics {
  namespace: string;
  name: string;
  containers: { name: string; cpuMilli: number; memoryBytes: number }[];
}

export interface NodeProxy {
  /** Streams log chunks until done; resolves when the stream ends; `signal` aborts a follow. */
  logs(
    nodeName: string,
    pod: PodRef,
    request: LogRequest,
    onChunk: (data: Buffer) => void,
    signal?: AbortSignal,
  ): Promise<void>;
  exec(nodeName: string, pod: PodRef, request: ExecRequest, handlers: ExecHandlers): Promise<ExecSession>;
  /** Latest per-pod usage the node reported (for `top pods`). */
  podMetrics(nodeName: string): Promise<PodMetrics[]>;
  /** The device's CPU/memory usage read now (for `top nodes`). */
  nodeUsage(nodeName: string): Promise<NodeUsage>;
}
