import type { KubeObject, ResourceType } from '@peapod/core';
import { rfc3339Seconds } from '../../store/object-meta.js';
import { resourceVersionPreconditionFailed, uidPreconditionFailed } from '../../store/preconditions.js';
import type { ObjectStore } from '../../store/types.js';
import type { DeleteOptions } from '../service-types.js';
import { orphanDependents } from './dependents.js';

export const FOREGROUND_FINALIZER = 'foregroundDeletion';
const DEFAULT_POD_GRACE_SECONDS = 30;

export interface DeletionContext {
  store: ObjectStore;
  now(): number;
}

/**
 * Seconds the object gets before it may be removed. Only Pods are graceful, and only while they
 * are bound and not terminal (apiserver pod strategy `CheckGracefulDelete`): the node must stop
 * the containers and then confirms with a delete of grace 0.
 */
export function gracePeriodFor(type: ResourceType, object: KubeObject, options: DeleteOptions): number {
  if (type.kind !== 'Pod') return 0;
  const phase = object.status?.phase;
  if (!object.spec?.nodeName || phase === 'Succeeded' || phase === 'Failed') return 0;
  const requested =
    options.gracePeriodSeconds ?? object.spec?.terminationGracePeriodSeconds ?? DEFAULT_POD_GRACE_SECONDS;
  // apiserver: a negative grace period is treated as the shortest graceful one.
  return requested < 0 ? 1 : requested;
}

export function assertDeletePreconditions(type: ResourceType, object: KubeObject, options: DeleteOptions): void {
  const name = object.metadata.name as string;
  const { uid, resourceVersion } = options.preconditions ?? {};
  if (uid && uid !== object.metadata.uid) throw uidPreconditionFailed(type, name, uid, object.metadata.uid);
  if (resourceVersion && resourceVersion !== object.metadata.resourceVersion) {
    throw resourceVersionPreconditionFailed(type, name, resourceVersion, object.metadata.resourceVersion);
  }
}

/**
 * Kubernetes delete for every kind but Namespace (see namespaces.ts): graceful Pods and objects
 * with finalizers get `deletionTimestamp` and stay; the rest go at once. Returns the object as it
 * is after the call, or as it was when removed.
 */
export function deleteObject(
  context: DeletionContext,
  type: ResourceType,
  current: KubeObject,
  options: DeleteOptions,
): KubeObject {
  const { store } = context;
  assertDeletePreconditions(type, current, options);
  const policy = options.propagationPolicy ?? 'Background';
  const grace = gracePeriodFor(type, current, options);
  const finalizers = [...(current.metadata.finalizers ?? [])];
  if (policy === 'Foreground' && !finalizers.includes(FOREGROUND_FINALIZER)) finalizers.push(FOREGROUND_FINALIZER);
  const terminating = !!current.metadata.deletionTimestamp;
  const currentGrace = current.metadata.deletionGracePeriodSeconds ?? 0;

  // Already terminating: a delete may only shorten the grace period (the node's confirmation is 0).
  if (terminating && grace >= currentGrace && finalizers.length === (current.metadata.finalizers ?? []).length) {
    return current;
  }
  if (options.dryRun) return markedForDeletion(context, current, grace, finalizers);
  if (policy === 'Orphan') orphanDependents(store, current);
  if (grace === 0 && finalizers.length === 0) {
    return store.delete(type, current.metadata.namespace, current.metadata.name as string, {
      uid: current.metadata.uid,
    });
  }
  const marked = markedForDeletion(context, current, terminating ? Math.min(grace, currentGrace) : grace, finalizers);
  return store.update(type, marked, { keepStatus: true });
}

function markedForDeletion(
  context: DeletionContext,
  current: KubeObject,
  grace: number,
  finalizers: string[],
): KubeObject {
  const marked = structuredClone(current);
  const deadline = context.now() + grace * 1000;
  const existing = current.metadata.deletionTimestamp ? Date.parse(current.metadata.deletionTimestamp) : Infinity;
  marked.metadata.deletionTimestamp = rfc3339Seconds(Math.min(deadline, existing));
  marked.metadata.deletionGracePeriodSeconds = grace;
  if (finalizers.length > 0) marked.metadata.finalizers = finalizers;
  return marked;
}

/**
 * After an update: an object whose deletion only waited for finalizers (grace 0) goes once they
 * are all removed (apiserver `ShouldDeleteDuringUpdate`).
 */
export function removeIfReleased(store: ObjectStore, type: ResourceType, object: KubeObject): KubeObject {
  const meta = object.metadata;
  if (!meta.deletionTimestamp || (meta.finalizers?.length ?? 0) > 0 || meta.deletionGracePeriodSeconds !== 0) {
    return object;
  }
  return store.delete(type, meta.namespace, meta.name as string, { uid: meta.uid });
}
