import { fnv32a, type Service, type StatusCause } from '@peapod/core';

/**
 * Assigns what the API server assigns on Service create (k8s-semantics §11, kubectl-wire §6 expose):
 * a stable virtual `clusterIP` (unless headless or ExternalName) and, for NodePort/LoadBalancer,
 * a `nodePort` per port from the node-port range. Pure: it sees the Services that exist already.
 */

export interface ServiceAllocatorOptions {
  /** Virtual service range; the first address (network + 1) is reserved, as Kubernetes does. */
  clusterCIDR: string;
  nodePortRange: readonly [number, number];
}

export const DEFAULT_SERVICE_ALLOCATOR_OPTIONS: ServiceAllocatorOptions = {
  clusterCIDR: '10.43.0.0/16',
  nodePortRange: [30000, 32767],
};

export function parseCIDR(cidr: string): { base: number; size: number } {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)\/(\d+)$/.exec(cidr);
  if (!m) throw new Error(`invalid CIDR ${cidr}`);
  const octets = m.slice(1, 5).map(Number);
  const bits = Number(m[5]);
  if (octets.some((o) => o > 255) || bits < 8 || bits > 30) throw new Error(`invalid CIDR ${cidr}`);
  const ip = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), size };
}

export function ipToString(ip: number): string {
  return [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.');
}

function ipToNumber(ip: string): number | undefined {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(ip);
  if (!m) return undefined;
  const o = m.slice(1, 5).map(Number);
  if (o.some((x) => x > 255)) return undefined;
  return ((o[0] << 24) | (o[1] << 16) | (o[2] << 8) | o[3]) >>> 0;
}

function usesNodePorts(svc: Service): boolean {
  return svc.spec.type === 'NodePort' || svc.spec.type === 'LoadBalancer';
}

export function isHeadless(svc: Service): boolean {
  return svc.spec.clusterIP === 'None';
}

/**
 * Fills `spec.clusterIP`/`clusterIPs` and node ports in `service` (mutated and returned). `existing`
 * are the other Services (the one being updated excluded). Returns the causes of an invalid request
 * (a requested port or IP already taken or out of range); nothing is assigned then.
 */
export function allocateServiceAddresses(
  service: Service,
  existing: readonly Service[],
  options: ServiceAllocatorOptions = DEFAULT_SERVICE_ALLOCATOR_OPTIONS,
): StatusCause[] {
  const causes: StatusCause[] = [];
  const spec = service.spec;
  const { base, size } = parseCIDR(options.clusterCIDR);
  const usedIPs = new Set<number>();
  const usedPorts = new Set<number>();
  for (const other of existing) {
    const ip = other.spec.clusterIP ? ipToNumber(other.spec.clusterIP) : undefined;
    if (ip !== undefined) usedIPs.add(ip);
    for (const p of other.spec.ports ?? []) if (p.nodePort) usedPorts.add(p.nodePort);
  }

  if (spec.type !== 'ExternalName' && !isHeadless(service)) {
    if (spec.clusterIP) {
      const ip = ipToNumber(spec.clusterIP);
      if (ip === undefined || ip <= base || ip >= base + size - 1) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'spec.clusterIPs[0]',
          message: `Invalid value: "${spec.clusterIP}": provided IP is not in the valid range. The range of valid IPs is ${options.clusterCIDR}`,
        });
      } else if (usedIPs.has(ip)) {
        causes.push({
          reason: 'FieldValueInvalid',
          field: 'spec.clusterIPs[0]',
          message: `Invalid value: "${spec.clusterIP}": failed to allocate IP ${spec.clusterIP}: provided IP is already allocated`,
        });
      }
    }
  }

  const [lo, hi] = options.nodePortRange;
  const requested = new Set<number>();
  (spec.ports ?? []).forEach((p, i) => {
    if (!p.nodePort) return;
    if (!usesNodePorts(service)) return;
    if (p.nodePort < lo || p.nodePort > hi) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `spec.ports[${i}].nodePort`,
        message: `Invalid value: ${p.nodePort}: provided port is not in the valid range. The range of valid ports is ${lo}-${hi}`,
      });
    } else if (usedPorts.has(p.nodePort) || requested.has(p.nodePort)) {
      causes.push({
        reason: 'FieldValueInvalid',
        field: `spec.ports[${i}].nodePort`,
        message: `Invalid value: ${p.nodePort}: provided port is already allocated`,
      });
    }
    requested.add(p.nodePort);
  });
  if (causes.length > 0) return causes;

  if (spec.type !== 'ExternalName' && !isHeadless(service) && !spec.clusterIP) {
    const ip = pickFree(base + 2, size - 3, usedIPs, service.metadata.uid ?? service.metadata.name ?? '');
    if (ip === undefined) {
      causes.push({ reason: 'FieldValueInvalid', field: 'spec.clusterIPs', message: 'range is full' });
      return causes;
    }
    spec.clusterIP = ipToString(ip);
  }
  if (spec.clusterIP) spec.clusterIPs = [spec.clusterIP];

  if (usesNodePorts(service)) {
    const taken = new Set([...usedPorts, ...requested]);
    for (const p of spec.ports ?? []) {
      if (p.nodePort) continue;
      const port = pickFree(lo, hi - lo + 1, taken, `${service.metadata.namespace}/${service.metadata.name}/${p.port}`);
      if (port === undefined) {
        causes.push({ reason: 'FieldValueInvalid', field: 'spec.ports', message: 'node port range is full' });
        return causes;
      }
      p.nodePort = port;
      taken.add(port);
    }
  } else {
    for (const p of spec.ports ?? []) delete p.nodePort;
  }
  return causes;
}

/** First free value at or after a seed-derived offset, wrapping once (spreads allocations, stays deterministic). */
function pickFree(start: number, count: number, used: Set<number>, seed: string): number | undefined {
  const offset = fnv32a(new TextEncoder().encode(seed)) % count;
  for (let i = 0; i < count; i++) {
    const v = start + ((offset + i) % count);
    if (!used.has(v)) return v;
  }
  return undefined;
}
