import type { Pod, PodStatusEntry } from '@peapod/core';
import type { ContainerStats, ExecResult, LogOptions } from '../runtime/driver.js';

/**
 * The agent's pod engine, kubelet-style: one worker per pod drives the runtime toward the desired
 * spec, runs probes, restarts with back-off and derives Kubernetes status. The transport (MQTT) and
 * the local cache (offline autonomy) talk to it only through this interface.
 */
export interface PodManager {
  /**
   * The complete desired set for this node. Pods not in the set are stopped gracefully and removed;
   * pods in it are created, adopted (if already running with the same spec hash) or left alone.
   * Idempotent: calling it twice with the same set changes nothing.
   */
  sync(desired: Pod[]): void;
  /** Adopts what the runtime already runs for this node (after an agent restart). */
  start(): Promise<void>;
  /** Stops the workers but leaves containers running (agent shutdown ≠ pod deletion). */
  stop(): Promise<void>;
  /** Status changes, one call per change; `uid` identifies the pod. */
  onStatus(listener: (update: PodStatusUpdate) => void): () => void;
  /** The latest known status of every pod the manager has. */
  statuses(): PodStatusUpdate[];
  /** Removal confirmed: containers are gone (used to finish graceful deletion on the hub). */
  onRemoved(listener: (pod: { namespace: string; name: string; uid: string }) => void): () => void;

  /**
   * Kubernetes-style events about the pod's containers (Pulling, Created, Started, Killing,
   * Unhealthy, BackOff, FailedPostStartHook…), for the hub's Event objects. Optional (additive).
   */
  onEvent?(listener: (event: PodEvent) => void): () => void;

  logs(
    pod: { namespace: string; name: string },
    container: string,
    options: LogOptions & { previous?: boolean },
    onChunk: (chunk: Buffer) => void,
    signal?: AbortSignal,
  ): Promise<void>;
  exec(pod: { namespace: string; name: string }, container: string, command: string[]): Promise<ExecResult>;
  stats(): Promise<{ namespace: string; name: string; containers: (ContainerStats & { name: string })[] }[]>;
}

/** One pod's status as the agent observed it; the same shape travels to the hub (core's protocol). */
export type PodStatusUpdate = PodStatusEntry;

/** One kubelet-style event (k8s-semantics §12); `fieldPath` names the container (`spec.containers{app}`). */
export interface PodEvent {
  namespace: string;
  name: string;
  uid: string;
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  fieldPath?: string;
  /** Agent clock. */
  time: string;
}
