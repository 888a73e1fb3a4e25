import { apiVersionOf, badRequest, type KubeObject, type ResourceType } from '@peapod/core';
import { isObject } from './patch/json-value.js';

/**
 * Checks of a request body against its URL, as the Kubernetes API server makes them: kind and
 * apiVersion (filled in when left out), name and namespace.
 */
export function checkBodyAgainstUrl(
  type: ResourceType,
  object: KubeObject,
  url: { namespace?: string; name?: string },
): KubeObject {
  const apiVersion = apiVersionOf(type);
  if (object.apiVersion === undefined || object.apiVersion === '') object.apiVersion = apiVersion;
  if (object.kind === undefined || object.kind === '') object.kind = type.kind;
  if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
    throw badRequest('apiVersion and kind must be strings');
  }
  if (object.kind !== type.kind || object.apiVersion !== apiVersion) {
    throw badRequest(
      `the object of kind "${object.kind}" and apiVersion "${object.apiVersion}" cannot be handled as a ${type.kind} (${apiVersion})`,
    );
  }
  if (!isObject(object.metadata)) throw badRequest('metadata must be an object');
  const meta = object.metadata;
  if (url.name !== undefined) {
    if (meta.name === undefined || meta.name === '') meta.name = url.name;
    if (meta.name !== url.name) {
      throw badRequest(`the name of the object (${meta.name}) does not match the name on the URL (${url.name})`);
    }
  }
  if (type.namespaced && url.namespace !== undefined) {
    if (meta.namespace === undefined || meta.namespace === '') meta.namespace = url.namespace;
    if (meta.namespace !== url.namespace) {
      throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
    }
  }
  if (!type.namespaced && meta.namespace !== undefined) delete meta.namespace;
  return object;
}
