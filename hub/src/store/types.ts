import type { KubeObject, ResourceType } from '@peapod/core';

/**
 * The storage seam of the hub. One implementation today (SQLite via better-sqlite3, WAL); the
 * interface is what the API layer, the controllers, the scheduler and the MQTT bridge depend on.
 *
 * The store is deliberately dumb about Kubernetes semantics beyond metadata bookkeeping:
 * validation, defaulting, graceful deletion and garbage collection live above it (the API service).
 * All methods are synchronous (better-sqlite3 is synchronous and a write is one transaction).
 */
export interface ObjectStore {
  /** Returns a deep copy, or undefined. `namespace` is ignored for cluster-scoped types. */
  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined;

  /** Items sorted by namespace then name, plus the store's resourceVersion at the time of the read. */
  list(type: ResourceType, options?: ListOptions): ListResult;

  /**
   * `list` as stored JSON text, one string per item, without parsing what needs no selector
   * matching: a LIST reply splices them instead of parsing and re-serialising every object.
   */
  listJson(type: ResourceType, options?: ListOptions): ListJsonResult;

  /**
   * Inserts a new object. Assigns uid, resourceVersion, generation (1) and creationTimestamp;
   * fills `metadata.name` from `generateName`. Throws ApiError AlreadyExists (409).
   */
  create(type: ResourceType, object: KubeObject): KubeObject;

  /**
   * Replaces an object. If `object.metadata.resourceVersion` is set and stale → ApiError Conflict (409).
   * `generation` bumps only when `spec` (or, for kinds without spec, the non-metadata/status body)
   * changed. With `subresource: 'status'` only `status` is taken from `object`; otherwise `status`
   * is kept from the stored object unless `keepStatus: false`.
   */
  update(type: ResourceType, object: KubeObject, options?: UpdateOptions): KubeObject;

  /** Removes the object for good and emits DELETED. Throws NotFound. Graceful deletion is above. */
  delete(type: ResourceType, namespace: string | undefined, name: string, options?: { uid?: string }): KubeObject;

  /**
   * Subscribes to changes. With `resourceVersion` set, replays retained changes newer than it first;
   * throws ApiError Gone (410) when that version is older than what the change log retains.
   * `sendInitialEvents`-style behaviour (ADDED for everything that exists) is the caller's job
   * (list + watch from the list's resourceVersion).
   */
  watch(type: ResourceType, options: WatchOptions, listener: (event: WatchEvent) => void): () => void;

  /**
   * Group commit: runs `fn` with every write it makes (each still atomic on its own) joined into
   * one transaction, committed (one fsync) when `fn` returns or throws. The batch's watch events
   * are published only after that commit, so nobody outside `fn` sees — or acknowledges — a write
   * that could still be lost. Inside `fn`, reads see the batch's writes. Nested calls join the
   * outer batch. A failed commit throws a 500 storage error and none of the batch's writes stay.
   */
  batch<T>(fn: () => T): T;

  /** The newest resourceVersion the store has handed out. */
  currentResourceVersion(): string;

  close(): void;
}

export interface ListOptions {
  namespace?: string;
  /** kubectl `-l` syntax. */
  labelSelector?: string;
  /** `metadata.name=x,spec.nodeName!=y` … */
  fieldSelector?: string;
}

export interface ListResult {
  items: KubeObject[];
  resourceVersion: string;
}

export interface ListJsonResult {
  /** Each item's JSON, in `list` order. */
  items: string[];
  resourceVersion: string;
}

export interface UpdateOptions {
  subresource?: 'status';
  /** Main-resource writes keep the stored `status` unless this is false (kinds without a status subresource). */
  keepStatus?: boolean;
}

export interface WatchOptions extends ListOptions {
  resourceVersion?: string;
}

export type WatchEventType = 'ADDED' | 'MODIFIED' | 'DELETED' | 'BOOKMARK';

export interface WatchEvent {
  type: WatchEventType;
  object: KubeObject;
  /** `object` as stored JSON text, when the event carries the stored object unchanged. */
  json?: string;
}
