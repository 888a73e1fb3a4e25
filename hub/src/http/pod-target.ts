import {
  badRequest,
  isApiError,
  type KubeObject,
  type Node,
  type Pod,
  resolveResourceType,
  serviceUnavailable,
} from '@peapod/core';
import type { NodeProxy, PodRef } from '../api/node-proxy.js';
import type { HubContext } from '../component.js';

/** What logs and exec need before relaying to the pod's node: the pod, its container, its node. */
export interface PodStreamTarget {
  pod: Pod;
  ref: PodRef;
  container: string;
  nodeName: string;
  proxy: NodeProxy;
}

function containerNames(pod: Pod, includeInit: boolean): string[] {
  const spec = pod.spec ?? { containers: [] };
  return [
    ...(spec.containers ?? []).map((c) => c.name),
    ...(includeInit ? (spec.initContainers ?? []).map((c) => c.name) : []),
  ];
}

export function resolvePodStreamTarget(
  hub: HubContext,
  podObject: KubeObject,
  requestedContainer: string | null,
  what: 'logs' | 'exec',
): PodStreamTarget {
  const pod = podObject as Pod;
  const name = pod.metadata.name!;
  const names = containerNames(pod, what === 'logs');
  let container = requestedContainer ?? '';
  if (container === '') {
    const main = containerNames(pod, false);
    if (main.length !== 1) {
      throw badRequest(`a container name must be specified for pod ${name}, choose one of: [${main.join(' ')}]`);
    }
    container = main[0];
  }
  if (!names.includes(container)) throw badRequest(`container ${container} is not valid for pod ${name}`);
  const nodeName = pod.spec?.nodeName;
  if (!nodeName) throw badRequest(`pod ${name} does not have a host assigned`);
  if (what === 'exec' && (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed')) {
    throw badRequest(`cannot exec into a container in a completed pod; current phase is ${pod.status.phase}`);
  }
  assertNodeConnected(hub, nodeName, what);
  const proxy = hub.nodeProxy;
  if (!proxy) {
    throw serviceUnavailable(
      `${what} for pod ${name} are unavailable: the hub has no connection relay to nodes running`,
    );
  }
  return {
    pod,
    ref: { namespace: pod.metadata.namespace ?? 'default', name, uid: pod.metadata.uid ?? '' },
    container,
    nodeName,
    proxy,
  };
}

const NODES = resolveResourceType('nodes')!;

/** A node that is gone or whose heartbeats stopped (Ready=Unknown) cannot serve logs or exec. */
function assertNodeConnected(hub: HubContext, nodeName: string, what: string): void {
  let node: Node;
  try {
    node = hub.service.get(NODES, undefined, nodeName) as Node;
  } catch (e) {
    if (isApiError(e) && e.code === 404)
      throw serviceUnavailable(`${what} unavailable: node "${nodeName}" is not registered`);
    throw e;
  }
  const ready = node.status?.conditions?.find((c) => c.type === 'Ready');
  if (ready?.status === 'Unknown') {
    throw serviceUnavailable(`${what} unavailable: node "${nodeName}" is offline (its heartbeats stopped)`);
  }
}
