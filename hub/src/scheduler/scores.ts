import type { Pod, Taint, Toleration } from '@peapod/core';
import { preferredAffinityWeight } from './node-affinity.js';
import {
  type Allocatable,
  controllerKey,
  type NodeInfo,
  nonZeroRequests,
  type Requests,
  summaryOf,
} from './node-info.js';
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
  if (!taints?.some((taint) => taint.effect === 'PreferNoSchedule')) return 0;
  const usable = (tolerations ?? []).filter((t) => !t.effect || t.effect === 'PreferNoSchedule');
  return (taints ?? []).filter(
    (taint) => taint.effect === 'PreferNoSchedule' && !usable.some((t) => toleratesTaint(t, taint)),
  ).length;
}

/** The pod's (non-zero) requests plus those already on the node. */
function requestedWithPod(podRequests: Requests, info: NodeInfo): Requests {
  const onNode = summaryOf(info).nonZeroRequested;
  return {
    cpuMilli: podRequests.cpuMilli + onNode.cpuMilli,
    memoryBytes: podRequests.memoryBytes + onNode.memoryBytes,
  };
}

function leastAllocatedOne(requested: number, allocatable: number): number {
  if (allocatable <= 0 || requested > allocatable) return 0;
  return Math.floor(((allocatable - requested) * MAX_SCORE) / allocatable);
}

function leastAllocated(r: Requests, a: Allocatable): number {
  return Math.floor((leastAllocatedOne(r.cpuMilli, a.cpuMilli) + leastAllocatedOne(r.memoryBytes, a.memoryBytes)) / 2);
}

function balancedAllocation(r: Requests, a: Allocatable): number {
  if (a.cpuMilli <= 0 || a.memoryBytes <= 0) return MAX_SCORE;
  const cpu = Math.min(1, r.cpuMilli / a.cpuMilli);
  const memory = Math.min(1, r.memoryBytes / a.memoryBytes);
  const std = Math.abs(cpu - memory) / 2;
  return Math.floor((1 - std) * MAX_SCORE);
}

/** NodeResourcesFit LeastAllocated, cpu:memory 1:1. */
export function leastAllocatedScore(pod: Pod, info: NodeInfo): number {
  return leastAllocated(requestedWithPod(nonZeroRequests(pod), info), summaryOf(info).allocatable);
}

/** NodeResourcesBalancedAllocation: (1 − std of requested/allocatable fractions) × 100. */
export function balancedAllocationScore(pod: Pod, info: NodeInfo): number {
  return balancedAllocation(requestedWithPod(nonZeroRequests(pod), info), summaryOf(info).allocatable);
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
  const owner = controllerKey(pod);
  const taint = normalise(
    feasible.map((i) => preferNoScheduleCount(i.node.spec?.taints, pod.spec.tolerations)),
    true,
  );
  const affinity = normalise(
    feasible.map((i) => preferredAffinityWeight(pod, i.node)),
    false,
  );
  const spread = normalise(
    feasible.map((i) => (owner ? (summaryOf(i).controllerPods.get(owner) ?? 0) : 0)),
    true,
  );
  const podRequests = nonZeroRequests(pod);
  return feasible.map((info, index) => {
    const r = requestedWithPod(podRequests, info);
    const { allocatable } = summaryOf(info);
    const plugins: Record<ScorePlugin, number> = {
      TaintToleration: taint[index],
      NodeAffinity: affinity[index],
      SelectorSpread: spread[index],
      LeastAllocated: leastAllocated(r, allocatable),
      BalancedAllocation: balancedAllocation(r, allocatable),
    };
    const total =
      SCORE_WEIGHTS.TaintToleration * plugins.TaintToleration +
      SCORE_WEIGHTS.NodeAffinity * plugins.NodeAffinity +
      SCORE_WEIGHTS.SelectorSpread * plugins.SelectorSpread +
      SCORE_WEIGHTS.LeastAllocated * plugins.LeastAllocated +
      SCORE_WEIGHTS.BalancedAllocation * plugins.BalancedAllocation;
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
