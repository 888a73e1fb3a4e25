import type { Pod, Taint } from '@peapod/core';
import { toleratesTaint } from '../scheduler/taints.js';

export type EvictionDecision = { evict: 'now' } | { evict: 'at'; at: number } | { evict: 'never' };

/**
 * The NoExecute taint manager's decision for one pod on one node (kk-nlc taint eviction,
 * k8s-semantics §8.4): any NoExecute taint without a matching toleration → evict now. Otherwise,
 * per taint, the first matching toleration decides: no `tolerationSeconds` = tolerated forever,
 * `N` = evict N s after the taint's `timeAdded` (≤ 0: now). The earliest such deadline wins.
 */
export function evictionDecision(pod: Pod, taints: Taint[] | undefined, now: number): EvictionDecision {
  const noExecute = (taints ?? []).filter((t) => t.effect === 'NoExecute');
  if (noExecute.length === 0) return { evict: 'never' };
  const tolerations = pod.spec.tolerations ?? [];
  let earliest = Number.POSITIVE_INFINITY;
  for (const taint of noExecute) {
    const toleration = tolerations.find((t) => toleratesTaint(t, taint));
    if (!toleration) return { evict: 'now' };
    if (toleration.tolerationSeconds === undefined || toleration.tolerationSeconds === null) continue;
    if (toleration.tolerationSeconds <= 0) return { evict: 'now' };
    const added = taint.timeAdded ? Date.parse(taint.timeAdded) : Number.NaN;
    const start = Number.isNaN(added) ? now : added;
    earliest = Math.min(earliest, start + toleration.tolerationSeconds * 1000);
  }
  if (earliest === Number.POSITIVE_INFINITY) return { evict: 'never' };
  return earliest <= now ? { evict: 'now' } : { evict: 'at', at: earliest };
}
