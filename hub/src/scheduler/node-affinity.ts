import type { Node, NodeSelectorRequirement, NodeSelectorTerm, Pod } from '@peapod/core';

/** Parses a Gt/Lt operand the way strconv.ParseInt(s, 10, 64) does (no spaces, optional sign). */
function parseInteger(value: string | undefined): number | undefined {
  if (value === undefined || !/^[+-]?\d+$/.test(value)) return undefined;
  return Number(value);
}

/** component-helpers nodeaffinity: one requirement against a label (or field) map. */
export function requirementMatches(req: NodeSelectorRequirement, labels: Record<string, string>): boolean {
  const has = Object.hasOwn(labels, req.key);
  const value = labels[req.key];
  const values = req.values ?? [];
  switch (req.operator) {
    case 'In':
      return has && values.includes(value);
    case 'NotIn':
      return !has || !values.includes(value);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    case 'Gt':
    case 'Lt': {
      if (!has || values.length !== 1) return false;
      const nodeValue = parseInteger(value);
      const bound = parseInteger(values[0]);
      if (nodeValue === undefined || bound === undefined) return false;
      return req.operator === 'Gt' ? nodeValue > bound : nodeValue < bound;
    }
    default:
      return false;
  }
}

/** Expressions and fields ANDed; a term with neither matches nothing. */
export function termMatches(term: NodeSelectorTerm, node: Node): boolean {
  const expressions = term.matchExpressions ?? [];
  const fields = term.matchFields ?? [];
  if (expressions.length === 0 && fields.length === 0) return false;
  const labels = node.metadata.labels ?? {};
  if (!expressions.every((r) => requirementMatches(r, labels))) return false;
  const nodeFields = { 'metadata.name': node.metadata.name ?? '' };
  return fields.every((r) => r.key === 'metadata.name' && requirementMatches(r, nodeFields));
}

/** `nodeSelector` AND required node affinity (terms ORed). */
export function nodeMatchesPodAffinity(pod: Pod, node: Node): boolean {
  const labels = node.metadata.labels ?? {};
  for (const [key, value] of Object.entries(pod.spec.nodeSelector ?? {})) {
    if (labels[key] !== value) return false;
  }
  const required = pod.spec.affinity?.nodeAffinity?.requiredDuringSchedulingIgnoredDuringExecution;
  if (!required) return true;
  return (required.nodeSelectorTerms ?? []).some((term) => termMatches(term, node));
}

/** Σ weights of the preferred terms the node matches (before normalisation). */
export function preferredAffinityWeight(pod: Pod, node: Node): number {
  const preferred = pod.spec.affinity?.nodeAffinity?.preferredDuringSchedulingIgnoredDuringExecution ?? [];
  let sum = 0;
  for (const term of preferred) {
    if (term.weight > 0 && termMatches(term.preference, node)) sum += term.weight;
  }
  return sum;
}
