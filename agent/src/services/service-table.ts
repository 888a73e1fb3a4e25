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
