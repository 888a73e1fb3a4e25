/** kubectl describe for pods, nodes, deployments, replicasets, services and namespaces. */
import {
  cpuToMilli,
  formatBytes,
  formatCpuMilli,
  memoryToBytes,
  type Node,
  nodeRoles,
  podRequests,
  qosClass,
  translateTimestampSince,
} from '@peapod/core';
import type { Client } from '../client.js';
import { formatLabels } from '../printers/table.js';
import { resourcePath, resourceType } from '../resources.js';
import { describeOfflineHistory } from './offline-history.js';
import {
  type ContainerLike,
  type ContainerStatusLike,
  describeContainers,
  describePodTemplate,
  describeVolumes,
  type PodTemplateLike,
  type VolumeLike,
} from './template.js';
import {
  annotationsMultiline,
  DescribeWriter,
  describeEvents,
  type EventLike,
  labelsMultiline,
  rfc1123z,
  type Toleration,
  taintsMultiline,
  tolerationsMultiline,
} from './writer.js';

// biome-ignore lint/suspicious/noExplicitAny: describe reads many optional fields of arbitrary kinds
type Obj = any;

const since = (ts?: string) => translateTimestampSince(ts);

function controllerOf(o: Obj): string {
  const ref = (o.metadata?.ownerReferences ?? []).find((r: Obj) => r.controller);
  return ref ? `${ref.kind}/${ref.name}` : '';
}

function selectorText(sel: Obj): string {
  if (!sel) return '<none>';
  const parts: string[] = Object.entries(sel.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const e of sel.matchExpressions ?? []) {
    if (e.operator === 'In') parts.push(`${e.key} in (${e.values.join(',')})`);
    else if (e.operator === 'NotIn') parts.push(`${e.key} notin (${e.values.join(',')})`);
    else if (e.operator === 'Exists') parts.push(e.key);
    else parts.push(`!${e.key}`);
  }
  return parts.length ? parts.join(',') : '<none>';
}

export function describePod(pod: Obj, events: EventLike[]): string {
  const w = new DescribeWriter();
  const m = pod.metadata ?? {};
  const spec = pod.spec ?? {};
  const st = pod.status ?? {};
  w.write(0, `Name:\t${m.name}\n`);
  w.write(0, `Namespace:\t${m.namespace}\n`);
  if (spec.priority !== undefined) w.write(0, `Priority:\t${spec.priority}\n`);
  if (spec.priorityClassName) w.write(0, `Priority Class Name:\t${spec.priorityClassName}\n`);
  if (spec.serviceAccountName) w.write(0, `Service Account:\t${spec.serviceAccountName}\n`);
  w.write(0, spec.nodeName ? `Node:\t${spec.nodeName}/${st.hostIP ?? ''}\n` : 'Node:\t<none>\n');
  if (st.startTime) w.write(0, `Start Time:\t${rfc1123z(st.startTime)}\n`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  if (m.deletionTimestamp && st.phase !== 'Failed' && st.phase !== 'Succeeded') {
    w.write(0, `Status:\tTerminating (lasts ${since(m.deletionTimestamp)})\n`);
    w.write(0, `Termination Grace Period:\t${m.deletionGracePeriodSeconds ?? 30}s\n`);
  } else w.write(0, `Status:\t${st.phase ?? ''}\n`);
  if (st.reason) w.write(0, `Reason:\t${st.reason}\n`);
  if (st.message) w.write(0, `Message:\t${st.message}\n`);
  w.write(0, `IP:\t${st.podIP ?? ''}\n`);
  if (!st.podIPs?.length) w.write(0, 'IPs:\t<none>\n');
  else {
    w.write(0, 'IPs:\n');
    for (const ip of st.podIPs) w.write(1, `IP:\t${ip.ip}\n`);
  }
  const ctl = controllerOf(pod);
  if (ctl) w.write(0, `Controlled By:\t${ctl}\n`);
  if (spec.initContainers?.length) {
    describeContainers(
      w,
      'Init Containers',
      spec.initContainers as ContainerLike[],
      st.initContainerStatuses as ContainerStatusLike[],
    );
  }
  describeContainers(
    w,
    'Containers',
    (spec.containers ?? []) as ContainerLike[],
    st.containerStatuses as ContainerStatusLike[],
  );
  if (st.conditions?.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\n');
    for (const c of st.conditions) w.write(1, `${c.type} \t${c.status} \n`);
  }
  describeVolumes(w, spec.volumes as VolumeLike[]);
  w.write(0, `QoS Class:\t${st.qosClass ?? qosClass(pod)}\n`);
  labelsMultiline(w, 'Node-Selectors', spec.nodeSelector);
  tolerationsMultiline(w, 'Tolerations', spec.tolerations as Toleration[]);
  describeEvents(w, events, since);
  return w.toString();
}

function rsSummary(list: Obj[]): string {
  if (list.length === 0) return '<none>';
  return list
    .map((rs) => `${rs.metadata.name} (${rs.status?.replicas ?? 0}/${rs.spec?.replicas ?? 0} replicas created)`)
    .join(', ');
}

function withoutHash(tpl: Obj): string {
  const copy = structuredClone(tpl ?? {});
  if (copy.metadata?.labels) delete copy.metadata.labels['pod-template-hash'];
  return JSON.stringify(sortDeep(copy));
}

function sortDeep(v: Obj): Obj {
  if (Array.isArray(v)) return v.map(sortDeep);
  if (v && typeof v === 'object')
    return Object.fromEntries(
      Object.keys(v)
        .sort()
        .map((k) => [k, sortDeep(v[k])]),
    );
  return v;
}

export function describeDeployment(d: Obj, rsList: Obj[], events: EventLike[]): string {
  const w = new DescribeWriter();
  const m = d.metadata ?? {};
  const spec = d.spec ?? {};
  const st = d.status ?? {};
  w.write(0, `Name:\t${m.name}\n`);
  w.write(0, `Namespace:\t${m.namespace}\n`);
  w.write(0, `CreationTimestamp:\t${rfc1123z(m.creationTimestamp)}\n`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  w.write(0, `Selector:\t${selectorText(spec.selector)}\n`);
  w.write(
    0,
    `Replicas:\t${spec.replicas ?? 1} desired | ${st.updatedReplicas ?? 0} updated | ${st.replicas ?? 0} total | ${st.availableReplicas ?? 0} available | ${st.unavailableReplicas ?? 0} unavailable\n`,
  );
  w.write(0, `StrategyType:\t${spec.strategy?.type ?? 'RollingUpdate'}\n`);
  w.write(0, `MinReadySeconds:\t${spec.minReadySeconds ?? 0}\n`);
  const ru = spec.strategy?.rollingUpdate;
  if (ru)
    w.write(
      0,
      `RollingUpdateStrategy:\t${ru.maxUnavailable ?? '25%'} max unavailable, ${ru.maxSurge ?? '25%'} max surge\n`,
    );
  describePodTemplate(w, spec.template as PodTemplateLike);
  if (st.conditions?.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\tReason\n');
    w.write(1, '----\t------\t------\n');
    for (const c of st.conditions) w.write(1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
  }
  const owned = rsList.filter((rs) =>
    (rs.metadata.ownerReferences ?? []).some((r: Obj) => r.controller && r.uid === m.uid),
  );
  const want = withoutHash(spec.template);
  const newRs = owned.filter((rs) => withoutHash(rs.spec?.template) === want);
  const oldRs = owned.filter((rs) => !newRs.includes(rs));
  if (owned.length) {
    w.write(0, `OldReplicaSets:\t${rsSummary(oldRs)}\n`);
    w.write(0, `NewReplicaSet:\t${rsSummary(newRs)}\n`);
  }
  describeEvents(w, events, since);
  return w.toString();
}

export function describeReplicaSet(rs: Obj, pods: Obj[], events: EventLike[]): string {
  const w = new DescribeWriter();
  const m = rs.metadata ?? {};
  w.write(0, `Name:\t${m.name}\n`);
  w.write(0, `Namespace:\t${m.namespace}\n`);
  w.write(0, `Selector:\t${selectorText(rs.spec?.selector)}\n`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  const ctl = controllerOf(rs);
  if (ctl) w.write(0, `Controlled By:\t${ctl}\n`);
  w.write(0, `Replicas:\t${rs.status?.replicas ?? 0} current / ${rs.spec?.replicas ?? 1} desired\n`);
  const count = (phase: string) => pods.filter((p) => p.status?.phase === phase).length;
  w.write(
    0,
    `Pods Status:\t${count('Running')} Running / ${count('Pending')} Waiting / ${count('Succeeded')} Succeeded / ${count('Failed')} Failed\n`,
  );
  describePodTemplate(w, rs.spec?.template as PodTemplateLike);
  if (rs.status?.conditions?.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\tReason\n');
    w.write(1, '----\t------\t------\n');
    for (const c of rs.status.conditions) w.write(1, `${c.type} \t${c.status}\t${c.reason ?? ''}\n`);
  }
  describeEvents(w, events, since);
  return w.toString();
}

function endpointsFor(ep: Obj, portName: string | undefined): string {
  const addrs: string[] = [];
  for (const subset of ep?.subsets ?? []) {
    for (const port of subset.ports ?? []) {
      if ((port.name ?? '') !== (portName ?? '')) continue;
      for (const a of subset.addresses ?? []) addrs.push(`${a.ip}:${port.port}`);
    }
  }
  if (addrs.length === 0) return '<none>';
  return addrs.length > 3 ? `${addrs.slice(0, 3).join(',')} + ${addrs.length - 3} more...` : addrs.join(',');
}

export function describeService(svc: Obj, ep: Obj, events: EventLike[]): string {
  const w = new DescribeWriter();
  const m = svc.metadata ?? {};
  const spec = svc.spec ?? {};
  w.write(0, `Name:\t${m.name}\n`);
  w.write(0, `Namespace:\t${m.namespace}\n`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  w.write(0, `Selector:\t${Object.keys(spec.selector ?? {}).length ? formatLabels(spec.selector) : ''}\n`);
  w.write(0, `Type:\t${spec.type ?? 'ClusterIP'}\n`);
  if (spec.ipFamilyPolicy) w.write(0, `IP Family Policy:\t${spec.ipFamilyPolicy}\n`);
  w.write(0, `IP Families:\t${spec.ipFamilies?.length ? spec.ipFamilies.join(',') : '<none>'}\n`);
  w.write(0, `IP:\t${spec.clusterIP ?? ''}\n`);
  w.write(0, `IPs:\t${spec.clusterIPs?.length ? spec.clusterIPs.join(',') : '<none>'}\n`);
  if (spec.externalIPs?.length) w.write(0, `External IPs:\t${spec.externalIPs.join(',')}\n`);
  if (spec.externalName) w.write(0, `External Name:\t${spec.externalName}\n`);
  for (const p of spec.ports ?? []) {
    const name = p.name || '<unset>';
    const proto = p.protocol ?? 'TCP';
    w.write(0, `Port:\t${name}\t${p.port}/${proto}\n`);
    w.write(0, `TargetPort:\t${p.targetPort ?? p.port}/${proto}\n`);
    if (p.nodePort) w.write(0, `NodePort:\t${name}\t${p.nodePort}/${proto}\n`);
    w.write(0, `Endpoints:\t${endpointsFor(ep, p.name)}\n`);
  }
  w.write(0, `Session Affinity:\t${spec.sessionAffinity ?? 'None'}\n`);
  if (spec.externalTrafficPolicy) w.write(0, `External Traffic Policy:\t${spec.externalTrafficPolicy}\n`);
  if (spec.internalTrafficPolicy) w.write(0, `Internal Traffic Policy:\t${spec.internalTrafficPolicy}\n`);
  describeEvents(w, events, since);
  return w.toString();
}

export function describeNamespace(ns: Obj): string {
  const w = new DescribeWriter();
  w.write(0, `Name:\t${ns.metadata?.name}\n`);
  labelsMultiline(w, 'Labels', ns.metadata?.labels);
  annotationsMultiline(w, 'Annotations', ns.metadata?.annotations);
  w.write(0, `Status:\t${ns.status?.phase ?? 'Active'}\n`);
  return w.toString();
}

function pct(part: number, whole: number): number {
  return whole > 0 ? Math.trunc((part / whole) * 100) : 0;
}

function podLimits(pod: Obj): { cpuMilli: number; memoryBytes: number } {
  let cpuMilli = 0;
  let memoryBytes = 0;
  for (const c of pod.spec?.containers ?? []) {
    if (c.resources?.limits?.cpu) cpuMilli += cpuToMilli(c.resources.limits.cpu);
    if (c.resources?.limits?.memory) memoryBytes += memoryToBytes(c.resources.limits.memory);
  }
  return { cpuMilli, memoryBytes };
}

export function describeNode(node: Obj, pods: Obj[], events: EventLike[], lease: Obj | Error): string {
  const w = new DescribeWriter();
  const m = node.metadata ?? {};
  const spec = node.spec ?? {};
  const st = node.status ?? {};
  w.write(0, `Name:\t${m.name}\n`);
  const roles = nodeRoles(node as Node);
  w.write(0, `Roles:\t${roles.length ? roles.join(',') : '<none>'}\n`);
  labelsMultiline(w, 'Labels', m.labels);
  annotationsMultiline(w, 'Annotations', m.annotations);
  w.write(0, `CreationTimestamp:\t${rfc1123z(m.creationTimestamp)}\n`);
  taintsMultiline(w, 'Taints', spec.taints);
  w.write(0, `Unschedulable:\t${spec.unschedulable ? 'true' : 'false'}\n`);
  if (lease instanceof Error) w.write(0, `Lease:\tFailed to get lease: ${lease.message}\n`);
  else {
    w.write(0, 'Lease:\n');
    w.write(1, `HolderIdentity:\t${lease.spec?.holderIdentity ?? '<unset>'}\n`);
    w.write(1, `AcquireTime:\t${lease.spec?.acquireTime ? rfc1123z(lease.spec.acquireTime) : '<unset>'}\n`);
    w.write(1, `RenewTime:\t${lease.spec?.renewTime ? rfc1123z(lease.spec.renewTime) : '<unset>'}\n`);
  }
  if (st.conditions?.length) {
    w.write(0, 'Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n');
    w.write(1, '----\t------\t-----------------\t------------------\t------\t-------\n');
    for (const c of st.conditions) {
      w.write(
        1,
        `${c.type} \t${c.status} \t${rfc1123z(c.lastHeartbeatTime)} \t${rfc1123z(c.lastTransitionTime)} \t${c.reason ?? ''} \t${c.message ?? ''}\n`,
      );
    }
  }
  w.write(0, 'Addresses:\n');
  for (const a of st.addresses ?? []) w.write(1, `${a.type}:\t${a.address}\n`);
  for (const [title, list] of [
    ['Capacity', st.capacity],
    ['Allocatable', st.allocatable],
  ] as const) {
    if (!list || Object.keys(list).length === 0) continue;
    w.write(0, `${title}:\n`);
    for (const k of Object.keys(list).sort()) w.write(1, `${k}:\t${list[k]}\n`);
  }
  const ni = st.nodeInfo ?? {};
  w.write(0, 'System Info:\n');
  w.write(1, `Machine ID:\t${ni.machineID ?? ''}\n`);
  w.write(1, `System UUID:\t${ni.systemUUID ?? ''}\n`);
  w.write(1, `Boot ID:\t${ni.bootID ?? ''}\n`);
  w.write(1, `Kernel Version:\t${ni.kernelVersion ?? ''}\n`);
  w.write(1, `OS Image:\t${ni.osImage ?? ''}\n`);
  w.write(1, `Operating System:\t${ni.operatingSystem ?? ''}\n`);
  w.write(1, `Architecture:\t${ni.architecture ?? ''}\n`);
  w.write(1, `Container Runtime Version:\t${ni.containerRuntimeVersion ?? ''}\n`);
  w.write(1, `Kubelet Version:\t${ni.kubeletVersion ?? ''}\n`);
  w.write(1, `Kube-Proxy Version:\t${ni.kubeProxyVersion ?? ''}\n`);
  if (spec.podCIDR) w.write(0, `PodCIDR:\t${spec.podCIDR}\n`);
  if (spec.podCIDRs?.length) w.write(0, `PodCIDRs:\t${spec.podCIDRs.join(',')}\n`);
  if (spec.providerID) w.write(0, `ProviderID:\t${spec.providerID}\n`);
  const alloc = st.allocatable ?? st.capacity ?? {};
  const allocCpu = alloc.cpu ? cpuToMilli(alloc.cpu) : 0;
  const allocMem = alloc.memory ? memoryToBytes(alloc.memory) : 0;
  w.write(0, `Non-terminated Pods:\t(${pods.length} in total)\n`);
  w.write(1, 'Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n');
  w.write(1, '---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n');
  let reqCpu = 0;
  let reqMem = 0;
  let limCpu = 0;
  let limMem = 0;
  for (const p of pods) {
    const r = podRequests(p);
    const l = podLimits(p);
    reqCpu += r.cpuMilli;
    reqMem += r.memoryBytes;
    limCpu += l.cpuMilli;
    limMem += l.memoryBytes;
    w.write(
      1,
      `${p.metadata.namespace}\t${p.metadata.name}\t\t${formatCpuMilli(r.cpuMilli)} (${pct(r.cpuMilli, allocCpu)}%)\t${formatCpuMilli(l.cpuMilli)} (${pct(l.cpuMilli, allocCpu)}%)\t${formatBytes(r.memoryBytes)} (${pct(r.memoryBytes, allocMem)}%)\t${formatBytes(l.memoryBytes)} (${pct(l.memoryBytes, allocMem)}%)\t${since(p.metadata.creationTimestamp)}\n`,
    );
  }
  w.write(0, 'Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n');
  w.write(1, 'Resource\tRequests\tLimits\n');
  w.write(1, '--------\t--------\t------\n');
  w.write(
    1,
    `cpu\t${formatCpuMilli(reqCpu)} (${pct(reqCpu, allocCpu)}%)\t${formatCpuMilli(limCpu)} (${pct(limCpu, allocCpu)}%)\n`,
  );
  w.write(
    1,
    `memory\t${formatBytes(reqMem)} (${pct(reqMem, allocMem)}%)\t${formatBytes(limMem)} (${pct(limMem, allocMem)}%)\n`,
  );
  w.write(1, 'ephemeral-storage\t0 (0%)\t0 (0%)\n');
  describeOfflineHistory(w, m.annotations);
  describeEvents(w, events, since);
  return w.toString();
}

/** Fetches what each describer needs (same requests as kubectl) and renders it. */
export async function describeObject(client: Client, kind: string, obj: Obj): Promise<string> {
  const m = obj.metadata ?? {};
  const ns = m.namespace;
  const eventsPath = resourcePath(resourceType('events'), ns);
  const fs = ns
    ? `involvedObject.name=${m.name},involvedObject.namespace=${ns},involvedObject.uid=${m.uid}`
    : `involvedObject.kind=${kind},involvedObject.name=${m.name},involvedObject.namespace=`;
  const events = async (): Promise<EventLike[]> => {
    try {
      return (await client.get<{ items: EventLike[] }>(eventsPath, { fieldSelector: fs, limit: 500 })).items ?? [];
    } catch {
      return [];
    }
  };
  const sel = (s: Obj) =>
    Object.entries(s?.matchLabels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(',');
  switch (kind) {
    case 'Pod':
      return describePod(obj, await events());
    case 'Deployment': {
      const rs = await client.get<{ items: Obj[] }>(resourcePath(resourceType('replicasets'), ns), {
        labelSelector: sel(obj.spec?.selector),
        limit: 500,
      });
      return describeDeployment(obj, rs.items ?? [], await events());
    }
    case 'ReplicaSet': {
      const pods = await client.get<{ items: Obj[] }>(resourcePath(resourceType('pods'), ns), {
        labelSelector: sel(obj.spec?.selector),
        limit: 500,
      });
      const owned = (pods.items ?? []).filter((p) =>
        (p.metadata.ownerReferences ?? []).some((r: Obj) => r.uid === m.uid),
      );
      return describeReplicaSet(obj, owned, await events());
    }
    case 'Service': {
      let ep: Obj;
      try {
        ep = await client.get(resourcePath(resourceType('endpoints'), ns, m.name));
      } catch {
        ep = undefined;
      }
      return describeService(obj, ep, await events());
    }
    case 'Node': {
      const pods = await client.get<{ items: Obj[] }>(resourcePath(resourceType('pods')), {
        fieldSelector: `spec.nodeName=${m.name},status.phase!=Succeeded,status.phase!=Failed`,
        limit: 500,
      });
      let lease: Obj | Error;
      try {
        lease = await client.get(
          `/apis/coordination.k8s.io/v1/namespaces/kube-node-lease/leases/${encodeURIComponent(m.name)}`,
        );
      } catch (e) {
        lease = e as Error;
      }
      return describeNode(obj, pods.items ?? [], await events(), lease);
    }
    case 'Namespace':
      return describeNamespace(obj);
    default: {
      const w = new DescribeWriter();
      w.write(0, `Name:\t${m.name}\n`);
      if (ns) w.write(0, `Namespace:\t${ns}\n`);
      labelsMultiline(w, 'Labels', m.labels);
      annotationsMultiline(w, 'Annotations', m.annotations);
      describeEvents(w, await events(), since);
      return w.toString();
    }
  }
}
