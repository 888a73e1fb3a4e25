import type { Pod } from '@peapod/core';
import { controllerRef, isPodActive, isPodReady, podCondition } from './objects.js';

/** Phase rank for deletion: Pending < Unknown < Running (controller_utils podPhaseToOrdinal). */
const PHASE_ORDER: Record<string, number> = { Pending: 0, Unknown: 1, Running: 2 };

function readySince(pod: Pod): number {
  const t = podCondition(pod, 'Ready')?.lastTransitionTime;
  return t ? Date.parse(t) : Number.NaN;
}

function restarts(pod: Pod): number {
  return (pod.status?.containerStatuses ?? []).reduce((max, c) => Math.max(max, c.restartCount ?? 0), 0);
}

function created(pod: Pod): number {
  const t = pod.metadata.creationTimestamp;
  return t ? Date.parse(t) : 0;
}

export interface RankingContext {
  /**
   * True for a pod whose node carries NoExecute taints (not-ready, unreachable, …) that the pod no
   * longer tolerates — its toleration has run out. Edge twist: such pods are the surplus to remove
   * first; while a pod's toleration still runs it ranks like any other pod.
   */
  outOfToleration(pod: Pod): boolean;
}

/**
 * Orders pods so the ones to delete first come first (controller_utils ActivePodsWithRanks):
 * unassigned < assigned; out of toleration on its node < tolerated; Pending < Unknown < Running; not ready <
 * ready; more replicas of the same controller on its node < fewer (doubled-up pods go first);
 * ready for a shorter time < longer; more restarts < fewer; newer < older; then by name.
 */
export function rankForDeletion(pods: Pod[], context: RankingContext): Pod[] {
  const perNode = new Map<string, number>();
  const rankKey = (p: Pod) => `${controllerRef(p)?.uid ?? ''}/${p.spec.nodeName ?? ''}`;
  for (const p of pods) {
    if (p.spec.nodeName && isPodActive(p)) perNode.set(rankKey(p), (perNode.get(rankKey(p)) ?? 0) + 1);
  }
  const coLocated = (p: Pod) => (p.spec.nodeName ? (perNode.get(rankKey(p)) ?? 0) : 0);
  const expired = new Set(pods.filter((p) => p.spec.nodeName && context.outOfToleration(p)));

  return [...pods].sort((a, b) => {
    if (!a.spec.nodeName !== !b.spec.nodeName) return a.spec.nodeName ? 1 : -1;
    if (expired.has(a) !== expired.has(b)) return expired.has(a) ? -1 : 1;
    const pa = PHASE_ORDER[a.status?.phase ?? 'Pending'] ?? 0;
    const pb = PHASE_ORDER[b.status?.phase ?? 'Pending'] ?? 0;
    if (pa !== pb) return pa - pb;
    if (isPodReady(a) !== isPodReady(b)) return isPodReady(a) ? 1 : -1;
    if (coLocated(a) !== coLocated(b)) return coLocated(b) - coLocated(a);
    if (isPodReady(a) && isPodReady(b)) {
      const ra = readySince(a);
      const rb = readySince(b);
      if (ra !== rb && !(Number.isNaN(ra) && Number.isNaN(rb))) {
        if (Number.isNaN(ra)) return -1;
        if (Number.isNaN(rb)) return 1;
        return rb - ra;
      }
    }
    if (restarts(a) !== restarts(b)) return restarts(b) - restarts(a);
    if (created(a) !== created(b)) return created(b) - created(a);
    return (a.metadata.name ?? '') < (b.metadata.name ?? '') ? -1 : 1;
  });
}
