import type {
  ContainerPort,
  EndpointAddress,
  EndpointPort,
  EndpointSubset,
  Endpoints,
  Pod,
  Service,
  ServicePort,
} from '@peapod/core';

/**
 * Endpoints of a Service, as the Kubernetes endpoints controller computes them (k8s-semantics §11):
 * every pod in the Service's namespace whose labels match the selector, that has an IP and is not
 * terminal. Ready pods go to `addresses`, the others to `notReadyAddresses` (all to `addresses`
 * with publishNotReadyAddresses). Named targetPorts are resolved per pod, so pods that name the
 * same port differently land in different subsets. Pure.
 */
export function computeEndpoints(service: Service, pods: readonly Pod[]): EndpointSubset[] {
  const selector = service.spec.selector;
  if (!selector || Object.keys(selector).length === 0) return [];
  const bySignature = new Map<
    string,
    { ports: EndpointPort[]; ready: EndpointAddress[]; notReady: EndpointAddress[] }
  >();

  for (const pod of pods) {
    if (pod.metadata.namespace !== service.metadata.namespace) continue;
    if (!matchesSelector(selector, pod.metadata.labels)) continue;
    const ip = pod.status?.podIP;
    if (!ip) continue;
    const phase = pod.status?.phase;
    if (phase === 'Succeeded' || phase === 'Failed') continue;
    const ports = resolvePorts(service.spec.ports ?? [], pod);
    if (ports === undefined) continue;
    const signature = JSON.stringify(ports);
    let subset = bySignature.get(signature);
    if (!subset) {
      subset = { ports, ready: [], notReady: [] };
      bySignature.set(signature, subset);
    }
    const address: EndpointAddress = {
      ip,
      nodeName: pod.spec.nodeName,
      targetRef: { kind: 'Pod', namespace: pod.metadata.namespace, name: pod.metadata.name, uid: pod.metadata.uid },
    };
    const ready = !pod.metadata.deletionTimestamp && isPodReady(pod);
    if (ready || service.spec.publishNotReadyAddresses) subset.ready.push(address);
    else subset.notReady.push(address);
  }

  const subsets: EndpointSubset[] = [];
  for (const { ports, ready, notReady } of bySignature.values()) {
    const subset: EndpointSubset = {};
    if (ready.length) subset.addresses = ready.sort(byIp);
    if (notReady.length) subset.notReadyAddresses = notReady.sort(byIp);
    if (ports.length) subset.ports = ports;
    subsets.push(subset);
  }
  return subsets;
}

export function isPodReady(pod: Pod): boolean {
  return pod.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Service selectors are plain equality maps. */
export function matchesSelector(selector: Record<string, string>, labels: Record<string, string> | undefined): boolean {
  return Object.entries(selector).every(([k, v]) => labels?.[k] === v);
}

/** undefined when a named targetPort does not exist in the pod (the pod is left out, as Kubernetes does). */
function resolvePorts(servicePorts: readonly ServicePort[], pod: Pod): EndpointPort[] | undefined {
  const out: EndpointPort[] = [];
  for (const sp of servicePorts) {
    const target = sp.targetPort ?? sp.port;
    let port: number | undefined;
    if (typeof target === 'number') port = target;
    else if (/^\d+$/.test(target)) port = Number(target);
    else port = findNamedPort(pod, target, sp.protocol ?? 'TCP')?.containerPort;
    if (port === undefined) return undefined;
    const ep: EndpointPort = { port, protocol: sp.protocol ?? 'TCP' };
    if (sp.name) ep.name = sp.name;
    out.push(ep);
  }
  return out;
}

function findNamedPort(pod: Pod, name: string, protocol: string): ContainerPort | undefined {
  for (const c of pod.spec.containers) {
    for (const p of c.ports ?? []) if (p.name === name && (p.protocol ?? 'TCP') === protocol) return p;
  }
  return undefined;
}

function byIp(a: EndpointAddress, b: EndpointAddress): number {
  return a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0;
}

/** The Endpoints object for a Service (same name and namespace), labelled like Kubernetes does. */
export function endpointsObject(service: Service, subsets: EndpointSubset[]): Endpoints {
  return {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: {
      name: service.metadata.name,
      namespace: service.metadata.namespace,
      labels: { ...(service.metadata.labels ?? {}) },
    },
    subsets,
  };
}
