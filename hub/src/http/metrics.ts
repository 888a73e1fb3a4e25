import {
  badRequest,
  formatBytes,
  formatCpuMilli,
  isApiError,
  type KubeObject,
  methodNotAllowed,
  type Node,
  notFound,
  resolveResourceType,
  serviceUnavailable,
} from '@peapod/core';
import type { PodMetrics } from '../api/node-proxy.js';
import type { HubContext } from '../component.js';
import { USAGE_ANNOTATION } from '../mqtt/node-status.js';
import { nodeReadyStatus } from '../scheduler/taints.js';
import { rfc3339Seconds } from '../store/object-meta.js';
import { selectorParams } from './query.js';
import type { RequestContext } from './request-context.js';
import { sendJson } from './respond.js';

/**
 * A read-only `metrics.k8s.io/v1beta1` API so `kubectl top nodes|pods` works. Usage is asked from
 * the nodes through `HubContext.nodeProxy` when asked for: pods' usage from their nodes, and each
 * Ready node's own reading. A node that does not answer within NODE_USAGE_WAIT_MS is shown with
 * the last usage it posted (the `peapod.io/usage` annotation, at most a few minutes old).
 */

export const METRICS_GROUP = 'metrics.k8s.io';
export const METRICS_VERSION = 'v1beta1';
const API_VERSION = `${METRICS_GROUP}/${METRICS_VERSION}`;
const WINDOW = '10s';
const NODE_USAGE_WAIT_MS = 3_000;
const NODES = resolveResourceType('nodes')!;
const PODS = resolveResourceType('pods')!;

export interface MetricsTarget {
  resource: 'nodes' | 'pods';
  namespace?: string;
  name?: string;
}

/** Parses `/apis/metrics.k8s.io/v1beta1[/namespaces/{ns}]/{nodes|pods}[/{name}]` (after the group version). */
export function parseMetricsPath(tail: string[]): MetricsTarget | undefined {
  if (tail[0] === 'namespaces' && tail.length >= 3 && tail[2] === 'pods' && tail.length <= 4) {
    return { resource: 'pods', namespace: tail[1], name: tail[3] };
  }
  if ((tail[0] === 'nodes' || tail[0] === 'pods') && tail.length <= 2) {
    if (tail[0] === 'pods' && tail.length === 2) return undefined;
    return { resource: tail[0], name: tail[1] };
  }
  return undefined;
}

export const METRICS_RESOURCES = [
  { resource: 'nodes', singular: 'node', kind: 'NodeMetrics', namespaced: false },
  { resource: 'pods', singular: 'pod', kind: 'PodMetrics', namespaced: true },
] as const;

function nodeMetricsObject(node: KubeObject, usage: { cpu: string; memory: string; at: string }): KubeObject {
  return {
    kind: 'NodeMetrics',
    apiVersion: API_VERSION,
    metadata: { name: node.metadata.name, labels: node.metadata.labels, creationTimestamp: usage.at },
    timestamp: usage.at,
    window: WINDOW,
    usage: { cpu: usage.cpu, memory: usage.memory },
  } as unknown as KubeObject;
}

/** The last usage the node posted (its `peapod.io/usage` annotation). */
function postedNodeMetrics(node: KubeObject): KubeObject | undefined {
  const raw = node.metadata.annotations?.[USAGE_ANNOTATION];
  if (!raw) return undefined;
  try {
    const usage = JSON.parse(raw) as { cpu?: string; memory?: string; at?: string };
    if (!usage.cpu || !usage.memory || !usage.at) return undefined;
    return nodeMetricsObject(node, { cpu: usage.cpu, memory: usage.memory, at: usage.at });
  } catch {
    return undefined;
  }
}

/** A reading asked from the node now, or the last one it posted when it does not answer in time. */
async function nodeMetrics(hub: HubContext, node: KubeObject): Promise<KubeObject | undefined> {
  const proxy = hub.nodeProxy;
  if (proxy && nodeReadyStatus(node as Node) === 'True') {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => {
      timer = setTimeout(() => resolve(undefined), NODE_USAGE_WAIT_MS);
    });
    const fresh = await Promise.race([proxy.nodeUsage(node.metadata.name!).catch(() => undefined), late]);
    clearTimeout(timer);
    if (fresh) {
      const at = rfc3339Seconds(hub.now());
      return nodeMetricsObject(node, {
        cpu: formatCpuMilli(fresh.cpuMilli),
        memory: formatBytes(fresh.memoryBytes),
        at,
      });
    }
  }
  return postedNodeMetrics(node);
}

function podMetricsObject(pod: KubeObject, metrics: PodMetrics, now: number): KubeObject {
  const at = rfc3339Seconds(now);
  return {
    kind: 'PodMetrics',
    apiVersion: API_VERSION,
    metadata: {
      name: pod.metadata.name,
      namespace: pod.metadata.namespace,
      labels: pod.metadata.labels,
      creationTimestamp: at,
    },
    timestamp: at,
    window: WINDOW,
    containers: metrics.containers.map((c) => ({
      name: c.name,
      usage: { cpu: formatCpuMilli(c.cpuMilli), memory: formatBytes(c.memoryBytes) },
    })),
  } as unknown as KubeObject;
}

/** Usage of `pods` (already selected), asking each of their nodes once; unreachable nodes are skipped. */
async function podsMetrics(hub: HubContext, pods: KubeObject[]): Promise<KubeObject[]> {
  const proxy = hub.nodeProxy;
  if (!proxy) throw serviceUnavailable('pod metrics unavailable: the hub runs no relay to its nodes');
  const byNode = new Map<string, KubeObject[]>();
  for (const pod of pods) {
    const node = pod.spec?.nodeName;
    if (node) byNode.set(node, [...(byNode.get(node) ?? []), pod]);
  }
  const reports = await Promise.all(
    [...byNode.keys()].map((node) =>
      proxy.podMetrics(node).then(
        (metrics) => metrics,
        (e: unknown) => {
          hub.log.debug('pod metrics unavailable', { node, error: e });
          return [] as PodMetrics[];
        },
      ),
    ),
  );
  const found = new Map(reports.flat().map((m) => [`${m.namespace}/${m.name}`, m]));
  const now = hub.now();
  return pods.flatMap((pod) => {
    const metrics = found.get(`${pod.metadata.namespace}/${pod.metadata.name}`);
    return metrics ? [podMetricsObject(pod, metrics, now)] : [];
  });
}

export async function handleMetrics(ctx: RequestContext, target: MetricsTarget): Promise<void> {
  if (ctx.req.method !== 'GET') throw methodNotAllowed();
  const { hub } = ctx;
  const selectors = selectorParams(ctx.query);
  if (target.resource === 'nodes') {
    if (target.name) {
      const found = await nodeMetrics(hub, hub.service.get(NODES, undefined, target.name));
      if (!found) throw notFound('nodes', target.name, METRICS_GROUP);
      return sendJson(ctx.res, 200, found);
    }
    const { items } = hub.service.list(NODES, { labelSelector: selectors.labelSelector });
    const metrics = (await Promise.all(items.map((n) => nodeMetrics(hub, n)))).flatMap((m) => m ?? []);
    return sendJson(ctx.res, 200, { kind: 'NodeMetricsList', apiVersion: API_VERSION, metadata: {}, items: metrics });
  }
  if (target.name) {
    let pod: KubeObject;
    try {
      pod = hub.service.get(PODS, target.namespace, target.name);
    } catch (e) {
      if (isApiError(e) && e.code === 404) throw notFound('pods', target.name, METRICS_GROUP);
      throw e;
    }
    const [found] = await podsMetrics(hub, [pod]);
    if (!found) throw notFound('pods', target.name, METRICS_GROUP);
    return sendJson(ctx.res, 200, found);
  }
  if (selectors.fieldSelector) throw badRequest('fieldSelector is not supported for pod metrics');
  const { items } = hub.service.list(PODS, { namespace: target.namespace, labelSelector: selectors.labelSelector });
  const metrics = await podsMetrics(hub, items);
  sendJson(ctx.res, 200, { kind: 'PodMetricsList', apiVersion: API_VERSION, metadata: {}, items: metrics });
}
