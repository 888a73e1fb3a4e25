import {
  isApiError,
  type KubeObject,
  type OwnerReference,
  type Pod,
  type PodCondition,
  RESOURCE_TYPES,
  type ResourceType,
} from '@peapod/core';
import type { ResourceService } from '../api/service-types.js';

/** `namespace/name` (or `name` for cluster-scoped objects): the work-queue key of an object. */
export function objectKey(object: KubeObject): string {
  const { namespace, name } = object.metadata;
  return namespace ? `${namespace}/${name}` : (name ?? '');
}

export function splitKey(key: string): { namespace: string | undefined; name: string } {
  const slash = key.indexOf('/');
  return slash < 0
    ? { namespace: undefined, name: key }
    : { namespace: key.slice(0, slash), name: key.slice(slash + 1) };
}

/** The ownerReference with `controller: true`, if any. */
export function controllerRef(object: KubeObject): OwnerReference | undefined {
  return object.metadata.ownerReferences?.find((r) => r.controller === true);
}

export function ownerReferenceTo(owner: KubeObject): OwnerReference {
  return {
    apiVersion: owner.apiVersion,
    kind: owner.kind,
    name: owner.metadata.name as string,
    uid: owner.metadata.uid as string,
    controller: true,
    blockOwnerDeletion: true,
  };
}

export function isDeleting(object: KubeObject): boolean {
  return Boolean(object.metadata.deletionTimestamp);
}

export function isPodTerminal(pod: Pod | KubeObject): boolean {
  const phase = pod.status?.phase;
  return phase === 'Succeeded' || phase === 'Failed';
}

/** Counted as a replica: not terminal and not being deleted (controller_utils IsPodActive). */
export function isPodActive(pod: Pod | KubeObject): boolean {
  return !isPodTerminal(pod) && !isDeleting(pod);
}

export function podCondition(pod: Pod | KubeObject, type: string): PodCondition | undefined {
  return (pod.status?.conditions as PodCondition[] | undefined)?.find((c) => c.type === type);
}

export function isPodReady(pod: Pod | KubeObject): boolean {
  return podCondition(pod, 'Ready')?.status === 'True';
}

/**
 * Ready for at least `minReadySeconds` at `now` (podutil IsPodAvailable). Returns the number of
 * milliseconds until it becomes available when it is ready but not yet available (so callers can
 * requeue), 0 when available, -1 when not ready.
 */
export function msUntilAvailable(pod: Pod | KubeObject, minReadySeconds: number, now: number): number {
  const ready = podCondition(pod, 'Ready');
  if (ready?.status !== 'True') return -1;
  if (!minReadySeconds) return 0;
  const since = ready.lastTransitionTime ? Date.parse(ready.lastTransitionTime) : Number.NaN;
  if (Number.isNaN(since)) return 0;
  const due = since + minReadySeconds * 1000;
  return due <= now ? 0 : due - now;
}

export function isPodAvailable(pod: Pod | KubeObject, minReadySeconds: number, now: number): boolean {
  return msUntilAvailable(pod, minReadySeconds, now) === 0;
}

/** RFC3339 with seconds precision, as Kubernetes renders metav1.Time. */
export { rfc3339Seconds as rfc3339 } from '../store/object-meta.js';

export function isNotFound(error: unknown): boolean {
  return isApiError(error) && error.status.code === 404;
}

/** The object, or undefined when it does not exist (any other error is thrown). */
export function getIfExists<T extends KubeObject = KubeObject>(
  service: ResourceService,
  type: ResourceType,
  namespace: string | undefined,
  name: string,
): T | undefined {
  try {
    return service.get(type, namespace, name) as T;
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

export function isAlreadyExists(error: unknown): boolean {
  return isApiError(error) && error.status.reason === 'AlreadyExists';
}

function typeOfKind(kind: string): ResourceType {
  const type = RESOURCE_TYPES.find((t) => t.kind === kind);
  if (!type) throw new Error(`unknown kind ${kind}`);
  return type;
}

export const PODS = typeOfKind('Pod');
export const NODES = typeOfKind('Node');
export const REPLICASETS = typeOfKind('ReplicaSet');
export const DEPLOYMENTS = typeOfKind('Deployment');
export const EVENTS = typeOfKind('Event');
