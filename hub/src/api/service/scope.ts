import type { KubeObject, ResourceType } from '@peapod/core';
import { badRequest, forbidden, notFound, RESOURCE_TYPES } from '@peapod/core';
import type { ObjectStore } from '../../store/types.js';

export const NAMESPACES = RESOURCE_TYPES.find((t) => t.kind === 'Namespace') as ResourceType;

/**
 * Reconciles the request's namespace with the body's: namespaced kinds take the request's (or the
 * body's, or `default`); a body that names a different one is a 400 like apiserver's. Cluster-scoped
 * kinds carry no namespace. Mutates `object.metadata.namespace`; returns the namespace ('' if none).
 */
export function resolveNamespace(type: ResourceType, requested: string | undefined, object: KubeObject): string {
  if (!type.namespaced) {
    delete object.metadata.namespace;
    return '';
  }
  const fromBody = object.metadata.namespace;
  if (requested && fromBody && requested !== fromBody) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  const namespace = requested || fromBody || 'default';
  object.metadata.namespace = namespace;
  return namespace;
}

/**
 * NamespaceLifecycle admission for creates: the namespace must exist (404 `namespaces "x" not
 * found`) and must not be terminating (403 like apiserver).
 */
export function assertNamespaceAcceptsNewObjects(
  store: ObjectStore,
  type: ResourceType,
  namespace: string,
  name: string | undefined,
): void {
  if (!type.namespaced) return;
  const ns = store.get(NAMESPACES, undefined, namespace);
  if (!ns) throw notFound('namespaces', namespace);
  if (ns.metadata.deletionTimestamp || ns.status?.phase === 'Terminating') {
    const resource = type.group ? `${type.plural}.${type.group}` : type.plural;
    const subject = name ? `${resource} "${name}"` : resource;
    throw forbidden(
      `${subject} is forbidden: unable to create new content in namespace ${namespace} because it is being terminated`,
    );
  }
}
