import {
  isApiError,
  type KubeObject,
  type OwnerReference,
  RESOURCE_TYPES,
  type ResourceType,
  resourceTypeForKind,
} from '@peapod/core';
import type { HubComponent, HubContext } from '../component.js';
import { listAndWatch } from './list-watch.js';
import { getIfExists, isDeleting, isNotFound } from './objects.js';
import { createWorkQueue, type WorkQueue } from './work-queue.js';

export const GARBAGE_COLLECTOR = 'garbage-collector';
export const FOREGROUND_DELETION = 'foregroundDeletion';

/** Kinds that may carry ownerReferences (Events never do). */
const WATCHED = RESOURCE_TYPES.filter((t) => t.kind !== 'Event');

interface Ref {
  type: ResourceType;
  namespace: string | undefined;
  name: string;
}

const refKey = (r: Ref) => `${r.type.plural}|${r.namespace ?? ''}/${r.name}`;

function parseRefKey(key: string): Ref | undefined {
  const bar = key.indexOf('|');
  const slash = key.indexOf('/', bar);
  const type = RESOURCE_TYPES.find((t) => t.plural === key.slice(0, bar));
  if (!type) return undefined;
  const namespace = key.slice(bar + 1, slash);
  return { type, namespace: namespace || undefined, name: key.slice(slash + 1) };
}

function ownerTypeOf(ref: OwnerReference): ResourceType | undefined {
  return resourceTypeForKind(ref.apiVersion, ref.kind);
}

/**
 * The garbage collector (k8s-semantics §10.6): deletes dependents whose owners (by uid) are all
 * gone (background propagation), drops references to owners that are gone while others remain, and
 * runs foreground deletion: an owner with `deletionTimestamp` and the `foregroundDeletion`
 * finalizer has its dependents deleted (blocking ones in foreground too), and the finalizer is
 * removed once no dependent with `blockOwnerDeletion` is left. Orphaning is done by the service.
 * Work items: `dep:<ref>` (check a dependent's owners) and `own:<ref>` (foreground owner).
 */
export function createGarbageCollector(): HubComponent {
  let context: HubContext | undefined;
  let queue: WorkQueue | undefined;
  const unwatch: (() => void)[] = [];
  /** owner uid → dependents (by ref key). */
  const dependents = new Map<string, Set<string>>();
  /** dependent ref key → owner uids it references. */
  const ownersOf = new Map<string, string[]>();
  /** owner uid → its ref key, for owners we have seen. */
  const ownerRefKeys = new Map<string, string>();

  const index = (key: string, object: KubeObject | undefined) => {
    for (const uid of ownersOf.get(key) ?? []) dependents.get(uid)?.delete(key);
    const uids = (object?.metadata.ownerReferences ?? []).map((r) => r.uid);
    if (uids.length === 0) ownersOf.delete(key);
    else ownersOf.set(key, uids);
    for (const uid of uids) {
      let set = dependents.get(uid);
      if (!set) {
        set = new Set();
        dependents.set(uid, set);
      }
      set.add(key);
    }
  };

  const onEvent = (type: ResourceType, eventType: string, object: KubeObject) => {
    const ref: Ref = { type, namespace: object.metadata.namespace, name: object.metadata.name as string };
    const key = refKey(ref);
    const uid = object.metadata.uid as string;
    const previousOwners = ownersOf.get(key)?.join(',');
    if (eventType === 'DELETED') {
      const owners = ownersOf.get(key) ?? [];
      index(key, undefined);
      ownerRefKeys.delete(uid);
      // Its dependents may now be orphans; its foreground owners may now be free to go.
      for (const dep of dependents.get(uid) ?? []) queue?.add(`dep:${dep}`);
      for (const owner of owners) {
        const ownerKey = ownerRefKeys.get(owner);
        if (ownerKey) queue?.add(`own:${ownerKey}`);
      }
      return;
    }
    ownerRefKeys.set(uid, key);
    index(key, object);
    const owners = ownersOf.get(key)?.join(',');
    if (owners && (eventType === 'ADDED' || owners !== previousOwners)) queue?.add(`dep:${key}`);
    if (isDeleting(object) && object.metadata.finalizers?.includes(FOREGROUND_DELETION)) queue?.add(`own:${key}`);
  };

  const getRef = (ctx: HubContext, ref: Ref): KubeObject | undefined =>
    getIfExists(ctx.service, ref.type, ref.namespace, ref.name);

  const deleteRef = (ctx: HubContext, ref: Ref, policy: 'Background' | 'Foreground', uid?: string) => {
    try {
      ctx.service.delete(ref.type, ref.namespace, ref.name, {
        propagationPolicy: policy,
        ...(uid ? { preconditions: { uid } } : {}),
      });
    } catch (error) {
      // Gone already, or replaced by a newer object of the same name (uid precondition): nothing to do.
      if (!isNotFound(error) && !(isApiError(error) && error.status.code === 409)) throw error;
    }
  };

  /** A dependent: delete it when every owner is gone, drop references to owners that are gone. */
  const checkDependent = (ctx: HubContext, ref: Ref) => {
    const object = getRef(ctx, ref);
    if (!object) return;
    const refs = object.metadata.ownerReferences ?? [];
    if (refs.length === 0) return;
    const absent: string[] = [];
    let foregroundOwner = false;
    for (const owner of refs) {
      const type = ownerTypeOf(owner);
      if (!type) continue; // unknown kinds are never treated as gone
      const found = getRef(ctx, { type, namespace: type.namespaced ? ref.namespace : undefined, name: owner.name });
      if (!found || found.metadata.uid !== owner.uid) absent.push(owner.uid);
      else if (isDeleting(found) && found.metadata.finalizers?.includes(FOREGROUND_DELETION)) foregroundOwner = true;
    }
    if (absent.length === refs.length) {
      if (!isDeleting(object)) deleteRef(ctx, ref, 'Background', object.metadata.uid);
      return;
    }
    if (absent.length > 0) {
      ctx.service.mutate(ref.type, ref.namespace, ref.name, (o) => {
        o.metadata.ownerReferences = (o.metadata.ownerReferences ?? []).filter((r) => !absent.includes(r.uid));
        return o;
      });
    }
    if (foregroundOwner) {
      for (const owner of refs) {
        const ownerKey = ownerRefKeys.get(owner.uid);
        if (ownerKey) queue?.add(`own:${ownerKey}`);
      }
    }
  };

  /** A foreground-deleting owner: delete its dependents, release it when no blocking one remains. */
  const checkOwner = (ctx: HubContext, ref: Ref) => {
    const owner = getRef(ctx, ref);
    if (!owner || !isDeleting(owner) || !owner.metadata.finalizers?.includes(FOREGROUND_DELETION)) return;
    const uid = owner.metadata.uid as string;
    let blocking = 0;
    for (const depKey of [...(dependents.get(uid) ?? [])]) {
      const depRef = parseRefKey(depKey);
      if (!depRef) continue;
      const dep = getRef(ctx, depRef);
      const link = dep?.metadata.ownerReferences?.find((r) => r.uid === uid);
      if (!dep || !link) continue;
      if (link.blockOwnerDeletion) blocking++;
      if (!isDeleting(dep))
        deleteRef(ctx, depRef, link.blockOwnerDeletion ? 'Foreground' : 'Background', dep.metadata.uid);
    }
    if (blocking > 0) return;
    ctx.service.mutate(ref.type, ref.namespace, ref.name, (o) => {
      if (o.metadata.uid !== uid) return undefined;
      o.metadata.finalizers = (o.metadata.finalizers ?? []).filter((f) => f !== FOREGROUND_DELETION);
      return o;
    });
  };

  const sync = (key: string) => {
    const ctx = context;
    const ref = parseRefKey(key.slice(4));
    if (!ctx || !ref) return;
    if (key.startsWith('dep:')) checkDependent(ctx, ref);
    else checkOwner(ctx, ref);
  };

  return {
    name: GARBAGE_COLLECTOR,
    start(ctx) {
      context = ctx;
      queue = createWorkQueue({
        name: GARBAGE_COLLECTOR,
        process: (key) => ctx.store.batch(() => sync(key)),
        log: ctx.log,
      });
      for (const type of WATCHED) {
        unwatch.push(listAndWatch(ctx.service, type, (eventType, object) => onEvent(type, eventType, object)));
      }
    },
    stop() {
      for (const u of unwatch.splice(0)) u();
      queue?.shutDown();
      dependents.clear();
      ownersOf.clear();
      ownerRefKeys.clear();
      context = undefined;
    },
  };
}
