import type { KubeObject } from '@peapod/core';
import type { Cluster } from './cluster.js';

/** What the e2e tests look at in a pod. */
export interface PodView {
  name: string;
  node: string | undefined;
  phase: string | undefined;
  terminating: boolean;
  ready: boolean;
  ip: string | undefined;
  containerIDs: string[];
  restarts: number;
}

export function podView(pod: KubeObject): PodView {
  const statuses: { containerID?: string; restartCount?: number; ready?: boolean }[] =
    pod.status?.containerStatuses ?? [];
  return {
    name: pod.metadata.name,
    node: pod.spec?.nodeName,
    phase: pod.status?.phase,
    terminating: Boolean(pod.metadata.deletionTimestamp),
    ready: (pod.status?.conditions ?? []).some(
      (c: { type: string; status: string }) => c.type === 'Ready' && c.status === 'True',
    ),
    ip: pod.status?.podIP,
    containerIDs: statuses.map((s) => s.containerID ?? ''),
    restarts: statuses.reduce((n, s) => n + (s.restartCount ?? 0), 0),
  };
}

/** Pods in `default` matching a label selector, straight from the hub API. */
export async function listPods(cluster: Cluster, selector: string): Promise<PodView[]> {
  const list = await cluster.get(`/api/v1/namespaces/default/pods?labelSelector=${encodeURIComponent(selector)}`);
  return (list.items as KubeObject[]).map(podView);
}

/** Running, Ready and not being deleted. */
export function serving(p: PodView): boolean {
  return !p.terminating && p.phase === 'Running' && p.ready;
}

export async function deployment(cluster: Cluster, name: string): Promise<KubeObject> {
  return cluster.get(`/apis/apps/v1/namespaces/default/deployments/${name}`);
}
