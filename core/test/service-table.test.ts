import { describe, expect, it } from 'vitest';
import { buildServiceTable, serviceEnvironment } from '../src/service-table.js';
import type { Endpoints, Node, Service } from '../src/types.js';

const node = (name: string, ip: string, ready: boolean): Node => ({
  apiVersion: 'v1',
  kind: 'Node',
  metadata: { name },
  spec: {},
  status: {
    addresses: [{ type: 'InternalIP', address: ip }],
    conditions: [{ type: 'Ready', status: ready ? 'True' : 'Unknown' }],
  },
});

describe('buildServiceTable', () => {
  const service: Service = {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: 'web', namespace: 'default' },
    spec: {
      type: 'NodePort',
      clusterIP: '10.43.0.10',
      selector: { app: 'web' },
      ports: [{ name: 'http', port: 80, targetPort: 8080, nodePort: 30080, protocol: 'TCP' }],
      sessionAffinity: 'ClientIP',
    },
  };
  const endpoints: Endpoints = {
    apiVersion: 'v1',
    kind: 'Endpoints',
    metadata: { name: 'web', namespace: 'default' },
    subsets: [
      {
        addresses: [
          { ip: '10.88.0.2', nodeName: 'a' },
          { ip: '10.88.0.3', nodeName: 'b' },
        ],
        notReadyAddresses: [{ ip: '10.88.0.4', nodeName: 'a' }],
        ports: [{ name: 'http', port: 8080, protocol: 'TCP' }],
      },
    ],
  };

  it('lists every endpoint with its node address; unreachable nodes and not-ready pods are out of rotation', () => {
    const table = buildServiceTable(
      [service],
      [endpoints],
      [node('a', '127.0.0.2', true), node('b', '127.0.0.3', false)],
      '42',
    );
    expect(table).toEqual({
      version: '42',
      services: [
        {
          namespace: 'default',
          name: 'web',
          portName: 'http',
          protocol: 'TCP',
          port: 80,
          clusterIP: '10.43.0.10',
          nodePort: 30080,
          sessionAffinity: 'ClientIP',
          affinityTimeoutSeconds: 10800,
          endpoints: [
            { ip: '10.88.0.2', port: 8080, nodeName: 'a', nodeAddress: '127.0.0.2', ready: true },
            { ip: '10.88.0.3', port: 8080, nodeName: 'b', nodeAddress: '127.0.0.3', ready: false },
            { ip: '10.88.0.4', port: 8080, nodeName: 'a', nodeAddress: '127.0.0.2', ready: false },
          ],
        },
      ],
    });
  });

  it('gives a headless service no cluster address', () => {
    const headless: Service = {
      ...service,
      spec: { ...service.spec, type: 'ClusterIP', clusterIP: 'None', ports: [{ port: 80 }] },
    };
    const [entry] = buildServiceTable([headless], [], [], '1').services;
    expect(entry.clusterIP).toBeUndefined();
    expect(entry.nodePort).toBeUndefined();
  });
});

describe('serviceEnvironment', () => {
  it('gives the kubelet variables for services with a cluster IP in the namespace', () => {
    const table = {
      version: '1',
      services: [
        {
          namespace: 'default',
          name: 'my-web',
          portName: 'http',
          protocol: 'TCP' as const,
          port: 80,
          clusterIP: '10.43.0.10',
          sessionAffinity: 'None' as const,
          affinityTimeoutSeconds: 10800,
          endpoints: [],
        },
        {
          namespace: 'default',
          name: 'db',
          portName: '',
          protocol: 'TCP' as const,
          port: 5432,
          sessionAffinity: 'None' as const,
          affinityTimeoutSeconds: 10800,
          endpoints: [],
        },
        {
          namespace: 'other',
          name: 'x',
          portName: '',
          protocol: 'TCP' as const,
          port: 1,
          clusterIP: '10.43.0.11',
          sessionAffinity: 'None' as const,
          affinityTimeoutSeconds: 10800,
          endpoints: [],
        },
      ],
    };
    expect(serviceEnvironment(table, 'default')).toEqual({
      MY_WEB_SERVICE_HOST: '10.43.0.10',
      MY_WEB_SERVICE_PORT: '80',
      MY_WEB_SERVICE_PORT_HTTP: '80',
      MY_WEB_PORT: 'tcp://10.43.0.10:80',
      MY_WEB_PORT_80_TCP: 'tcp://10.43.0.10:80',
      MY_WEB_PORT_80_TCP_PROTO: 'tcp',
      MY_WEB_PORT_80_TCP_PORT: '80',
      MY_WEB_PORT_80_TCP_ADDR: '10.43.0.10',
    });
    expect(serviceEnvironment(undefined, 'default')).toEqual({});
  });
});
