import type { Pod, PodPhase, Service } from '@peapod/core';
import { describe, expect, it } from 'vitest';
import { allocateServiceAddresses } from '../src/services/allocator.js';
import { computeEndpoints } from '../src/services/endpoints.js';

function svc(name: string, spec: Partial<Service['spec']> = {}): Service {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { selector: { app: 'web' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }], ...spec },
  };
}

function pod(
  name: string,
  opts: {
    ip?: string;
    ready?: boolean;
    labels?: Record<string, string>;
    phase?: string;
    port?: { name: string; containerPort: number };
  } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, labels: opts.labels ?? { app: 'web' } },
    spec: {
      nodeName: 'n1',
      containers: [{ name: 'c', image: 'x', ports: opts.port ? [{ ...opts.port, protocol: 'TCP' }] : [] }],
    },
    status: {
      phase: (opts.phase ?? 'Running') as PodPhase,
      podIP: opts.ip,
      conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }],
    },
  };
}

describe('computeEndpoints', () => {
  it('lists ready pods in addresses and the others in notReadyAddresses', () => {
    const subsets = computeEndpoints(svc('web'), [
      pod('a', { ip: '10.88.0.3' }),
      pod('b', { ip: '10.88.0.2', ready: false }),
      pod('c'), // no IP yet
      pod('d', { ip: '10.88.0.9', phase: 'Succeeded' }),
      pod('e', { ip: '10.88.0.7', labels: { app: 'other' } }),
    ]);
    expect(subsets).toEqual([
      {
        addresses: [
          {
            ip: '10.88.0.3',
            nodeName: 'n1',
            targetRef: { kind: 'Pod', namespace: 'default', name: 'a', uid: 'uid-a' },
          },
        ],
        notReadyAddresses: [
          {
            ip: '10.88.0.2',
            nodeName: 'n1',
            targetRef: { kind: 'Pod', namespace: 'default', name: 'b', uid: 'uid-b' },
          },
        ],
        ports: [{ port: 8080, protocol: 'TCP' }],
      },
    ]);
  });

  it('resolves named target ports per pod and leaves out pods without the name', () => {
    const s = svc('web', { ports: [{ name: 'http', port: 80, targetPort: 'web', protocol: 'TCP' }] });
    const subsets = computeEndpoints(s, [
      pod('a', { ip: '10.0.0.1', port: { name: 'web', containerPort: 8080 } }),
      pod('b', { ip: '10.0.0.2', port: { name: 'web', containerPort: 9090 } }),
      pod('c', { ip: '10.0.0.3' }),
    ]);
    expect(subsets.map((x) => [x.ports?.[0].port, x.addresses?.map((a) => a.ip)])).toEqual([
      [8080, ['10.0.0.1']],
      [9090, ['10.0.0.2']],
    ]);
  });

  it('has no endpoints for a selector-less service', () => {
    expect(computeEndpoints(svc('web', { selector: undefined }), [pod('a', { ip: '1.2.3.4' })])).toEqual([]);
  });
});

describe('allocateServiceAddresses', () => {
  it('assigns a cluster IP in range and node ports for NodePort services', () => {
    const s = svc('web', { type: 'NodePort' });
    expect(allocateServiceAddresses(s, [])).toEqual([]);
    expect(s.spec.clusterIP).toMatch(/^10\.43\.\d+\.\d+$/);
    expect(s.spec.clusterIPs).toEqual([s.spec.clusterIP]);
    const np = s.spec.ports?.[0].nodePort ?? 0;
    expect(np).toBeGreaterThanOrEqual(30000);
    expect(np).toBeLessThanOrEqual(32767);
  });

  it('never hands out a taken IP or port', () => {
    const existing: Service[] = [];
    for (let i = 0; i < 50; i++) {
      const s = svc(`s${i}`, { type: 'NodePort' });
      expect(allocateServiceAddresses(s, existing)).toEqual([]);
      existing.push(s);
    }
    expect(new Set(existing.map((s) => s.spec.clusterIP)).size).toBe(50);
    expect(new Set(existing.map((s) => s.spec.ports?.[0].nodePort)).size).toBe(50);
  });

  it('rejects a requested node port that is taken or out of range, like Kubernetes', () => {
    const a = svc('a', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
    expect(allocateServiceAddresses(a, [])).toEqual([]);
    const b = svc('b', { type: 'NodePort', ports: [{ port: 80, nodePort: 30080 }] });
    expect(allocateServiceAddresses(b, [a])).toEqual([
      {
        reason: 'FieldValueInvalid',
        field: 'spec.ports[0].nodePort',
        message: 'Invalid value: 30080: provided port is already allocated',
      },
    ]);
    const c = svc('c', { type: 'NodePort', ports: [{ port: 80, nodePort: 80 }] });
    expect(allocateServiceAddresses(c, [])[0].message).toBe(
      'Invalid value: 80: provided port is not in the valid range. The range of valid ports is 30000-32767',
    );
  });

  it('gives headless services no cluster IP and ClusterIP services no node ports', () => {
    const h = svc('h', { clusterIP: 'None' });
    expect(allocateServiceAddresses(h, [])).toEqual([]);
    expect(h.spec.clusterIP).toBe('None');
    const c = svc('c', { ports: [{ port: 80, nodePort: 30001 }] });
    expect(allocateServiceAddresses(c, [])).toEqual([]);
    expect(c.spec.ports?.[0].nodePort).toBeUndefined();
  });
});
