import { type Container, cpuToMilli, memoryToBytes, type Node, type Pod, podRequests } from '@peapod/core';

/** kk-sched DefaultMilliCPURequest / DefaultMemoryRequest: what a container without requests counts as for scoring. */
export const DEFAULT_MILLI_CPU_REQUEST = 100;
export const DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024;
/** kubelet `maxPods` default, used when a node does not publish allocatable pods. */
export const DEFAULT_MAX_PODS = 110;

export interface Requests {
  cpuMilli: number;
  memoryBytes: number;
}

/** A node with the pods bound to it (non-terminal), as the scheduler's cache sees it. */
export interface NodeInfo {
  node: Node;
  pods: Pod[];
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
  let cpuMilli = 0;
  let memoryBytes = 0;
  for (const pod of info.pods) {
    const r = podRequests(pod);
    cpuMilli += r.cpuMilli;
    memoryBytes += r.memoryBytes;
  }
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
