import type { Node, Taint, TaintEffect, Toleration } from '@peapod/core';

/** Well-known taint keys (api-core well_known_taints.go). */
export const TAINT_NOT_READY = 'node.kubernetes.io/not-ready';
export const TAINT_UNREACHABLE = 'node.kubernetes.io/unreachable';
export const TAINT_UNSCHEDULABLE = 'node.kubernetes.io/unschedulable';

/** api-core `Toleration.ToleratesTaint`. */
export function toleratesTaint(toleration: Toleration, taint: Taint): boolean {
  if (toleration.effect && toleration.effect !== taint.effect) return false;
  if (toleration.key && toleration.key !== taint.key) return false;
  switch (toleration.operator ?? 'Equal') {
    case 'Exists':
      return true;
    case 'Equal':
      // An empty key with Equal is rejected by validation; it never matches here.
      return Boolean(toleration.key) && (toleration.value ?? '') === (taint.value ?? '');
    default:
      return false;
  }
}

export function isTolerated(taint: Taint, tolerations: Toleration[] | undefined): boolean {
  return (tolerations ?? []).some((t) => toleratesTaint(t, taint));
}

/** The first taint with one of `effects` that no toleration tolerates. */
export function findUntoleratedTaint(
  taints: Taint[] | undefined,
  tolerations: Toleration[] | undefined,
  effects: TaintEffect[],
): Taint | undefined {
  return (taints ?? []).find((taint) => effects.includes(taint.effect) && !isTolerated(taint, tolerations));
}

/** The node's Ready condition status: 'True', 'False', 'Unknown', or undefined when absent. */
export function nodeReadyStatus(node: Node): string | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

/**
 * Taints the scheduler must honour: `spec.taints` plus the NoSchedule taint implied by a Ready
 * condition that is not True, in case the node lifecycle controller has not written it yet
 * (a missing Ready condition counts as not-ready, like a freshly registered kubelet).
 */
export function schedulingTaints(node: Node): Taint[] {
  const taints = [...(node.spec?.taints ?? [])];
  const ready = nodeReadyStatus(node);
  if (ready !== 'True') {
    const key = ready === 'Unknown' ? TAINT_UNREACHABLE : TAINT_NOT_READY;
    if (!taints.some((t) => t.key === key && t.effect === 'NoSchedule')) taints.push({ key, effect: 'NoSchedule' });
  }
  return taints;
}
