import type { KubeObject, ResourceType } from '@peapod/core';
import { RESOURCE_TYPES } from '@peapod/core';
import type { ObjectStore } from '../../store/types.js';

export interface Dependent {
  type: ResourceType;
  object: KubeObject;
}

/**
 * Objects whose `ownerReferences` name `owner` (by uid). A namespaced owner can only own objects
 * in its namespace; a cluster-scoped one may own objects anywhere.
 */
export function findDependents(store: ObjectStore, owner: KubeObject): Dependent[] {
  const uid = owner.metadata.uid;
  if (!uid) return [];
  const namespace = owner.metadata.namespace;
  const out: Dependent[] = [];
  for (const type of RESOURCE_TYPES) {
    if (namespace && !type.namespaced) continue;
    for (const object of store.list(type, { namespace }).items) {
      if (object.metadata.ownerReferences?.some((ref) => ref.uid === uid)) out.push({ type, object });
    }
  }
  return out;
}

/** `propagationPolicy: Orphan`: dependents lose their references to `owner` and survive it. */
export function orphanDependents(store: ObjectStore, owner: KubeObject): void {
  const uid = owner.metadata.uid;
  for (const { type, object } of findDependents(store, owner)) {
    const remaining = (object.metadata.ownerReferences ?? []).filter((ref) => ref.uid !== uid);
    if (remaining.length > 0) object.metadata.ownerReferences = remaining;
    else delete object.metadata.ownerReferences;
    store.update(type, object, { keepStatus: true });
  }
}
