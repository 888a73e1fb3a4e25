import { describe, expect, it } from 'vitest';
import { applyDefaults, defaultPullPolicy } from '../src/defaults.js';
import type { Deployment, KubeObject, Namespace, Node, Pod, ReplicaSet, Service } from '../src/types.js';

describe('imagePullPolicy default (§4)', () => {
  it.each([
    ['nginx', 'Always'],
    ['nginx:latest', 'Always'],
    ['localhost:5000/nginx', 'Always'],
    ['localhost:5000/nginx:latest', 'Always'],
    ['nginx:1.27', 'IfNotPresent'],
    ['localhost/edge-test/busybox:1', 'IfNotPresent'],
    ['nginx@sha256:abcdef', 'IfNotPresent'],
    ['localhost:5000/nginx@sha256:abcdef', 'IfNotPresent'],
  ])('%s → %s', (image, policy) => {
    expect(defaultPullPolicy(image)).toBe(policy);
  });
});

describe('Pod defaults', () => {
  const pod = (): Pod => ({
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'p', namespace: 'default' },
    spec: {
      initContainers: [{ name: 'init', image: 'busybox', resources: { limits: { cpu: '0.5' } } }],
      containers: [
        {
          name: 'app',
          image: 'nginx:1.27',
          ports: [{ containerPort: 80 }],
          resources: { limits: { cpu: '1', memory: '1024Mi' }, requests: { cpu: '0.1m' } },
          livenessProbe: { httpGet: { port: 80 } },
          readinessProbe: { exec: { command: ['true'] }, periodSeconds: 5 },
        },
      ],
    },
  });

  it('fills spec, container, port, probe and resource defaults like Kubernetes', () => {
    const p = applyDefaults(pod());
    expect(p.spec).toMatchObject({
      restartPolicy: 'Always',
      terminationGracePeriodSeconds: 30,
      dnsPolicy: 'ClusterFirst',
      schedulerName: 'default-scheduler',
      enableServiceLinks: true,
    });
    const app = p.spec.containers[0];
    expect(app).toMatchObject({
      imagePullPolicy: 'IfNotPresent',
      terminationMessagePath: '/dev/termination-log',
      terminationMessagePolicy: 'File',
      ports: [{ containerPort: 80, protocol: 'TCP' }],
    });
    expect(app.livenessProbe).toEqual({
      httpGet: { port: 80, path: '/', scheme: 'HTTP' },
      timeoutSeconds: 1,
      periodSeconds: 10,
      successThreshold: 1,
      failureThreshold: 3,
    });
    expect(app.readinessProbe?.periodSeconds).toBe(5);
    expect(app.resources).toEqual({ limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '1m', memory: '1Gi' } });
    expect(p.spec.initContainers?.[0]).toMatchObject({
      imagePullPolicy: 'Always',
      resources: { limits: { cpu: '500m' }, requests: { cpu: '500m' } },
    });
  });

  it('adds the not-ready/unreachable NoExecute tolerations (300 s) once', () => {
    const p = applyDefaults(applyDefaults(pod()));
    expect(p.spec.tolerations).toEqual([
      { key: 'node.kubernetes.io/not-ready', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
      { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 },
    ]);
  });

  it('keeps explicit values and is idempotent', () => {
    const p = pod();
    p.spec.restartPolicy = 'Never';
    p.spec.containers[0].imagePullPolicy = 'Never';
    const once = structuredClone(applyDefaults(p));
    expect(once.spec.restartPolicy).toBe('Never');
    expect(once.spec.containers[0].imagePullPolicy).toBe('Never');
    expect(applyDefaults(structuredClone(once))).toEqual(once);
  });

  it('leaves bad quantities for validation', () => {
    const p = pod();
    p.spec.containers[0].resources = { limits: { cpu: 'lots' } };
    expect(applyDefaults(p).spec.containers[0].resources?.limits?.cpu).toBe('lots');
  });
});

describe('other kinds', () => {
  it('Service: ClusterIP, sessionAffinity None, protocol TCP, targetPort = port', () => {
    const svc = applyDefaults<Service>({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's', namespace: 'default' },
      spec: { ports: [{ port: 80 }, { port: 53, protocol: 'UDP', targetPort: 'dns' }] },
    });
    expect(svc.spec).toMatchObject({
      type: 'ClusterIP',
      sessionAffinity: 'None',
      ports: [
        { port: 80, protocol: 'TCP', targetPort: 80 },
        { port: 53, protocol: 'UDP', targetPort: 'dns' },
      ],
    });
    const affinity = applyDefaults<Service>({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 's' },
      spec: { type: 'NodePort', sessionAffinity: 'ClientIP', ports: [{ port: 80 }] },
    });
    expect(affinity.spec.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
    expect(affinity.spec.externalTrafficPolicy).toBe('Cluster');
  });

  it('Namespace: metadata.name label and phase Active', () => {
    const ns = applyDefaults<Namespace>({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'team-a' } });
    expect(ns.metadata.labels).toEqual({ 'kubernetes.io/metadata.name': 'team-a' });
    expect(ns.status?.phase).toBe('Active');
  });

  it('Deployment: replicas 1, RollingUpdate 25%/25%, history 10, deadline 600, template defaults without requests', () => {
    const d = applyDefaults<Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: { containers: [{ name: 'app', image: 'nginx', resources: { limits: { cpu: '1' } } }] },
        },
      },
    });
    expect(d.spec).toMatchObject({
      replicas: 1,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxUnavailable: '25%', maxSurge: '25%' } },
      revisionHistoryLimit: 10,
      progressDeadlineSeconds: 600,
    });
    expect(d.spec.template.spec).toMatchObject({ restartPolicy: 'Always', terminationGracePeriodSeconds: 30 });
    expect(d.spec.template.spec.containers[0].imagePullPolicy).toBe('Always');
    expect(d.spec.template.spec.containers[0].resources).toEqual({ limits: { cpu: '1' } });
    expect(d.spec.template.spec.tolerations).toBeUndefined();
  });

  it('Deployment with Recreate gets no rollingUpdate', () => {
    const d = applyDefaults<Deployment>({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: { strategy: { type: 'Recreate' }, selector: {}, template: { spec: { containers: [] } } },
    });
    expect(d.spec.strategy).toEqual({ type: 'Recreate' });
  });

  it('ReplicaSet: replicas 1', () => {
    const rs = applyDefaults<ReplicaSet>({
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'rs' },
      spec: { selector: {}, template: { spec: { containers: [] } } },
    });
    expect(rs.spec.replicas).toBe(1);
  });

  it('Node: allocatable defaults to capacity, quantities canonical', () => {
    const n = applyDefaults<Node>({
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n' },
      spec: {},
      status: { capacity: { cpu: '4', memory: '4096Mi', pods: '110' } },
    });
    expect(n.status?.allocatable).toEqual({ cpu: '4', memory: '4Gi', pods: '110' });
  });

  it('unknown kinds and garbage are left alone', () => {
    const o = { apiVersion: 'x/v1', kind: 'Widget', metadata: {}, spec: { a: 1 } } as KubeObject;
    expect(applyDefaults(structuredClone(o))).toEqual(o);
    expect(() => applyDefaults({ apiVersion: 'v1', kind: 'Pod', metadata: {}, spec: 'x' } as KubeObject)).not.toThrow();
  });
});
