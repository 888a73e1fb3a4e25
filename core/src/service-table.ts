import type { Endpoints, Node, Service } from './types.js';

/**
 * What an agent needs to proxy Services: for each Service port, its NodePort (if any) and the
 * fleet's endpoints with the address of the node that hosts each one. The hub computes it from
 * Services + Endpoints + Nodes and publishes it to every agent (docs/services.md).
 */
export interface ServiceTable {
  /** Hub resourceVersion of the newest input, to drop stale tables. */
  version: string;
  services: ServiceEntry[];
}

export interface ServiceEntry {
  namespace: string;
  name: string;
  /** Service port name ('' when unnamed). */
  portName: string;
  protocol: 'TCP' | 'UDP' | 'SCTP';
  /** The Service port (ClusterIP port). */
  port: number;
  clusterIP?: string;
  nodePort?: number;
  sessionAffinity: 'None' | 'ClientIP';
  /** ClientIP affinity timeout, default 10800 s. */
  affinityTimeoutSeconds: number;
  endpoints: ServiceEndpoint[];
}

export interface ServiceEndpoint {
  /** Pod IP on its node's runtime network. */
  ip: string;
  port: number;
  nodeName: string;
  /** Address other nodes reach this node at (its InternalIP). */
  nodeAddress: string;
  ready: boolean;
}

export function serviceKey(entry: Pick<ServiceEntry, 'namespace' | 'name' | 'portName'>): string {
  return `${entry.namespace}/${entry.name}:${entry.portName}`;
}

/**
 * Builds the table from the hub's Services, Endpoints and Nodes. Endpoints on nodes whose Ready
 * condition is not True stay out of rotation everywhere (an unreachable device cannot serve), and
 * ExternalName/selector-less services without Endpoints have no entries.
 */
export function buildServiceTable(
  services: readonly Service[],
  endpoints: readonly Endpoints[],
  nodes: readonly Node[],
  version: string,
): ServiceTable {
  const nodeAddress = new Map<string, string>();
  const nodeReady = new Map<string, boolean>();
  for (const n of nodes) {
    const name = n.metadata.name ?? '';
    const addr = n.status?.addresses?.find((a) => a.type === 'InternalIP')?.address;
    if (addr) nodeAddress.set(name, addr);
    nodeReady.set(name, n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false);
  }
  const epByKey = new Map(endpoints.map((e) => [`${e.metadata.namespace}/${e.metadata.name}`, e]));
  const out: ServiceEntry[] = [];
  for (const svc of services) {
    if (svc.spec.type === 'ExternalName') continue;
    const ep = epByKey.get(`${svc.metadata.namespace}/${svc.metadata.name}`);
    for (const sp of svc.spec.ports ?? []) {
      const entry: ServiceEntry = {
        namespace: svc.metadata.namespace ?? 'default',
        name: svc.metadata.name ?? '',
        portName: sp.name ?? '',
        protocol: sp.protocol ?? 'TCP',
        port: sp.port,
        sessionAffinity: svc.spec.sessionAffinity ?? 'None',
        affinityTimeoutSeconds: svc.spec.sessionAffinityConfig?.clientIP?.timeoutSeconds ?? 10800,
        endpoints: [],
      };
      if (svc.spec.clusterIP && svc.spec.clusterIP !== 'None') entry.clusterIP = svc.spec.clusterIP;
      if (sp.nodePort) entry.nodePort = sp.nodePort;
      for (const subset of ep?.subsets ?? []) {
        const port = subset.ports?.find((p) => (p.name ?? '') === (sp.name ?? '')) ?? subset.ports?.[0];
        if (!port) continue;
        const add = (ready: boolean) => (a: { ip: string; nodeName?: string }) => {
          const node = a.nodeName ?? '';
          const address = nodeAddress.get(node);
          if (!address) return;
          entry.endpoints.push({
            ip: a.ip,
            port: port.port,
            nodeName: node,
            nodeAddress: address,
            ready: ready && (nodeReady.get(node) ?? false),
          });
        };
        subset.addresses?.forEach(add(true));
        subset.notReadyAddresses?.forEach(add(false));
      }
      out.push(entry);
    }
  }
  return { version, services: out };
}

/**
 * The Docker-links-style variables the kubelet gives every container for each Service of its
 * namespace that has a cluster IP (`enableServiceLinks`, the default): `WEB_SERVICE_HOST`,
 * `WEB_SERVICE_PORT`, `WEB_SERVICE_PORT_HTTP`, `WEB_PORT`, `WEB_PORT_80_TCP`, `…_PROTO`, `…_PORT`,
 * `…_ADDR`. Only Services that exist when the container is created are included, as in Kubernetes.
 */
export function serviceEnvironment(table: ServiceTable | undefined, namespace: string): Record<string, string> {
  const env: Record<string, string> = {};
  const byService = new Map<string, ServiceEntry[]>();
  for (const entry of table?.services ?? []) {
    if (entry.namespace !== namespace || !entry.clusterIP) continue;
    const list = byService.get(entry.name) ?? [];
    list.push(entry);
    byService.set(entry.name, list);
  }
  for (const [name, ports] of [...byService].sort(([a], [b]) => (a < b ? -1 : 1))) {
    const prefix = name.toUpperCase().replace(/-/g, '_');
    const first = ports[0];
    env[`${prefix}_SERVICE_HOST`] = first.clusterIP as string;
    env[`${prefix}_SERVICE_PORT`] = String(first.port);
    env[`${prefix}_PORT`] = `${first.protocol.toLowerCase()}://${first.clusterIP}:${first.port}`;
    for (const p of ports) {
      if (p.portName) env[`${prefix}_SERVICE_PORT_${p.portName.toUpperCase().replace(/-/g, '_')}`] = String(p.port);
      const key = `${prefix}_PORT_${p.port}_${p.protocol}`;
      env[key] = `${p.protocol.toLowerCase()}://${p.clusterIP}:${p.port}`;
      env[`${key}_PROTO`] = p.protocol.toLowerCase();
      env[`${key}_PORT`] = String(p.port);
      env[`${key}_ADDR`] = p.clusterIP as string;
    }
  }
  return env;
}
