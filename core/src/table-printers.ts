/**
 * Per-kind `kubectl get` columns and cells (kk-print `printPod`, `printNode`, …; k8s-semantics.md
 * §13.1). Every printer lists default (priority 0) and wide-only (priority 1) columns.
 */
import { translateTimestampSince } from './duration.js';
import { selectorFromLabelSelector } from './label-selector.js';
import { podSummary } from './pod-status.js';
import type { TableCell, TableColumnDefinition, TableRowCondition } from './tables.js';
import type {
  Container,
  Deployment,
  Endpoints,
  Event,
  KubeObject,
  Namespace,
  Node,
  Pod,
  ReplicaSet,
  Service,
} from './types.js';

export type Column = [
  name: string,
  type: TableColumnDefinition['type'],
  priority: number,
  description: string,
  format?: string,
];

const NAME: Column = [
  'Name',
  'string',
  0,
  'Name must be unique within a namespace. Is required when creating resources, although some resources may allow a client to request the generation of an appropriate name automatically. Name is primarily intended for creation idempotence and configuration definition. Cannot be updated. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/names#names',
  'name',
];
const AGE: Column = [
  'Age',
  'string',
  0,
  'CreationTimestamp is a timestamp representing the server time when this object was created. It is not guaranteed to be set in happens-before order across separate operations. Clients may not set this value. It is represented in RFC3339 form and is in UTC.\n\nPopulated by the system. Read-only. Null for lists. More info: https://git.k8s.io/community/contributors/devel/sig-architecture/api-conventions.md#metadata',
];

export interface Printer<T extends KubeObject> {
  columns: Column[];
  cells(obj: T, now: number): TableCell[];
  conditions?(obj: T): TableRowCondition[] | undefined;
}

const none = (s: string | undefined | null): string => (s ? s : '<none>');
const age = (obj: KubeObject, now: number): string => translateTimestampSince(obj.metadata?.creationTimestamp, now);

function containerCells(containers: Container[] | undefined): [string, string] {
  const list = containers ?? [];
  return [list.map((c) => c.name).join(','), list.map((c) => c.image).join(',')];
}

/** `labels.FormatLabels`: sorted `k=v` pairs, `<none>` when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return '<none>';
  return keys.map((k) => `${k}=${labels![k]}`).join(',');
}

const podPrinter: Printer<Pod> = {
  columns: [
    NAME,
    ['Ready', 'string', 0, 'The aggregate readiness state of this pod for accepting traffic.'],
    ['Status', 'string', 0, 'The aggregate status of the containers in this pod.'],
    [
      'Restarts',
      'string',
      0,
      'The number of times the containers in this pod have been restarted and when the last container in this pod has restarted.',
    ],
    AGE,
    [
      'IP',
      'string',
      1,
      'podIP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated.',
    ],
    ['Node', 'string', 1, 'NodeName indicates in which node this pod is scheduled.'],
    ['Nominated Node', 'string', 1, 'nominatedNodeName is set when this pod preempts other pods on the node.'],
    ['Readiness Gates', 'string', 1, 'If specified, all readiness gates will be evaluated for pod readiness.'],
  ],
  cells(pod, now) {
    const s = podSummary(pod, now);
    const status = pod.status ?? {};
    const ip = status.podIPs?.[0]?.ip || status.podIP;
    const gates = pod.spec?.readinessGates ?? [];
    let readinessGates = '<none>';
    if (gates.length > 0) {
      const trueCount = gates.filter((g) =>
        (status.conditions ?? []).some((c) => c.type === g.conditionType && c.status === 'True'),
      ).length;
      readinessGates = `${trueCount}/${gates.length}`;
    }
    return [
      pod.metadata.name ?? '',
      s.ready,
      s.status,
      s.restarts,
      age(pod, now),
      none(ip),
      none(pod.spec?.nodeName),
      none(status.nominatedNodeName),
      readinessGates,
    ];
  },
  conditions(pod) {
    if (pod.status?.phase === 'Succeeded') {
      return [
        { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
      ];
    }
    if (pod.status?.phase === 'Failed') {
      return [{ type: 'Completed', status: 'True', reason: 'Failed', message: 'The pod failed.' }];
    }
    return undefined;
  },
};

/** Node STATUS: `Ready`/`NotReady`/`Unknown`, plus `,SchedulingDisabled` when cordoned. */
export function nodeStatusText(node: Node): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  const parts = [ready ? (ready.status === 'True' ? 'Ready' : 'NotReady') : 'Unknown'];
  if (node.spec?.unschedulable) parts.push('SchedulingDisabled');
  return parts.join(',');
}

/** Node ROLES from `node-role.kubernetes.io/<role>` and `kubernetes.io/role` labels. */
export function nodeRoles(node: Node): string[] {
  const roles = new Set<string>();
  for (const [k, v] of Object.entries(node.metadata?.labels ?? {})) {
    if (k.startsWith('node-role.kubernetes.io/')) {
      const role = k.slice('node-role.kubernetes.io/'.length);
      if (role) roles.add(role);
    } else if (k === 'kubernetes.io/role' && v) {
      roles.add(v);
    }
  }
  return [...roles].sort();
}

/** Time since the node's last heartbeat (Ready condition), for the wide-only LAST-SEEN column. */
export function nodeLastSeen(node: Node, now: number): string {
  const ready = (node.status?.conditions ?? []).find((c) => c.type === 'Ready');
  return translateTimestampSince(ready?.lastHeartbeatTime, now);
}

const nodePrinter: Printer<Node> = {
  columns: [
    NAME,
    ['Status', 'string', 0, 'The status of the node'],
    ['Roles', 'string', 0, 'The roles of the node'],
    AGE,
    ['Version', 'string', 0, 'Kubelet Version reported by the node.'],
    ['Internal-IP', 'string', 1, 'List of addresses reachable to the node. Queried from cloud provider, if available.'],
    ['External-IP', 'string', 1, 'List of addresses reachable to the node. Queried from cloud provider, if available.'],
    ['OS-Image', 'string', 1, 'OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).'],
    ['Kernel-Version', 'string', 1, "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64)."],
    ['Container-Runtime', 'string', 1, 'ContainerRuntime Version reported by the node through runtime remote API.'],
    ['Last-Seen', 'string', 1, "Time since the node's last heartbeat (Ready condition lastHeartbeatTime)."],
  ],
  cells(node, now) {
    const roles = nodeRoles(node).join(',');
    const info = node.status?.nodeInfo;
    const address = (type: string) => node.status?.addresses?.find((a) => a.type === type)?.address;
    return [
      node.metadata.name ?? '',
      nodeStatusText(node),
      none(roles),
      age(node, now),
      info?.kubeletVersion ?? '',
      none(address('InternalIP')),
      none(address('ExternalIP')),
      info?.osImage || '<unknown>',
      info?.kernelVersion || '<unknown>',
      info?.containerRuntimeVersion || '<unknown>',
      nodeLastSeen(node, now),
    ];
  },
};

const namespacePrinter: Printer<Namespace> = {
  columns: [NAME, ['Status', 'string', 0, 'The status of the namespace'], AGE],
  cells: (ns, now) => [ns.metadata.name ?? '', ns.status?.phase ?? '', age(ns, now)],
};

/** Service PORT(S): `80/TCP`, `80:30080/TCP`, comma-joined. */
export function servicePorts(svc: Service): string {
  const ports = svc.spec?.ports ?? [];
  return ports
    .map((p) => (p.nodePort ? `${p.port}:${p.nodePort}/${p.protocol ?? 'TCP'}` : `${p.port}/${p.protocol ?? 'TCP'}`))
    .join(',');
}

/** Service EXTERNAL-IP column. */
export function serviceExternalIP(svc: Service): string {
  const spec = svc.spec ?? {};
  const externalIPs = spec.externalIPs ?? [];
  switch (spec.type ?? 'ClusterIP') {
    case 'ClusterIP':
    case 'NodePort':
      return externalIPs.length ? externalIPs.join(',') : '<none>';
    case 'LoadBalancer': {
      const lb = (svc.status?.loadBalancer?.ingress ?? []).map((i) => i.ip || i.hostname || '').filter(Boolean);
      const all = [...lb, ...externalIPs];
      return all.length ? all.join(',') : '<pending>';
    }
    case 'ExternalName':
      return spec.externalName ?? '';
    default:
      return '<unknown>';
  }
}

const servicePrinter: Printer<Service> = {
  columns: [
    NAME,
    ['Type', 'string', 0, 'type determines how the Service is exposed.'],
    ['Cluster-IP', 'string', 0, 'clusterIP is the IP address of the service and is usually assigned randomly.'],
    [
      'External-IP',
      'string',
      0,
      'externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service.',
    ],
    ['Port(s)', 'string', 0, 'The list of ports that are exposed by this service.'],
    AGE,
    ['Selector', 'string', 1, 'Route service traffic to pods with label keys and values matching this selector.'],
  ],
  cells: (svc, now) => [
    svc.metadata.name ?? '',
    svc.spec?.type ?? 'ClusterIP',
    svc.spec?.clusterIPs?.[0] || svc.spec?.clusterIP || '<none>',
    serviceExternalIP(svc),
    servicePorts(svc) || '<none>',
    age(svc, now),
    formatLabels(svc.spec?.selector),
  ],
};

/** Endpoints ENDPOINTS column: up to 3 `ip:port`, then ` + N more...`. */
export function formatEndpoints(ep: Endpoints): string {
  const subsets = ep.subsets ?? [];
  if (subsets.length === 0) return '<none>';
  const max = 3;
  const list: string[] = [];
  let count = 0;
  const hostPort = (ip: string, port: number) => (ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`);
  for (const ss of subsets) {
    const addresses = ss.addresses ?? [];
    const ports = ss.ports ?? [];
    if (ports.length === 0) {
      count += addresses.length;
      for (const a of addresses) if (list.length < max) list.push(a.ip);
      continue;
    }
    for (const p of ports) {
      count += addresses.length;
      for (const a of addresses) if (list.length < max) list.push(hostPort(a.ip, p.port));
    }
  }
  const text = list.join(',');
  return count > max ? `${text} + ${count - max} more...` : text;
}

const endpointsPrinter: Printer<Endpoints> = {
  columns: [NAME, ['Endpoints', 'string', 0, 'Endpoints of the service'], AGE],
  cells: (ep, now) => [ep.metadata.name ?? '', formatEndpoints(ep), age(ep, now)],
};

const eventPrinter: Printer<Event> = {
  columns: [
    ['Last Seen', 'string', 0, 'The time at which the most recent occurrence of this event was recorded.'],
    ['Type', 'string', 0, 'Type of this event (Normal, Warning), new types could be added in the future'],
    [
      'Reason',
      'string',
      0,
      "This should be a short, machine understandable string that gives the reason for the transition into the object's current status.",
    ],
    ['Object', 'string', 0, 'The object that this event is about.'],
    [
      'Subobject',
      'string',
      1,
      'If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].',
    ],
    ['Source', 'string', 1, 'The component reporting this event. Should be a short machine understandable string.'],
    ['Message', 'string', 0, 'A human-readable description of the status of this operation.'],
    [
      'First Seen',
      'string',
      1,
      'The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)',
    ],
    ['Count', 'string', 1, 'The number of times this event has occurred.'],
    NAME.map((v, i) => (i === 2 ? 1 : v)) as Column,
  ],
  cells(ev, now) {
    const first = translateTimestampSince(ev.firstTimestamp || ev.eventTime, now);
    const last = ev.lastTimestamp ? translateTimestampSince(ev.lastTimestamp, now) : first;
    const involved = ev.involvedObject ?? {};
    const kind = (involved.kind ?? '').toLowerCase();
    const target = involved.name ? `${kind}/${involved.name}` : kind;
    const component = ev.source?.component || ev.reportingComponent || '';
    const host = ev.source?.component ? ev.source?.host : ev.reportingInstance;
    const source = host ? `${component}, ${host}` : component;
    return [
      last,
      ev.type ?? '',
      ev.reason ?? '',
      target,
      involved.fieldPath ?? '',
      source,
      (ev.message ?? '').trim(),
      first,
      ev.count || 1,
      ev.metadata.name ?? '',
    ];
  },
};

const SELECTOR_DOC = 'Label selector for pods.';
const CONTAINERS_DOC = 'Names of each container in the template.';
const IMAGES_DOC = 'Images referenced by each container in the template.';

const deploymentPrinter: Printer<Deployment> = {
  columns: [
    NAME,
    ['Ready', 'string', 0, 'Number of the pod with ready state'],
    [
      'Up-to-date',
      'integer',
      0,
      'Total number of non-terminated pods targeted by this deployment that have the desired template spec.',
    ],
    [
      'Available',
      'integer',
      0,
      'Total number of available pods (ready for at least minReadySeconds) targeted by this deployment.',
    ],
    AGE,
    ['Containers', 'string', 1, CONTAINERS_DOC],
    ['Images', 'string', 1, IMAGES_DOC],
    ['Selector', 'string', 1, SELECTOR_DOC],
  ],
  cells(d, now) {
    const [containers, images] = containerCells(d.spec?.template?.spec?.containers);
    const st = d.status ?? {};
    return [
      d.metadata.name ?? '',
      `${st.readyReplicas ?? 0}/${d.spec?.replicas ?? 0}`,
      st.updatedReplicas ?? 0,
      st.availableReplicas ?? 0,
      age(d, now),
      containers,
      images,
      selectorText(d.spec?.selector),
    ];
  },
};

const replicaSetPrinter: Printer<ReplicaSet> = {
  columns: [
    NAME,
    ['Desired', 'integer', 0, 'Number of desired pods.'],
    ['Current', 'integer', 0, 'Number of actual pods.'],
    ['Ready', 'integer', 0, 'Number of pods ready.'],
    AGE,
    ['Containers', 'string', 1, CONTAINERS_DOC],
    ['Images', 'string', 1, IMAGES_DOC],
    ['Selector', 'string', 1, SELECTOR_DOC],
  ],
  cells(rs, now) {
    const [containers, images] = containerCells(rs.spec?.template?.spec?.containers);
    return [
      rs.metadata.name ?? '',
      rs.spec?.replicas ?? 0,
      rs.status?.replicas ?? 0,
      rs.status?.readyReplicas ?? 0,
      age(rs, now),
      containers,
      images,
      selectorText(rs.spec?.selector),
    ];
  },
};

/** Deployment/ReplicaSet SELECTOR cell: the selector string, `<invalid>` if it does not parse. */
function selectorText(sel: Deployment['spec']['selector'] | undefined): string {
  try {
    return selectorFromLabelSelector(sel).toString();
  } catch {
    return '<invalid>';
  }
}

/** Fallback for kinds without a printer: NAME and AGE, as kubectl prints plain lists. */
export const defaultPrinter: Printer<KubeObject> = {
  columns: [NAME, AGE],
  cells: (o, now) => [o.metadata?.name ?? '', age(o, now)],
};

export const PRINTERS: Record<string, Printer<never>> = {
  Pod: podPrinter,
  Node: nodePrinter,
  Namespace: namespacePrinter,
  Service: servicePrinter,
  Endpoints: endpointsPrinter,
  Event: eventPrinter,
  Deployment: deploymentPrinter,
  ReplicaSet: replicaSetPrinter,
};
