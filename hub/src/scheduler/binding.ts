import { conflict, type KubeObject, type Pod } from '@peapod/core';
import { PODS } from '../controllers/objects.js';
import type { ObjectStore } from '../store/types.js';

/**
 * The `pods/binding` subresource: sets `spec.nodeName` of an unbound pod. Pod validation forbids
 * that change through a normal update, so (like the apiserver's BindingREST) it goes to the store
 * directly, guarded by the pod's uid and resourceVersion. Throws Conflict when the pod is already
 * bound, being deleted, or was replaced meanwhile.
 */
export function bindPod(store: ObjectStore, pod: Pod, nodeName: string): Pod {
  const current = store.get(PODS, pod.metadata.namespace, pod.metadata.name as string) as Pod | undefined;
  const name = pod.metadata.name as string;
  if (!current || current.metadata.uid !== pod.metadata.uid) throw conflict(PODS.plural, name);
  if (current.spec.nodeName || current.metadata.deletionTimestamp) throw conflict(PODS.plural, name);
  const bound: KubeObject = structuredClone(current);
  bound.spec.nodeName = nodeName;
  return store.update(PODS, bound) as Pod;
}
