import {
  type ApiError,
  apiVersionOf,
  badRequest,
  conflict,
  isApiError,
  type KubeObject,
  methodNotAllowed,
  type ResourceType,
  unsupportedMediaType,
} from '@peapod/core';
import type { DeleteOptions } from '../api/service-types.js';
import type { ListJsonResult } from '../store/types.js';
import { decodeDocument, decodeObject, readBody } from './body.js';
import { checkFields, parseFieldValidation } from './field-validation.js';
import { checkBodyAgainstUrl } from './object-checks.js';
import { applyPatch, type PatchType, patchTypeOf, SUPPORTED_PATCH_TYPES } from './patch/apply-patch.js';
import { isObject } from './patch/json-value.js';
import { boolParam, dryRunParam, intParam, selectorParams, writeOptions } from './query.js';
import type { RequestContext } from './request-context.js';
import { sendJson, sendJsonText } from './respond.js';
import type { ResourceTarget } from './routes.js';
import { buildTable, parseIncludeObject, wantsTable } from './table.js';
import { serveWatch } from './watch.js';

/** CRUD on a resource collection or object (the subresources live in subresources.ts). */

function requireVerb(type: ResourceType, verb: string): void {
  if (!type.verbs.includes(verb)) throw methodNotAllowed();
}

function objectKey(target: ResourceTarget): { namespace?: string; name: string } {
  return { namespace: target.type.namespaced ? target.namespace : undefined, name: target.name! };
}

function respondObject(ctx: RequestContext, type: ResourceType, code: number, object: KubeObject): void {
  if (wantsTable(ctx.req.headers.accept)) {
    const include = parseIncludeObject(ctx.query.get('includeObject'));
    if (!include) throw badRequest(`invalid includeObject "${ctx.query.get('includeObject')}"`);
    sendJson(ctx.res, code, buildTable(type, [object], include, ctx.hub.now(), object.metadata.resourceVersion));
    return;
  }
  sendJson(ctx.res, code, object);
}

export function listKind(type: ResourceType): string {
  return `${type.kind}List`;
}

function respondList(ctx: RequestContext, type: ResourceType, items: KubeObject[], resourceVersion: string): void {
  if (wantsTable(ctx.req.headers.accept)) {
    const include = parseIncludeObject(ctx.query.get('includeObject'));
    if (!include) throw badRequest(`invalid includeObject "${ctx.query.get('includeObject')}"`);
    sendJson(ctx.res, 200, buildTable(type, items, include, ctx.hub.now(), resourceVersion));
    return;
  }
  sendJson(ctx.res, 200, {
    kind: listKind(type),
    apiVersion: apiVersionOf(type),
    metadata: { resourceVersion },
    items,
  });
}

/** A JSON list reply spliced from the items' stored JSON (no parse, no re-serialisation). */
function respondJsonList(ctx: RequestContext, type: ResourceType, list: ListJsonResult): void {
  const head = JSON.stringify({
    kind: listKind(type),
    apiVersion: apiVersionOf(type),
    metadata: { resourceVersion: list.resourceVersion },
  });
  sendJsonText(ctx.res, 200, `${head.slice(0, -1)},"items":[${list.items.join(',')}]}`);
}

export function isWatchRequest(ctx: RequestContext, target: ResourceTarget): boolean {
  return target.legacyWatch || boolParam(ctx.query, 'watch');
}

export async function handleCollection(ctx: RequestContext, target: ResourceTarget): Promise<void> {
  const { type } = target;
  const namespace = type.namespaced ? target.namespace : undefined;
  switch (ctx.req.method) {
    case 'GET': {
      if (isWatchRequest(ctx, target)) {
        requireVerb(type, 'watch');
        return serveWatch(ctx, type, { namespace, ...selectorParams(ctx.query) });
      }
      requireVerb(type, 'list');
      intParam(ctx.query, 'limit');
      const options = { namespace, ...selectorParams(ctx.query) };
      if (!wantsTable(ctx.req.headers.accept))
        return respondJsonList(ctx, type, ctx.hub.service.listJson(type, options));
      const result = ctx.hub.service.list(type, options);
      return respondList(ctx, type, result.items, result.resourceVersion);
    }
    case 'POST': {
      requireVerb(type, 'create');
      if (type.namespaced && namespace === undefined) throw methodNotAllowed();
      const policy = parseFieldValidation(ctx.query.get('fieldValidation'));
      const object = checkBodyAgainstUrl(type, decodeObject(await readBody(ctx.req), ctx.req.headers['content-type']), {
        namespace,
      });
      checkFields(ctx.res, type, object, policy);
      const created = ctx.hub.service.create(type, namespace, object, writeOptions(ctx.query));
      return respondObject(ctx, type, 201, created);
    }
    case 'DELETE': {
      requireVerb(type, 'deletecollection');
      const options = await deleteOptions(ctx);
      const { items } = ctx.hub.service.list(type, { namespace, ...selectorParams(ctx.query) });
      const deleted: KubeObject[] = [];
      for (const item of items) {
        try {
          deleted.push(ctx.hub.service.delete(type, item.metadata.namespace, item.metadata.name!, options));
        } catch (e) {
          if (!(isApiError(e) && e.code === 404)) throw e;
        }
      }
      return respondList(ctx, type, deleted, ctx.hub.store.currentResourceVersion());
    }
    default:
      throw methodNotAllowed();
  }
}

export async function handleObject(ctx: RequestContext, target: ResourceTarget): Promise<void> {
  const { type } = target;
  const { namespace, name } = objectKey(target);
  const service = ctx.hub.service;
  switch (ctx.req.method) {
    case 'GET':
      if (isWatchRequest(ctx, target)) {
        requireVerb(type, 'watch');
        const fieldSelector = [`metadata.name=${name}`, ctx.query.get('fieldSelector')].filter(Boolean).join(',');
        return serveWatch(ctx, type, { namespace, ...selectorParams(ctx.query), fieldSelector });
      }
      requireVerb(type, 'get');
      return respondObject(ctx, type, 200, service.get(type, namespace, name));
    case 'PUT': {
      requireVerb(type, 'update');
      const policy = parseFieldValidation(ctx.query.get('fieldValidation'));
      const object = checkBodyAgainstUrl(type, decodeObject(await readBody(ctx.req), ctx.req.headers['content-type']), {
        namespace,
        name,
      });
      checkFields(ctx.res, type, object, policy);
      return respondObject(ctx, type, 200, service.update(type, namespace, object, writeOptions(ctx.query)));
    }
    case 'PATCH': {
      requireVerb(type, 'patch');
      const { code, object } = await patchObject(ctx, target);
      return respondObject(ctx, type, code, object);
    }
    case 'DELETE': {
      requireVerb(type, 'delete');
      const options = await deleteOptions(ctx);
      return respondObject(ctx, type, 200, service.delete(type, namespace, name, options));
    }
    default:
      throw methodNotAllowed();
  }
}

// --- PATCH -----------------------------------------------------------------------------------

/** Carries a precondition failure out of `service.mutate` without triggering its Conflict retry. */
class PreconditionFailed extends Error {
  constructor(readonly apiError: ApiError) {
    super(apiError.message);
  }
}

/** Throw this from a `service.mutate` callback to fail with `apiError` (usually a 409) at once. */
export function preconditionFailed(apiError: ApiError): Error {
  return new PreconditionFailed(apiError);
}

export async function readPatch(ctx: RequestContext): Promise<{ patchType: PatchType; patch: unknown }> {
  const contentType = ctx.req.headers['content-type'];
  const patchType = patchTypeOf(contentType);
  if (!patchType) {
    throw unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: ${SUPPORTED_PATCH_TYPES.join(', ')}`,
    );
  }
  return { patchType, patch: decodeDocument(await readBody(ctx.req), contentType) };
}

/**
 * Applies `patch` to `current` (the stored object, or a view of it such as Scale), keeping identity
 * fields; a `metadata.resourceVersion` in the result that differs from the current one is a
 * precondition (kubectl diff, `replace`-like patches) → 409 Conflict.
 */
export function patchedObject(
  type: ResourceType,
  current: KubeObject,
  patchType: PatchType,
  patch: unknown,
): KubeObject {
  const result = applyPatch(patchType, current, patch);
  if (!isObject(result) || !isObject(result.metadata))
    throw badRequest('the patched object must be a JSON object with metadata');
  const patched = result as unknown as KubeObject;
  const name = current.metadata.name!;
  if (patched.metadata.resourceVersion && patched.metadata.resourceVersion !== current.metadata.resourceVersion) {
    throw new PreconditionFailed(conflict(type.plural, name, type.group));
  }
  if (patched.metadata.name !== name) {
    throw badRequest(`the name of the object (${patched.metadata.name}) does not match the name on the URL (${name})`);
  }
  if (patched.metadata.namespace !== current.metadata.namespace) {
    throw badRequest('the namespace of the provided object does not match the namespace sent on the request');
  }
  if (patched.kind !== current.kind || patched.apiVersion !== current.apiVersion) {
    throw badRequest(`kind and apiVersion of a ${current.kind} cannot be patched`);
  }
  patched.metadata.resourceVersion = current.metadata.resourceVersion;
  patched.metadata.uid = current.metadata.uid;
  return patched;
}

/** Runs `service.mutate` and unwraps precondition failures into their 409. */
export function mutateWithPreconditions(run: () => KubeObject): KubeObject {
  try {
    return run();
  } catch (e) {
    if (e instanceof PreconditionFailed) throw e.apiError;
    throw e;
  }
}

async function patchObject(ctx: RequestContext, target: ResourceTarget): Promise<{ code: number; object: KubeObject }> {
  const { type } = target;
  const { namespace, name } = objectKey(target);
  const policy = parseFieldValidation(ctx.query.get('fieldValidation'));
  const { patchType, patch } = await readPatch(ctx);
  const options = writeOptions(ctx.query);
  const status = target.subresource === 'status';

  if (patchType === 'apply' && !status) {
    // Server-side apply creates the object when it is missing.
    let exists = true;
    try {
      ctx.hub.service.get(type, namespace, name);
    } catch (e) {
      if (!(isApiError(e) && e.code === 404)) throw e;
      exists = false;
    }
    if (!exists) {
      if (!isObject(patch)) throw badRequest('an apply patch must be an object');
      const object = checkBodyAgainstUrl(type, patch as unknown as KubeObject, { namespace, name });
      checkFields(ctx.res, type, object, policy);
      return { code: 201, object: ctx.hub.service.create(type, namespace, object, options) };
    }
  }
  const object = mutateWithPreconditions(() =>
    ctx.hub.service.mutate(
      type,
      namespace,
      name,
      (current) => {
        const patched = patchedObject(type, current, patchType, patch);
        checkFields(ctx.res, type, patched, policy);
        return patched;
      },
      {
        ...options,
        status,
      },
    ),
  );
  return { code: 200, object };
}

export async function handleStatus(ctx: RequestContext, target: ResourceTarget): Promise<void> {
  const { type } = target;
  const { namespace, name } = objectKey(target);
  switch (ctx.req.method) {
    case 'GET':
      return respondObject(ctx, type, 200, ctx.hub.service.get(type, namespace, name));
    case 'PUT': {
      const object = checkBodyAgainstUrl(type, decodeObject(await readBody(ctx.req), ctx.req.headers['content-type']), {
        namespace,
        name,
      });
      return respondObject(ctx, type, 200, ctx.hub.service.updateStatus(type, namespace, object));
    }
    case 'PATCH': {
      const { object } = await patchObject(ctx, target);
      return respondObject(ctx, type, 200, object);
    }
    default:
      throw methodNotAllowed();
  }
}

// --- DELETE options --------------------------------------------------------------------------

const PROPAGATION = new Set(['Background', 'Foreground', 'Orphan']);

/** DeleteOptions from the body (JSON/YAML) and/or the query; the body wins. */
export async function deleteOptions(ctx: RequestContext): Promise<DeleteOptions> {
  const body = await readBody(ctx.req);
  const fromBody = body.toString('utf8').trim() === '' ? {} : decodeDocument(body, ctx.req.headers['content-type']);
  if (!isObject(fromBody)) throw badRequest('DeleteOptions must be an object');
  const options: DeleteOptions = {};

  const grace = fromBody.gracePeriodSeconds ?? intParam(ctx.query, 'gracePeriodSeconds', Number.MIN_SAFE_INTEGER);
  if (grace !== undefined && grace !== null) {
    if (typeof grace !== 'number' || !Number.isInteger(grace))
      throw badRequest('gracePeriodSeconds must be an integer');
    options.gracePeriodSeconds = Math.max(0, grace);
  }

  let policy = fromBody.propagationPolicy ?? ctx.query.get('propagationPolicy') ?? undefined;
  const orphan =
    fromBody.orphanDependents ??
    (ctx.query.has('orphanDependents') ? boolParam(ctx.query, 'orphanDependents') : undefined);
  if (policy === undefined && orphan !== undefined) policy = orphan ? 'Orphan' : 'Background';
  if (policy !== undefined && policy !== null) {
    if (typeof policy !== 'string' || !PROPAGATION.has(policy)) {
      throw badRequest(
        `propagationPolicy: Unsupported value: "${String(policy)}": supported values: "Foreground", "Background", "Orphan"`,
      );
    }
    options.propagationPolicy = policy as DeleteOptions['propagationPolicy'];
  }

  if (fromBody.preconditions !== undefined && fromBody.preconditions !== null) {
    if (!isObject(fromBody.preconditions)) throw badRequest('preconditions must be an object');
    const { uid, resourceVersion } = fromBody.preconditions;
    options.preconditions = {
      ...(typeof uid === 'string' ? { uid } : {}),
      ...(typeof resourceVersion === 'string' ? { resourceVersion } : {}),
    };
  }

  const bodyDryRun = Array.isArray(fromBody.dryRun) ? fromBody.dryRun.map(String) : [];
  options.dryRun = dryRunParam([...bodyDryRun, ...ctx.query.getAll('dryRun')]);
  return options;
}
