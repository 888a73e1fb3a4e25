/**
 * Pod resource arithmetic (k8s-semantics.md §3.6, §7, §8): effective requests for scheduling and
 * the QoS class. A missing request counts as the limit, which is what Pod defaulting stores, so the
 * results are the same on defaulted and not-yet-defaulted pods.
 */
import { parseQuantity, quantityAsScale } from './quantities.js';
import type { Container, PodSpec, ResourceList } from './types.js';

export type QOSClass = 'Guaranteed' | 'Burstable' | 'BestEffort';

export interface PodRequests {
  cpuMilli: number;
  memoryBytes: number;
}

/** Requests of one container with limits standing in for missing requests (Pod defaulting). */
export function effectiveRequests(c: Container): ResourceList {
  return { ...(c.resources?.limits ?? {}), ...(c.resources?.requests ?? {}) };
}

function containerRequests(c: Container): PodRequests {
  const r = effectiveRequests(c);
  return {
    cpuMilli: r.cpu !== undefined ? Number(quantityAsScale(parseQuantity(r.cpu), -3)) : 0,
    memoryBytes: r.memory !== undefined ? Number(quantityAsScale(parseQuantity(r.memory), 0)) : 0,
  };
}

const add = (a: PodRequests, b: PodRequests): PodRequests => ({
  cpuMilli: a.cpuMilli + b.cpuMilli,
  memoryBytes: a.memoryBytes + b.memoryBytes,
});
const max = (a: PodRequests, b: PodRequests): PodRequests => ({
  cpuMilli: Math.max(a.cpuMilli, b.cpuMilli),
  memoryBytes: Math.max(a.memoryBytes, b.memoryBytes),
});

const isSidecar = (c: Container): boolean => c.restartPolicy === 'Always';

/**
 * Effective pod request (scheduler semantics, component-helpers `PodRequests`): the sum of app
 * containers, plus sidecars (restartable init containers), against the peak of each regular init
 * container running alongside the sidecars started before it.
 */
export function podRequests(pod: { spec?: Partial<PodSpec> }): PodRequests {
  const zero: PodRequests = { cpuMilli: 0, memoryBytes: 0 };
  let apps = (pod.spec?.containers ?? []).map(containerRequests).reduce(add, zero);
  let sidecars = zero;
  let initPeak = zero;
  for (const c of pod.spec?.initContainers ?? []) {
    const r = containerRequests(c);
    if (isSidecar(c)) {
      sidecars = add(sidecars, r);
      initPeak = max(initPeak, sidecars);
    } else {
      initPeak = max(initPeak, add(r, sidecars));
    }
  }
  apps = add(apps, sidecars);
  return max(apps, initPeak);
}

const QOS_RESOURCES = ['cpu', 'memory'];

/** QoS class (kubectl `qos.GetPodQOS`): considers cpu and memory of all containers incl. init. */
export function qosClass(pod: { spec?: Partial<PodSpec> }): QOSClass {
  const requests = new Map<string, bigint>();
  const limits = new Map<string, bigint>();
  let guaranteed = true;
  const all = [...(pod.spec?.containers ?? []), ...(pod.spec?.initContainers ?? [])];
  for (const c of all) {
    for (const [name, q] of Object.entries(effectiveRequests(c))) {
      if (!QOS_RESOURCES.includes(name)) continue;
      const v = quantityAsScale(parseQuantity(q), -9);
      if (v > 0n) requests.set(name, (requests.get(name) ?? 0n) + v);
    }
    const found = new Set<string>();
    for (const [name, q] of Object.entries(c.resources?.limits ?? {})) {
      if (!QOS_RESOURCES.includes(name)) continue;
      const v = quantityAsScale(parseQuantity(q), -9);
      if (v > 0n) {
        found.add(name);
        limits.set(name, (limits.get(name) ?? 0n) + v);
      }
    }
    if (!found.has('cpu') || !found.has('memory')) guaranteed = false;
  }
  if (requests.size === 0 && limits.size === 0) return 'BestEffort';
  if (guaranteed) {
    for (const [name, req] of requests) {
      if (limits.get(name) !== req) {
        guaranteed = false;
        break;
      }
    }
  }
  return guaranteed && requests.size === limits.size ? 'Guaranteed' : 'Burstable';
}
