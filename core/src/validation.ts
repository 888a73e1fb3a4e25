/**
 * Validation by kind with Kubernetes rules and messages (k8s-semantics.md §1–§7, §10–§11; kk-val).
 */
import { invalid } from './errors.js';
import { resourceTypeForKind } from './resources.js';
import type { KubeObject, StatusCause } from './types.js';

/** Validates `obj` (and, on update, the transition from `old`); returns the causes, empty if valid. */
export function validateObject(obj: KubeObject, old?: KubeObject): StatusCause[] {
  void obj;
  void old;
  return [];
}

/** Throws ApiError Invalid (422) with `details.causes` unless `obj` is valid. */
export function assertValid(obj: KubeObject, old?: KubeObject): void {
  const causes = validateObject(obj, old);
  if (causes.length === 0) return;
  const group = resourceTypeForKind(obj.apiVersion, obj.kind)?.group ?? '';
  throw invalid(obj.kind, obj.metadata?.name ?? obj.metadata?.generateName ?? '', causes, group);
}
