import type { Pod } from '@peapod/core';
import { filterNode, fitErrorMessage } from './filters.js';
import type { NodeInfo } from './node-info.js';
import { pickNode, scoreNodes } from './scores.js';

export type Decision = { node: string } | { node?: undefined; message: string };

/** Filter every node, score the feasible ones, pick the best (k8s-semantics §8.1). Pure. */
export function decide(pod: Pod, nodes: NodeInfo[]): Decision {
  const feasible: NodeInfo[] = [];
  const failures: string[][] = [];
  for (const info of nodes) {
    const reasons = filterNode(pod, info);
    if (reasons.length === 0) feasible.push(info);
    else failures.push(reasons);
  }
  if (feasible.length === 0) return { message: fitErrorMessage(nodes.length, failures) };
  if (feasible.length === 1) return { node: feasible[0].node.metadata.name as string };
  return { node: pickNode(scoreNodes(pod, feasible)) as string };
}
