import { type Pod, podRequests } from '@peapod/core';
import { nodeMatchesPodAffinity } from './node-affinity.js';
import { hostPortsOf, type NodeInfo, requestedOn, summaryOf } from './node-info.js';
import { findUntoleratedTaint, isTolerated, TAINT_UNSCHEDULABLE } from './taints.js';

/** Failure reasons, byte-exact as kube-scheduler renders them (k8s-semantics §8.2, v1.35+ taint text). */
export const REASON = {
  unschedulable: 'node(s) were unschedulable',
  nodeName: "node(s) didn't match the requested node name",
  nodePorts: "node(s) didn't have free ports for the requested pod ports",
  nodeAffinity: "node(s) didn't match Pod's node affinity/selector",
  taint: 'node(s) had untolerated taint(s)',
  insufficientCpu: 'Insufficient cpu',
  insufficientMemory: 'Insufficient memory',
  tooManyPods: 'Too many pods',
} as const;

type Filter = (pod: Pod, info: NodeInfo) => string[];

const nodeUnschedulable: Filter = (pod, { node }) => {
  if (!node.spec?.unschedulable) return [];
  const tolerated = isTolerated({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' }, pod.spec.tolerations);
  return tolerated ? [] : [REASON.unschedulable];
};

const nodeName: Filter = (pod, { node }) =>
  pod.spec.nodeName && pod.spec.nodeName !== node.metadata.name ? [REASON.nodeName] : [];

const taintToleration: Filter = (pod, info) =>
  findUntoleratedTaint(summaryOf(info).taints, pod.spec.tolerations, ['NoSchedule', 'NoExecute']) ? [REASON.taint] : [];

const nodeAffinity: Filter = (pod, { node }) => (nodeMatchesPodAffinity(pod, node) ? [] : [REASON.nodeAffinity]);

const nodePorts: Filter = (pod, info) => {
  const wanted = hostPortsOf(pod);
  if (wanted.length === 0) return [];
  const used = summaryOf(info).hostPorts;
  const clash = wanted.some((w) =>
    used.some(
      (u) =>
        u.port === w.port &&
        u.protocol === w.protocol &&
        (u.hostIP === w.hostIP || u.hostIP === '0.0.0.0' || w.hostIP === '0.0.0.0'),
    ),
  );
  return clash ? [REASON.nodePorts] : [];
};

const nodeResourcesFit: Filter = (pod, info) => {
  const reasons: string[] = [];
  const { allocatable } = summaryOf(info);
  if (info.pods.length + 1 > allocatable.pods) reasons.push(REASON.tooManyPods);
  const wanted = podRequests(pod);
  if (wanted.cpuMilli === 0 && wanted.memoryBytes === 0) return reasons;
  const used = requestedOn(info);
  if (wanted.cpuMilli > 0 && wanted.cpuMilli > allocatable.cpuMilli - used.cpuMilli) {
    reasons.push(REASON.insufficientCpu);
  }
  if (wanted.memoryBytes > 0 && wanted.memoryBytes > allocatable.memoryBytes - used.memoryBytes) {
    reasons.push(REASON.insufficientMemory);
  }
  return reasons;
};

/** kube-scheduler's default filter order; the first plugin that rejects a node gives its reasons. */
export const FILTERS: readonly [string, Filter][] = [
  ['NodeUnschedulable', nodeUnschedulable],
  ['NodeName', nodeName],
  ['TaintToleration', taintToleration],
  ['NodeAffinity', nodeAffinity],
  ['NodePorts', nodePorts],
  ['NodeResourcesFit', nodeResourcesFit],
];

/** Empty when the node fits; otherwise the failure reasons of the first rejecting filter. */
export function filterNode(pod: Pod, info: NodeInfo): string[] {
  for (const [, filter] of FILTERS) {
    const reasons = filter(pod, info);
    if (reasons.length > 0) return reasons;
  }
  return [];
}

/** kk-sched ErrNoNodesAvailable. */
export const NO_NODES_MESSAGE = 'no nodes available to schedule pods';

/**
 * The FailedScheduling message (kk-sched FitError): `0/N nodes are available: ` + `<count> <reason>`
 * sorted as strings and joined by `, `, then `.`. The hub has no preemption, so the `preemption: …`
 * sentence is not emitted (k8s-semantics §8.6).
 */
export function fitErrorMessage(nodeCount: number, reasonsPerNode: string[][]): string {
  if (nodeCount === 0) return NO_NODES_MESSAGE;
  const counts = new Map<string, number>();
  for (const reasons of reasonsPerNode) {
    for (const reason of reasons) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  }
  const parts = [...counts].map(([reason, count]) => `${count} ${reason}`).sort();
  return `0/${nodeCount} nodes are available: ${parts.join(', ')}.`;
}
