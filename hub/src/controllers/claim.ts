import type { KubeObject, ResourceType, Selector } from '@peapod/core';
import type { ResourceService } from '../api/service-types.js';
import { controllerRef, isDeleting, ownerReferenceTo } from './objects.js';

/**
 * Kubernetes' ControllerRefManager in one function: of `candidates` (objects of `type` in the
 * owner's namespace), keep those `owner` controls and the selector still matches; release those it
 * controls that no longer match (strip its ownerReference); adopt orphans that match (add a
 * controller ownerReference, unless someone else won the race). Deleting objects are neither
 * released nor adopted, and a deleting owner adopts nothing. Returns what the owner now owns.
 */
export function claimOwned<T extends KubeObject>(
  service: ResourceService,
  type: ResourceType,
  owner: KubeObject,
  selector: Selector,
  candidates: readonly T[],
): T[] {
  const uid = owner.metadata.uid;
  const owned: T[] = [];
  for (const object of candidates) {
    const ref = controllerRef(object);
    const matches = selector.matches(object.metadata.labels ?? {});
    const { namespace, name } = object.metadata;
    if (ref?.uid === uid) {
      if (matches) owned.push(object);
      else if (!isDeleting(object)) {
        service.mutate(type, namespace, name as string, (o) => {
          o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => r.uid !== uid);
          if (o.metadata.ownerReferences.length === 0) delete o.metadata.ownerReferences;
          return o;
        });
      }
    } else if (!ref && matches && !isDeleting(object) && !isDeleting(owner)) {
      const adopted = service.mutate(type, namespace, name as string, (o) => {
        if (controllerRef(o)) return undefined;
        o.metadata.ownerReferences = [...(o.metadata.ownerReferences ?? []), ownerReferenceTo(owner)];
        return o;
      }) as T;
      if (controllerRef(adopted)?.uid === uid) owned.push(adopted);
    }
  }
  return owned;
}
