import type { KubeObject, ResourceType } from '@peapod/core';
import type { ListJsonResult, ListOptions, ListResult, WatchEvent, WatchOptions } from '../store/types.js';

/**
 * The hub's in-process API: the same semantics as the REST API (validation, defaulting,
 * generation, graceful deletion, cascading deletes), used by the HTTP layer, the controllers, the
 * scheduler and the MQTT bridge alike. Errors are thrown as `ApiError` (from @peapod/core).
 */
export interface ResourceService {
  create(type: ResourceType, namespace: string | undefined, object: KubeObject, options?: WriteOptions): KubeObject;
  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject;
  /** `namespace` undefined = all namespaces. */
  list(type: ResourceType, options?: ListOptions): ListResult;
  /** `list` as each item's stored JSON (for LIST replies that splice it rather than re-serialise). */
  listJson(type: ResourceType, options?: ListOptions): ListJsonResult;
  /** Full replace (PUT). Optimistic concurrency when metadata.resourceVersion is set. */
  update(type: ResourceType, namespace: string | undefined, object: KubeObject, options?: WriteOptions): KubeObject;
  /** PUT on the status subresource: only `status` is taken from `object`. */
  updateStatus(type: ResourceType, namespace: string | undefined, object: KubeObject): KubeObject;
  /**
   * Reads, applies `mutate` to a copy and writes it back, retrying on Conflict. The convenient form
   * for controllers and for PATCH. Set `status: true` to write through the status subresource.
   */
  mutate(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    mutate: (object: KubeObject) => KubeObject | undefined,
    options?: WriteOptions & { status?: boolean },
  ): KubeObject;
  /**
   * Kubernetes delete: pods get a deletionTimestamp and stay until their node confirms (or
   * immediately when unscheduled or gracePeriodSeconds = 0); namespaces cascade; dependents follow
   * `propagationPolicy` (Background default, Foreground, Orphan). Returns the object as it is after
   * the call (with deletionTimestamp) or as it was when removed.
   */
  delete(type: ResourceType, namespace: string | undefined, name: string, options?: DeleteOptions): KubeObject;
  watch(type: ResourceType, options: WatchOptions, listener: (event: WatchEvent) => void): () => void;
}

export interface WriteOptions {
  /** `dryRun=All`: validate and default, do not persist. */
  dryRun?: boolean;
  /** Who writes: `kubectl`, `peapod-scheduler`, `node/<name>` … (for events and audit). */
  fieldManager?: string;
}

export interface DeleteOptions {
  gracePeriodSeconds?: number;
  propagationPolicy?: 'Background' | 'Foreground' | 'Orphan';
  preconditions?: { uid?: string; resourceVersion?: string };
  dryRun?: boolean;
}
