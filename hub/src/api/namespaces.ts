import type { KubeObject } from '@peapod/core';
import { forbidden, isApiError, RESOURCE_TYPES } from '@peapod/core';
import { rfc3339Seconds } from '../store/object-meta.js';
import type { ObjectStore } from '../store/types.js';
import { NAMESPACES } from './service/scope.js';
import type { ResourceService } from './service-types.js';

/** The namespaces every cluster starts with (k8s-semantics §1.4). */
export const DEFAULT_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'] as const;

/** Namespaces apiserver refuses to delete. */
const UNDELETABLE_NAMESPACES = new Set(['default', 'kube-system', 'kube-public']);

const NAMESPACED_TYPES = RESOURCE_TYPES.filter((t) => t.namespaced);

/** Creates the default namespaces that do not exist yet (idempotent; call at every hub start). */
export function ensureDefaultNamespaces(service: ResourceService): void {
  for (const name of DEFAULT_NAMESPACES) {
    try {
      service.create(NAMESPACES, undefined, { apiVersion: 'v1', kind: 'Namespace', metadata: { name } });
    } catch (error) {
      if (!isApiError(error) || error.reason !== 'AlreadyExists') throw error;
    }
  }
}

/**
 * First step of deleting a namespace: `deletionTimestamp` and phase `Terminating`. The
 * NamespaceTerminator then empties it and removes it.
 */
export function markNamespaceTerminating(store: ObjectStore, namespace: KubeObject, now: number): KubeObject {
  const name = namespace.metadata.name as string;
  if (UNDELETABLE_NAMESPACES.has(name)) {
    throw forbidden(`namespaces "${name}" is forbidden: this namespace may not be deleted`);
  }
  if (namespace.metadata.deletionTimestamp) return namespace;
  const marked = structuredClone(namespace);
  marked.metadata.deletionTimestamp = rfc3339Seconds(now);
  marked.metadata.deletionGracePeriodSeconds = 0;
  marked.status = { ...(marked.status ?? {}), phase: 'Terminating' };
  return store.update(NAMESPACES, marked, { keepStatus: false });
}

/**
 * Empties terminating namespaces and removes them once nothing is left — driven by watch
 * events, no polling: a namespace is looked at again when it is marked and whenever something in
 * it is deleted (a graceful Pod finishes when its node confirms).
 */
export class NamespaceTerminator {
  private readonly unsubscribe: (() => void)[] = [];
  private readonly scheduled = new Set<string>();
  private readonly running = new Set<string>();
  /** Namespaces with a deletionTimestamp: only deletions in these are of interest. */
  private readonly terminating = new Set<string>();
  private stopped = false;

  constructor(
    private readonly store: ObjectStore,
    private readonly service: ResourceService,
  ) {}

  start(): void {
    this.unsubscribe.push(
      this.store.watch(NAMESPACES, {}, (event) => {
        const name = event.object.metadata.name as string;
        if (event.type === 'DELETED') this.terminating.delete(name);
        else if (event.object.metadata.deletionTimestamp) this.schedule(name);
      }),
    );
    for (const type of NAMESPACED_TYPES) {
      this.unsubscribe.push(
        this.store.watch(type, {}, (event) => {
          if (event.type === 'DELETED' && event.object.metadata.namespace)
            this.schedule(event.object.metadata.namespace);
        }),
      );
    }
    // Resume what a previous run of the hub left half done.
    for (const namespace of this.store.list(NAMESPACES).items) {
      if (namespace.metadata.deletionTimestamp) this.schedule(namespace.metadata.name as string);
    }
  }

  stop(): void {
    this.stopped = true;
    for (const unsubscribe of this.unsubscribe.splice(0)) unsubscribe();
  }

  schedule(namespace: string): void {
    this.terminating.add(namespace);
    if (this.scheduled.has(namespace) || this.running.has(namespace)) return;
    this.scheduled.add(namespace);
    queueMicrotask(() => {
      this.scheduled.delete(namespace);
      if (!this.stopped) this.terminate(namespace);
    });
  }

  private terminate(name: string): void {
    this.running.add(name);
    try {
      const namespace = this.store.get(NAMESPACES, undefined, name);
      if (!namespace?.metadata.deletionTimestamp) {
        this.terminating.delete(name);
        return;
      }
      for (const type of NAMESPACED_TYPES) {
        for (const object of this.store.list(type, { namespace: name }).items) {
          if (object.metadata.deletionTimestamp) continue; // already on its way out
          try {
            this.service.delete(type, name, object.metadata.name as string, {
              propagationPolicy: 'Background',
              preconditions: { uid: object.metadata.uid },
            });
          } catch (error) {
            if (!isApiError(error) || (error.code !== 404 && error.code !== 409)) throw error;
          }
        }
      }
      const empty = NAMESPACED_TYPES.every((type) => this.store.list(type, { namespace: name }).items.length === 0);
      if (empty && (namespace.metadata.finalizers?.length ?? 0) === 0) {
        try {
          this.store.delete(NAMESPACES, undefined, name, { uid: namespace.metadata.uid });
        } catch (error) {
          if (!isApiError(error) || error.code !== 404) throw error;
        }
      }
    } catch (error) {
      console.error(`peapod: terminating namespace ${name} failed`, error);
    } finally {
      this.running.delete(name);
    }
  }
}
