import type { Node, Taint, TaintEffect } from '@peapod/core';
import { nodeReadyStatus, TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE } from '../scheduler/taints.js';

const MANAGED_KEYS = new Set([TAINT_NOT_READY, TAINT_UNREACHABLE, TAINT_UNSCHEDULABLE]);

/**
 * The taints the node lifecycle controller keeps on a node (k8s-semantics §9.3): Ready=False →
 * `not-ready`, Ready=Unknown → `unreachable` (NoSchedule + NoExecute each), a node without a Ready
 * condition yet → `not-ready:NoSchedule` (what a registering kubelet carries), `spec.unschedulable`
 * → `unschedulable:NoSchedule`.
 */
export function conditionTaints(node: Node): { key: string; effect: TaintEffect }[] {
  const out: { key: string; effect: TaintEffect }[] = [];
  const ready = nodeReadyStatus(node);
  if (ready === 'False')
    out.push({ key: TAINT_NOT_READY, effect: 'NoSchedule' }, { key: TAINT_NOT_READY, effect: 'NoExecute' });
  else if (ready === 'Unknown') {
    out.push({ key: TAINT_UNREACHABLE, effect: 'NoSchedule' }, { key: TAINT_UNREACHABLE, effect: 'NoExecute' });
  } else if (ready === undefined) out.push({ key: TAINT_NOT_READY, effect: 'NoSchedule' });
  if (node.spec?.unschedulable) out.push({ key: TAINT_UNSCHEDULABLE, effect: 'NoSchedule' });
  return out;
}

/**
 * The node's taint list with the managed taints brought in line with its conditions: user taints
 * are kept as they are, a managed taint that stays keeps its `timeAdded`, new ones get `at`.
 * Returns undefined when nothing changes.
 */
export function reconcileNodeTaints(node: Node, at: string): Taint[] | undefined {
  const current = node.spec?.taints ?? [];
  const wanted = conditionTaints(node);
  const same = (t: Taint, w: { key: string; effect: TaintEffect }) => t.key === w.key && t.effect === w.effect;
  const managed = current.filter((t) => MANAGED_KEYS.has(t.key));
  const unchanged = managed.length === wanted.length && wanted.every((w) => managed.some((t) => same(t, w)));
  if (unchanged) return undefined;
  const kept = current.filter((t) => !MANAGED_KEYS.has(t.key) || wanted.some((w) => same(t, w)));
  const added = wanted.filter((w) => !current.some((t) => same(t, w))).map((w) => ({ ...w, timeAdded: at }));
  return [...kept, ...added];
}
