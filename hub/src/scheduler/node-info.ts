import { type Container, cpuToMilli, memoryToBytes, type Node, type Pod, podRequests, type Taint } from '@peapod/core';
import { schedulingTaints } from './taints.js';

/** kk-sched DefaultMilliCPURequest / DefaultMemoryRequest: what a container without requests counts as for scoring. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;
/** kubelet `maxPods` default, used when a node does not publish allocatable pods. */
export const DEFAULT_MAX_PODS = 110;

export interface Requests {
  cpuMilli: number;
  memoryBytes: number;
}

/**
 * A node with the pods bound to it (non-terminal), as the scheduler's cache sees it. Treated as
 * immutable: the cache replaces the object when the node or its pods change, so what is derived
 * from it (`summaryOf`) is computed once per version instead of once per scheduling decision.
 */
export interface NodeInfo {
  node: Node;
  pods: Pod[];
}

/** What filters and scores need from a NodeInfo, derived once per NodeInfo object. */
export interface NodeSummary {
  allocatable: Allocatable;
  /** `schedulingTaints(node)`. */
  taints: Taint[];
  /** Σ requests of the pods (filter semantics: a missing request counts as 0). */
  requested: Requests;
  /** Σ requests of the pods (scoring semantics: a missing request counts as 100m / 200Mi). */
  nonZeroRequested: Requests;
  hostPorts: HostPort[];
  /** Pods per controller: `<namespace>/<controller uid>` → count. */
  controllerPods: Map<string, number>;
}

export interface HostPort {
  port: number;
  protocol: string;
  hostIP: string;
}

const summaries = new WeakMap<NodeInfo, NodeSummary>();

/** The memoised summary of a NodeInfo (computed on first use; NodeInfo objects never change). */
export function summaryOf(info: NodeInfo): NodeSummary {
  let summary = summaries.get(info);
  if (!summary) {
    summary = summarize(info);
    summaries.set(info, summary);
  }
  return summary;
}

function summarize(info: NodeInfo): NodeSummary {
  const requested = { cpuMilli: 0, memoryBytes: 0 };
  const nonZeroRequested = { cpuMilli: 0, memoryBytes: 0 };
  const hostPorts: HostPort[] = [];
  const controllerPods = new Map<string, number>();
  for (const pod of info.pods) {
    const r = podRequests(pod);
    requested.cpuMilli += r.cpuMilli;
    requested.memoryBytes += r.memoryBytes;
    const n = nonZeroRequests(pod);
    nonZeroRequested.cpuMilli += n.cpuMilli;
    nonZeroRequested.memoryBytes += n.memoryBytes;
    hostPorts.push(...hostPortsOf(pod));
    const owner = controllerKey(pod);
    if (owner) controllerPods.set(owner, (controllerPods.get(owner) ?? 0) + 1);
  }
  return {
    allocatable: allocatableOf(info.node),
    taints: schedulingTaints(info.node),
    requested,
    nonZeroRequested,
    hostPorts,
    controllerPods,
  };
}

/** `<namespace>/<uid>` of the pod's controller, or undefined when it has none. */
export function controllerKey(pod: Pod): string | undefined {
  const uid = pod.metadata.ownerReferences?.find((r) => r.controller === true)?.uid;
  return uid ? `${pod.metadata.namespace ?? ''}/${uid}` : undefined;
}

/** The host ports a pod's containers ask for. */
export function hostPortsOf(pod: Pod): HostPort[] {
  const out: HostPort[] = [];
  for (const c of pod.spec.containers ?? []) {
    for (const p of c.ports ?? []) {
      if (p.hostPort) out.push({ port: p.hostPort, protocol: p.protocol ?? 'TCP', hostIP: p.hostIP || '0.0.0.0' });
    }
  }
  return out;
}

export interface Allocatable extends Requests {
  pods: number;
}

function quantityOr(value: string | undefined, parse: (q: string) => number, fallback: number): number {
  if (value === undefined) return fallback;
  try {
    return parse(value);
  } catch {
    return fallback;
  }
}

export function allocatableOf(node: Node): Allocatable {
  const a = node.status?.allocatable ?? node.status?.capacity ?? {};
  return {
    cpuMilli: quantityOr(a.cpu, cpuToMilli, 0),
    memoryBytes: quantityOr(a.memory, memoryToBytes, 0),
    pods: quantityOr(a.pods, Number, DEFAULT_MAX_PODS),
  };
}

/** Σ requests of the pods on the node (filter semantics: missing requests count as 0). */
export function requestedOn(info: NodeInfo): Requests {
  const { cpuMilli, memoryBytes } = summaryOf(info).requested;
  return { cpuMilli, memoryBytes };
}

function containerNonZero(c: Container): Requests {
  const req = c.resources?.requests ?? {};
  return {
    cpuMilli: quantityOr(req.cpu, cpuToMilli, DEFAULT_MILLI_CPU_REQUEST),
    memoryBytes: quantityOr(req.memory, memoryToBytes, DEFAULT_MEMORY_REQUEST),
  };
}

/** Scoring semantics: containers without a request count as 100m / 200Mi (kk-sched GetNonzeroRequests). */
export function nonZeroRequests(pod: Pod): Requests {
  let cpuMilli = 0;
  let memoryBytes = 0;
  for (const c of pod.spec.containers ?? []) {
    const r = containerNonZero(c);
    cpuMilli += r.cpuMilli;
    memoryBytes += r.memoryBytes;
  }
  for (const c of pod.spec.initContainers ?? []) {
    const r = containerNonZero(c);
    cpuMilli = Math.max(cpuMilli, r.cpuMilli);
    memoryBytes = Math.max(memoryBytes, r.memoryBytes);
  }
  return { cpuMilli, memoryBytes };
}
