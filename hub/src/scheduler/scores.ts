import type { Pod, Taint, Toleration } from '@peapod/core';
import { preferredAffinityWeight } from './node-affinity.js';
import { controllerKey, type NodeInfo, nonZeroRequests, type Requests, summaryOf } from './node-info.js';
import { toleratesTaint } from './taints.js';

/** kube-scheduler default score weights (k8s-semantics §8.5). */
export const SCORE_WEIGHTS = {
  TaintToleration: 3,
  NodeAffinity: 2,
  SelectorSpread: 2,
  LeastAllocated: 1,
  BalancedAllocation: 1,
} as const;

export type ScorePlugin = keyof typeof SCORE_WEIGHTS;
const MAX_SCORE = 100;

export interface NodeScore {
  name: string;
  /** Σ weight × normalised plugin score. */
  total: number;
  /** Normalised 0–100 score per plugin. */
  plugins: Record<ScorePlugin, number>;
}

/** Untolerated PreferNoSchedule taints (only tolerations with effect '' or PreferNoSchedule count). */
export function preferNoScheduleCount(taints: Taint[] | undefined, tolerations: Toleration[] | undefined): number {
  const usable = (tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
  return (taints ?? []).filter(
    (taint) => taint.effect === 'PreferNoSchedule' && !usable.some((t) => toleratesTaint(t, taint)),
  ).length;
}

function requestedWithPod(pod: Pod, info: NodeInfo): Requests {
  const total = nonZeroRequests(pod);
  const onNode = summaryOf(info).nonZeroRequested;
  total.cpuMilli += onNode.cpuMilli;
  total.memoryBytes += onNode.memoryBytes;
  return total;
}

function leastAllocatedOne(requested: number, allocatable: number): number {
  if (allocatable <= 0 || requested > allocatable) return 0;
  return Math.floor(((allocatable - requested) * MAX_SCORE) / allocatable);
}

/** NodeResourcesFit LeastAllocated, cpu:memory 1:1. */
export function leastAllocatedScore(pod: Pod, info: NodeInfo): number {
  const a = summaryOf(info).allocatable;
  const r = requestedWithPod(pod, info);
  return Math.floor((leastAllocatedOne(r.cpuMilli, a.cpuMilli) + leastAllocatedOne(r.memoryBytes, a.memoryBytes)) / 2);
}

/** NodeResourcesBalancedAllocation: (1 − std of requested/allocatable fractions) × 100. */
export function balancedAllocationScore(pod: Pod, info: NodeInfo): number {
  const a = summaryOf(info).allocatable;
  const r = requestedWithPod(pod, info);
  const fractions: number[] = [];
  if (a.cpuMilli > 0) fractions.push(Math.min(1, r.cpuMilli / a.cpuMilli));
  if (a.memoryBytes > 0) fractions.push(Math.min(1, r.memoryBytes / a.memoryBytes));
  if (fractions.length < 2) return MAX_SCORE;
  const std = Math.abs(fractions[0] - fractions[1]) / 2;
  return Math.floor((1 - std) * MAX_SCORE);
}

/** Pods on the node controlled by the same controller as `pod` (replica spreading). */
export function sameControllerCount(pod: Pod, info: NodeInfo): number {
  const owner = controllerKey(pod);
  return owner ? (summaryOf(info).controllerPods.get(owner) ?? 0) : 0;
}

/** kube-scheduler DefaultNormalizeScore. */
function normalise(raw: number[], reverse: boolean): number[] {
  const max = Math.max(0, ...raw);
  if (max === 0) return raw.map(() => (reverse ? MAX_SCORE : 0));
  return raw.map((v) => {
    const s = Math.floor((v * MAX_SCORE) / max);
    return reverse ? MAX_SCORE - s : s;
  });
}

/** Scores the feasible nodes; returned in input order. */
export function scoreNodes(pod: Pod, feasible: NodeInfo[]): NodeScore[] {
  const taint = normalise(
    feasible.map((i) => preferNoScheduleCount(i.node.spec?.taints, pod.spec.tolerations)),
    true,
  );
  const affinity = normalise(
    feasible.map((i) => preferredAffinityWeight(pod, i.node)),
    false,
  );
  const spread = normalise(
    feasible.map((i) => sameControllerCount(pod, i)),
    true,
  );
  return feasible.map((info, index) => {
    const plugins: Record<ScorePlugin, number> = {
      TaintToleration: taint[index],
      NodeAffinity: affinity[index],
      SelectorSpread: spread[index],
      LeastAllocated: leastAllocatedScore(pod, info),
      BalancedAllocation: balancedAllocationScore(pod, info),
    };
    let total = 0;
    for (const [plugin, weight] of Object.entries(SCORE_WEIGHTS)) total += weight * plugins[plugin as ScorePlugin];
    return { name: info.node.metadata.name ?? '', total, plugins };
  });
}

/** Highest total wins; ties go to the lexicographically smallest node name (deterministic). */
export function pickNode(scores: NodeScore[]): string | undefined {
  let best: NodeScore | undefined;
  for (const s of scores) {
    if (!best || s.total > best.total || (s.total === best.total && s.name < best.name)) best = s;
  }
  return best?.name;
}
