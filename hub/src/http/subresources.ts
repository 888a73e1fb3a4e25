import {
  ApiError,
  badRequest,
  conflict,
  invalid,
  type KubeObject,
  methodNotAllowed,
  type Pod,
  selectorFromLabelSelector,
} from '@peapod/core';
import type { DeleteOptions } from '../api/service-types.js';
import { bindPod } from '../scheduler/binding.js';
import { decodeDocument, decodeObject, readBody } from './body.js';
import { applyPatch } from './patch/apply-patch.js';
import { isObject } from './patch/json-value.js';
import { writeOptions } from './query.js';
import type { RequestContext } from './request-context.js';
import { mutateWithPreconditions, preconditionFailed, readPatch } from './resource-handler.js';
import { sendJson, successStatus } from './respond.js';
import type { ResourceTarget } from './routes.js';

/** `scale` (autoscaling/v1 Scale), `pods/binding` and `pods/eviction`. */

function scaleOf(object: KubeObject): KubeObject {
  const { name, namespace, uid, resourceVersion, creationTimestamp } = object.metadata;
  let selector = '';
  try {
    selector = selectorFromLabelSelector(object.spec?.selector).toString();
  } catch {
    selector = '';
  }
  return {
    kind: 'Scale',
    apiVersion: 'autoscaling/v1',
    metadata: { name, namespace, uid, resourceVersion, creationTimestamp },
    spec: { replicas: object.spec?.replicas ?? 1 },
    status: { replicas: object.status?.replicas ?? 0, selector },
  };
}

function replicasFrom(scale: unknown, name: string): number {
  const replicas = isObject(scale) && isObject(scale.spec) ? scale.spec.replicas : undefined;
  if (typeof replicas !== 'number' || !Number.isInteger(replicas) || replicas < 0) {
    throw invalid(
      'Scale',
      name,
      [
        {
          reason: 'FieldValueInvalid',
          field: 'spec.replicas',
          message: `Invalid value: ${JSON.stringify(replicas ?? null)}: must be greater than or equal to 0`,
        },
      ],
      'autoscaling',
    );
  }
  return replicas;
}

export async function handleScale(ctx: RequestContext, target: ResourceTarget): Promise<void> {
  const { type } = target;
  const namespace = target.namespace;
  const name = target.name!;
  const service = ctx.hub.service;
  const setReplicas = (decide: (current: KubeObject) => number) =>
    mutateWithPreconditions(() =>
      service.mutate(
        type,
        namespace,
        name,
        (current) => {
          const replicas = decide(current);
          return { ...current, spec: { ...current.spec, replicas } };
        },
        writeOptions(ctx.query),
      ),
    );
  switch (ctx.req.method) {
    case 'GET':
      return sendJson(ctx.res, 200, scaleOf(service.get(type, namespace, name)));
    case 'PUT': {
      const body = decodeObject(await readBody(ctx.req), ctx.req.headers['content-type']);
      if (body.metadata.name !== undefined && body.metadata.name !== name) {
        throw badRequest(`the name of the object (${body.metadata.name}) does not match the name on the URL (${name})`);
      }
      const replicas = replicasFrom(body, name);
      const updated = setReplicas((current) => {
        const wanted = body.metadata.resourceVersion;
        if (wanted && wanted !== current.metadata.resourceVersion) {
          throw preconditionFailed(conflict(type.plural, name, type.group));
        }
        return replicas;
      });
      return sendJson(ctx.res, 200, scaleOf(updated));
    }
    case 'PATCH': {
      const { patchType, patch } = await readPatch(ctx);
      const updated = setReplicas((current) => replicasFrom(applyPatch(patchType, scaleOf(current), patch), name));
      return sendJson(ctx.res, 200, scaleOf(updated));
    }
    default:
      throw methodNotAllowed();
  }
}

/** POST pods/{name}/binding: assigns an unscheduled pod to a node (the scheduler's `bindPod`). */
export async function handleBinding(ctx: RequestContext, target: ResourceTarget): Promise<void> {
  if (ctx.req.method !== 'POST') throw methodNotAllowed();
  const body = decodeDocument(await readBody(ctx.req), ctx.req.headers['content-type']);
  const nodeName = isObject(body) && isObject(body.target) ? body.target.name : undefined;
  if (typeof nodeName !== 'string' || nodeName === '') throw badRequest('a Binding needs target.name (the node)');
  const name = target.name!;
  const pod = ctx.hub.service.get(target.type, target.namespace, name) as Pod;
  if (pod.spec?.nodeName) {
    const message = `pod ${name} is already assigned to node "${pod.spec.nodeName}"`;
    throw new ApiError({ ...conflict('pods', name).status, message });
  }
  if (!writeOptions(ctx.query).dryRun) bindPod(ctx.hub.store, pod, nodeName);
  sendJson(ctx.res, 201, successStatus(201));
}

/** POST pods/{name}/eviction (policy/v1 Eviction): a delete with the eviction's DeleteOptions. */
export async function handleEviction(ctx: RequestContext, target: ResourceTarget): Promise<void> {
  if (ctx.req.method !== 'POST') throw methodNotAllowed();
  const raw = await readBody(ctx.req);
  const body = raw.toString('utf8').trim() === '' ? {} : decodeDocument(raw, ctx.req.headers['content-type']);
  const given = isObject(body) && isObject(body.deleteOptions) ? body.deleteOptions : {};
  const options: DeleteOptions = {};
  if (typeof given.gracePeriodSeconds === 'number') options.gracePeriodSeconds = Math.max(0, given.gracePeriodSeconds);
  if (Array.isArray(given.dryRun) && given.dryRun.includes('All')) options.dryRun = true;
  ctx.hub.service.delete(target.type, target.namespace, target.name!, options);
  sendJson(ctx.res, 201, successStatus(201, { name: target.name, kind: 'pods' }));
}
