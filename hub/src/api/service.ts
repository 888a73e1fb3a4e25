import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import type { KubeObject, ResourceType } from '@peapod/core';
import {
  alreadyExists,
  apiVersionOf,
  applyDefaults,
  assertValid,
  badRequest,
  invalid,
  isApiError,
  notFound,
} from '@peapod/core';
import { generateObjectName, jsonCopy, rfc3339Seconds } from '../store/object-meta.js';
import { uidPreconditionFailed } from '../store/preconditions.js';
import type { ListJsonResult, ListOptions, ListResult, ObjectStore, WatchEvent, WatchOptions } from '../store/types.js';
import type { AdmissionPlugin } from './admission/types.js';
import { markNamespaceTerminating, NamespaceTerminator } from './namespaces.js';
import { prepareForCreate } from './service/create-strategy.js';
import { assertDeletePreconditions, deleteObject, removeIfReleased } from './service/deletion.js';
import { assertNamespaceAcceptsNewObjects, resolveNamespace } from './service/scope.js';
import type { DeleteOptions, ResourceService, WriteOptions } from './service-types.js';

export interface ResourceServiceOptions {
  /** Milliseconds since the epoch (deletion timestamps); injectable for tests. */
  now?: () => number;
  /** Mutating admission plugins, run in order after defaulting and before validation. */
  admission?: readonly AdmissionPlugin[];
}

/** The in-process API plus its lifecycle: `close()` stops namespace termination. */
export interface LocalResourceService extends ResourceService {
  close(): void;
}

/** Kinds a PUT may create (apiserver `AllowCreateOnUpdate`). */
const CREATE_ON_UPDATE_KINDS = new Set(['Endpoints', 'Event']);
const MAX_MUTATE_ATTEMPTS = 16;

export function createResourceService(store: ObjectStore, options: ResourceServiceOptions = {}): LocalResourceService {
  const service = new StoreBackedService(store, options.now ?? Date.now, options.admission ?? []);
  service.start();
  return service;
}

class StoreBackedService implements LocalResourceService {
  private readonly terminator: NamespaceTerminator;

  constructor(
    private readonly store: ObjectStore,
    private readonly now: () => number,
    private readonly admission: readonly AdmissionPlugin[],
  ) {
    this.terminator = new NamespaceTerminator(store, this);
  }

  start(): void {
    this.terminator.start();
  }

  close(): void {
    this.terminator.stop();
  }

  create(type: ResourceType, namespace: string | undefined, input: KubeObject, options: WriteOptions = {}): KubeObject {
    const object = bodyOf(type, input);
    const scope = resolveNamespace(type, namespace, object);
    applyDefaults(object);
    for (const plugin of this.admission) plugin.admitCreate?.(type, object, this.store);
    assertValid(object); // a generateName is validated masked; the store draws the name
    assertNamespaceAcceptsNewObjects(this.store, type, scope, object.metadata.name);
    prepareForCreate(type, object);
    if (options.dryRun) return this.dryRunCreate(type, scope, object);
    return this.store.create(type, object);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject {
    const object = this.store.get(type, namespace, name);
    if (!object) throw notFound(type.plural, name, type.group);
    return object;
  }

  list(type: ResourceType, options: ListOptions = {}): ListResult {
    return this.store.list(type, options);
  }

  listJson(type: ResourceType, options: ListOptions = {}): ListJsonResult {
    return this.store.listJson(type, options);
  }

  update(type: ResourceType, namespace: string | undefined, input: KubeObject, options: WriteOptions = {}): KubeObject {
    const object = bodyOf(type, input);
    const scope = resolveNamespace(type, namespace, object);
    const name = object.metadata.name ?? '';
    const old = this.store.get(type, scope, name);
    if (!old) {
      if (CREATE_ON_UPDATE_KINDS.has(type.kind) && !object.metadata.resourceVersion) {
        return this.create(type, scope, object, options);
      }
      throw notFound(type.plural, name, type.group);
    }
    // A uid in the body is a precondition (409, checked before validation like apiserver does).
    if (object.metadata.uid && object.metadata.uid !== old.metadata.uid) {
      throw uidPreconditionFailed(type, name, object.metadata.uid, old.metadata.uid);
    }
    applyDefaults(object);
    // System fields no update may change (apiserver `BeforeUpdate`).
    object.metadata.uid = old.metadata.uid;
    object.metadata.creationTimestamp = old.metadata.creationTimestamp;
    object.metadata.generation = old.metadata.generation;
    copyDeletionFields(old, object);
    const keepStatus = type.subresources.includes('status');
    if (keepStatus) object.status = old.status;
    for (const plugin of this.admission) plugin.admitUpdate?.(type, object, old, this.store);
    assertValid(object, old);
    assertNoNewFinalizersWhileDeleting(type, object, old);
    if (options.dryRun)
      return { ...object, metadata: { ...object.metadata, resourceVersion: old.metadata.resourceVersion } };
    const stored = this.store.update(type, object, { keepStatus });
    // A namespace goes only once it is empty too: the terminator sees this update and decides.
    return type.kind === 'Namespace' ? stored : removeIfReleased(this.store, type, stored);
  }

  updateStatus(type: ResourceType, namespace: string | undefined, input: KubeObject): KubeObject {
    const object = bodyOf(type, input);
    resolveNamespace(type, namespace, object);
    return this.store.update(type, object, { subresource: 'status' });
  }

  mutate(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    mutate: (object: KubeObject) => KubeObject | undefined,
    options: WriteOptions & { status?: boolean } = {},
  ): KubeObject {
    for (let attempt = 1; ; attempt++) {
      const current = this.get(type, namespace, name);
      const draft = jsonCopy(current);
      const changed = mutate(draft) ?? draft;
      if (isDeepStrictEqual(jsonCopy(changed), current)) return current;
      if (!changed.metadata) changed.metadata = {};
      if (!changed.metadata.resourceVersion) changed.metadata.resourceVersion = current.metadata.resourceVersion;
      // A resourceVersion the caller chose (a patch that carries one) is a precondition: no retry.
      const pinned = changed.metadata.resourceVersion !== current.metadata.resourceVersion;
      try {
        return options.status
          ? this.updateStatus(type, namespace, changed)
          : this.update(type, namespace, changed, options);
      } catch (error) {
        if (pinned || attempt >= MAX_MUTATE_ATTEMPTS || !isApiError(error) || error.reason !== 'Conflict') throw error;
      }
    }
  }

  delete(type: ResourceType, namespace: string | undefined, name: string, options: DeleteOptions = {}): KubeObject {
    const current = this.get(type, namespace, name);
    if (type.kind === 'Namespace') {
      assertDeletePreconditions(type, current, options);
      if (options.dryRun) return current;
      const marked = markNamespaceTerminating(this.store, current, this.now());
      this.terminator.schedule(name);
      return marked;
    }
    return deleteObject({ store: this.store, now: this.now }, type, current, options);
  }

  watch(type: ResourceType, options: WatchOptions, listener: (event: WatchEvent) => void): () => void {
    return this.store.watch(type, options, listener);
  }

  /** dryRun=All create: everything a real create checks and fills, nothing persisted. */
  private dryRunCreate(type: ResourceType, namespace: string, object: KubeObject): KubeObject {
    const result = jsonCopy(object);
    if (!result.metadata.name && result.metadata.generateName) {
      result.metadata.name = generateObjectName(result.metadata.generateName);
    }
    const name = result.metadata.name as string;
    if (this.store.get(type, namespace, name)) throw alreadyExists(type.plural, name, type.group);
    result.metadata.uid = randomUUID();
    result.metadata.creationTimestamp = rfc3339Seconds(this.now());
    result.metadata.generation = 1;
    return result;
  }
}

/** A private deep copy of a request body, typed for `type`; rejects bodies of another kind. */
function bodyOf(type: ResourceType, input: KubeObject): KubeObject {
  if (!input || typeof input !== 'object' || Array.isArray(input)) {
    throw badRequest('the body of the request was in an unknown format');
  }
  const object = jsonCopy(input);
  const apiVersion = apiVersionOf(type);
  if ((object.kind && object.kind !== type.kind) || (object.apiVersion && object.apiVersion !== apiVersion)) {
    throw badRequest(
      `the object provided is of kind ${object.apiVersion ?? ''}/${object.kind ?? ''}, expected ${apiVersion}/${type.kind}`,
    );
  }
  object.apiVersion = apiVersion;
  object.kind = type.kind;
  if (!object.metadata || typeof object.metadata !== 'object' || Array.isArray(object.metadata)) object.metadata = {};
  return object;
}

/** After deletion started, finalizers may only be removed (apiserver ValidateObjectMetaUpdate). */
function assertNoNewFinalizersWhileDeleting(type: ResourceType, object: KubeObject, old: KubeObject): void {
  if (!old.metadata.deletionTimestamp) return;
  const before = new Set(old.metadata.finalizers ?? []);
  const added = (object.metadata.finalizers ?? []).filter((f) => !before.has(f));
  if (added.length === 0) return;
  const list = added.map((f) => JSON.stringify(f)).join(', ');
  throw invalid(
    type.kind,
    object.metadata.name ?? '',
    [
      {
        reason: 'FieldValueForbidden',
        field: 'metadata.finalizers',
        message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{${list}}`,
      },
    ],
    type.group,
  );
}

function copyDeletionFields(from: KubeObject, to: KubeObject): void {
  if (from.metadata.deletionTimestamp) to.metadata.deletionTimestamp = from.metadata.deletionTimestamp;
  else delete to.metadata.deletionTimestamp;
  if (from.metadata.deletionGracePeriodSeconds !== undefined) {
    to.metadata.deletionGracePeriodSeconds = from.metadata.deletionGracePeriodSeconds;
  } else delete to.metadata.deletionGracePeriodSeconds;
}
