import { describe, expect, it } from 'vitest';
import { humanDuration, translateTimestampSince } from '../src/duration.js';
import { podStatusReason, podSummary } from '../src/pod-status.js';
import { resolveResourceType } from '../src/resources.js';
import { tableFor } from '../src/tables.js';
import type { ContainerStatus, KubeObject, Pod, PodPhase } from '../src/types.js';

const S = 1000;
const M = 60 * S;
const H = 60 * M;
const D = 24 * H;
const NOW = Date.parse('2026-11-27T12:00:00Z');
const ago = (ms: number) => new Date(NOW - ms).toISOString();

describe('humanDuration (§13.2)', () => {
  it.each([
    [-3 * S, '<invalid>'],
    [-2 * S, '<invalid>'],
    [-1.5 * S, '0s'],
    [-1 * S, '0s'],
    [0, '0s'],
    [5 * S, '5s'],
    [119 * S, '119s'],
    [120 * S, '2m'],
    [185 * S, '3m5s'],
    [9 * M + 59 * S, '9m59s'],
    [10 * M, '10m'],
    [45 * M, '45m'],
    [179 * M + 59 * S, '179m'],
    [3 * H, '3h'],
    [5 * H + 30 * M, '5h30m'],
    [7 * H + 59 * M, '7h59m'],
    [8 * H, '8h'],
    [23 * H, '23h'],
    [47 * H + 59 * M, '47h'],
    [2 * D, '2d'],
    [6 * D + 4 * H, '6d4h'],
    [8 * D, '8d'],
    [364 * D, '364d'],
    [729 * D, '729d'],
    [730 * D, '2y'],
    [3 * 365 * D + 10 * D, '3y10d'],
    [8 * 365 * D, '8y'],
    [20 * 365 * D + 100 * D, '20y'],
  ])('%d ms → %s', (ms, out) => {
    expect(humanDuration(ms)).toBe(out);
  });

  it('translateTimestampSince: missing → <unknown>', () => {
    expect(translateTimestampSince(undefined, NOW)).toBe('<unknown>');
    expect(translateTimestampSince('', NOW)).toBe('<unknown>');
    expect(translateTimestampSince(ago(65 * S), NOW)).toBe('65s');
  });
});

const running = (name: string, ready = true, restartCount = 0): ContainerStatus => ({
  name,
  ready,
  restartCount,
  image: 'x',
  imageID: '',
  state: { running: { startedAt: ago(H) } },
});
const waiting = (name: string, reason: string, restartCount = 0): ContainerStatus => ({
  name,
  ready: false,
  restartCount,
  image: 'x',
  imageID: '',
  state: { waiting: { reason } },
});
const terminated = (name: string, exitCode: number, reason?: string, signal?: number): ContainerStatus => ({
  name,
  ready: false,
  restartCount: 0,
  image: 'x',
  imageID: '',
  state: { terminated: { exitCode, reason, signal } },
});

function makePod(opts: {
  containers?: string[];
  init?: string[];
  phase?: PodPhase;
  statuses?: ContainerStatus[];
  initStatuses?: ContainerStatus[];
  reason?: string;
  deleting?: boolean;
  readyCondition?: boolean;
}): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name: 'web',
      namespace: 'default',
      creationTimestamp: ago(5 * M),
      ...(opts.deleting ? { deletionTimestamp: ago(0) } : {}),
    },
    spec: {
      containers: (opts.containers ?? ['app']).map((name) => ({ name, image: 'x' })),
      initContainers: opts.init?.map((name) => ({ name, image: 'x' })),
      nodeName: 'edge-1',
    },
    status: {
      phase: opts.phase ?? 'Running',
      reason: opts.reason,
      podIP: '10.42.0.7',
      containerStatuses: opts.statuses,
      initContainerStatuses: opts.initStatuses,
      conditions: opts.readyCondition ? [{ type: 'Ready', status: 'True' }] : [],
    },
  };
}

describe('podStatusReason (§3.5)', () => {
  it.each<[string, Parameters<typeof makePod>[0], string]>([
    ['pending without statuses', { phase: 'Pending' }, 'Pending'],
    ['running', { statuses: [running('app')] }, 'Running'],
    ['container creating', { phase: 'Pending', statuses: [waiting('app', 'ContainerCreating')] }, 'ContainerCreating'],
    ['crash loop', { statuses: [waiting('app', 'CrashLoopBackOff', 4)] }, 'CrashLoopBackOff'],
    ['image pull back-off', { phase: 'Pending', statuses: [waiting('app', 'ImagePullBackOff')] }, 'ImagePullBackOff'],
    ['completed', { phase: 'Succeeded', statuses: [terminated('app', 0, 'Completed')] }, 'Completed'],
    ['error', { phase: 'Failed', statuses: [terminated('app', 1, 'Error')] }, 'Error'],
    ['oom', { statuses: [terminated('app', 137, 'OOMKilled')] }, 'OOMKilled'],
    ['exit code without reason', { phase: 'Failed', statuses: [terminated('app', 3)] }, 'ExitCode:3'],
    ['signal without reason', { phase: 'Failed', statuses: [terminated('app', 137, undefined, 9)] }, 'Signal:9'],
    [
      'first container in spec order wins',
      { containers: ['a', 'b'], statuses: [waiting('a', 'ErrImagePull'), waiting('b', 'CrashLoopBackOff')] },
      'ErrImagePull',
    ],
    [
      'completed sidecar-ish container with another running and ready pod',
      { containers: ['a', 'b'], statuses: [terminated('a', 0, 'Completed'), running('b')], readyCondition: true },
      'Running',
    ],
    [
      'completed with a running container but pod not ready',
      { containers: ['a', 'b'], statuses: [terminated('a', 0, 'Completed'), running('b')] },
      'NotReady',
    ],
    [
      'init waiting',
      { phase: 'Pending', init: ['i1', 'i2'], initStatuses: [terminated('i1', 0), running('i2', false)] },
      'Init:1/2',
    ],
    [
      'init not started',
      { phase: 'Pending', init: ['i1'], initStatuses: [waiting('i1', 'PodInitializing')] },
      'Init:0/1',
    ],
    [
      'init crash loop',
      { phase: 'Pending', init: ['i1'], initStatuses: [waiting('i1', 'CrashLoopBackOff')] },
      'Init:CrashLoopBackOff',
    ],
    ['init error', { phase: 'Failed', init: ['i1'], initStatuses: [terminated('i1', 1, 'Error')] }, 'Init:Error'],
    ['init exit code', { phase: 'Pending', init: ['i1'], initStatuses: [terminated('i1', 2)] }, 'Init:ExitCode:2'],
    ['terminating', { statuses: [running('app')], deleting: true }, 'Terminating'],
    [
      'terminal pods being deleted keep their status',
      { phase: 'Succeeded', statuses: [terminated('app', 0, 'Completed')], deleting: true },
      'Completed',
    ],
    ['node lost and deleting', { reason: 'NodeLost', statuses: [running('app')], deleting: true }, 'Unknown'],
    ['evicted', { phase: 'Failed', reason: 'Evicted' }, 'Evicted'],
  ])('%s → %s', (_name, opts, status) => {
    expect(podStatusReason(makePod(opts), NOW)).toBe(status);
  });

  it('READY counts ready and running app containers', () => {
    const p = makePod({ containers: ['a', 'b'], statuses: [running('a'), running('b', false)] });
    expect(podSummary(p, NOW).ready).toBe('1/2');
  });

  it('RESTARTS sums restart counts and appends the age of the last termination', () => {
    const a = running('a', true, 2);
    a.lastState = { terminated: { exitCode: 1, finishedAt: ago(130 * S) } };
    const b = running('b', true, 1);
    b.lastState = { terminated: { exitCode: 1, finishedAt: ago(10 * M) } };
    const p = makePod({ containers: ['a', 'b'], statuses: [a, b] });
    expect(podSummary(p, NOW).restarts).toBe('3 (2m10s ago)');
    expect(podSummary(makePod({ statuses: [running('app', true, 0)] }), NOW).restarts).toBe('0');
  });
});

const type = (name: string) => resolveResourceType(name)!;

describe('tableFor (§13.1, kubectl-wire §3)', () => {
  it('pods: default and wide columns, priorities, cells and PartialObjectMetadata rows', () => {
    const pod = makePod({ statuses: [running('app')] });
    const t = tableFor(type('pods'), [pod], { now: NOW, resourceVersion: '42' });
    expect(t.kind).toBe('Table');
    expect(t.apiVersion).toBe('meta.k8s.io/v1');
    expect(t.metadata).toEqual({ resourceVersion: '42' });
    expect(t.columnDefinitions.map((c) => [c.name, c.priority])).toEqual([
      ['Name', 0],
      ['Ready', 0],
      ['Status', 0],
      ['Restarts', 0],
      ['Age', 0],
      ['IP', 1],
      ['Node', 1],
      ['Nominated Node', 1],
      ['Readiness Gates', 1],
    ]);
    expect(t.columnDefinitions[0]).toMatchObject({ type: 'string', format: 'name' });
    for (const c of t.columnDefinitions) expect(c.description.length).toBeGreaterThan(0);
    expect(t.rows[0].cells).toEqual(['web', '1/1', 'Running', '0', '5m', '10.42.0.7', 'edge-1', '<none>', '<none>']);
    expect(t.rows[0].object).toEqual({
      kind: 'PartialObjectMetadata',
      apiVersion: 'meta.k8s.io/v1',
      metadata: pod.metadata,
    });
  });

  it('wide: false drops priority-1 columns; includeObject Object/None', () => {
    const pod = makePod({ statuses: [running('app')] });
    const t = tableFor(type('po'), [pod], { now: NOW, wide: false, includeObject: 'Object' });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual(['Name', 'Ready', 'Status', 'Restarts', 'Age']);
    expect(t.rows[0].cells).toHaveLength(5);
    expect(t.rows[0].object).toBe(pod);
    expect(tableFor(type('po'), [pod], { includeObject: 'None' }).rows[0].object).toBeUndefined();
  });

  it('a malformed stored object gives <unknown> cells instead of failing the list', () => {
    const bad = { ...makePod({}), status: { containerStatuses: [null] } } as unknown as KubeObject;
    const t = tableFor(type('po'), [bad, makePod({ statuses: [running('app')] })], { now: NOW });
    expect(t.rows[0].cells.slice(0, 3)).toEqual(['web', '<unknown>', '<unknown>']);
    expect(t.rows[1].cells[2]).toBe('Running');
  });

  it('pods: completed rows carry the Completed condition', () => {
    const t = tableFor(type('po'), [makePod({ phase: 'Succeeded', statuses: [terminated('app', 0, 'Completed')] })], {
      now: NOW,
    });
    expect(t.rows[0].conditions).toEqual([
      { type: 'Completed', status: 'True', reason: 'Succeeded', message: 'The pod has completed successfully.' },
    ]);
  });

  const node = (ready: 'True' | 'False' | 'Unknown' | undefined, unschedulable = false): KubeObject => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: {
      name: 'edge-1',
      creationTimestamp: ago(3 * D),
      labels: { 'node-role.kubernetes.io/control-plane': '', 'node-role.kubernetes.io/edge': '' },
    },
    spec: { unschedulable },
    status: {
      conditions: ready ? [{ type: 'Ready', status: ready, lastHeartbeatTime: ago(42 * S) }] : [],
      addresses: [{ type: 'InternalIP', address: '192.168.1.20' }],
      nodeInfo: {
        kubeletVersion: 'v1.32.0-peapod',
        osImage: 'Debian GNU/Linux 12',
        kernelVersion: '6.1.0',
        containerRuntimeVersion: 'podman://4.3.1',
      },
    },
  });

  it('nodes: STATUS, ROLES, VERSION and wide columns with LAST-SEEN', () => {
    const t = tableFor(type('nodes'), [node('True')], { now: NOW });
    expect(t.columnDefinitions.map((c) => c.name)).toEqual([
      'Name',
      'Status',
      'Roles',
      'Age',
      'Version',
      'Internal-IP',
      'External-IP',
      'OS-Image',
      'Kernel-Version',
      'Container-Runtime',
      'Last-Seen',
    ]);
    expect(t.rows[0].cells).toEqual([
      'edge-1',
      'Ready',
      'control-plane,edge',
      '3d',
      'v1.32.0-peapod',
      '192.168.1.20',
      '<none>',
      'Debian GNU/Linux 12',
      '6.1.0',
      'podman://4.3.1',
      '42s',
    ]);
    const status = (n: KubeObject) => tableFor(type('no'), [n], { now: NOW }).rows[0].cells[1];
    expect(status(node('True', true))).toBe('Ready,SchedulingDisabled');
    expect(status(node('False'))).toBe('NotReady');
    expect(status(node('Unknown'))).toBe('NotReady');
    expect(status(node(undefined))).toBe('Unknown');
  });

  it('services: TYPE, CLUSTER-IP, EXTERNAL-IP, PORT(S), SELECTOR', () => {
    const svc = (spec: object): KubeObject => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(10 * S) },
      spec,
    });
    const cells = (spec: object) => tableFor(type('svc'), [svc(spec)], { now: NOW }).rows[0].cells;
    expect(
      cells({
        type: 'NodePort',
        clusterIP: '10.96.0.12',
        ports: [
          { port: 80, nodePort: 30080, protocol: 'TCP' },
          { port: 53, protocol: 'UDP' },
        ],
        selector: { app: 'web', tier: 'fe' },
      }),
    ).toEqual(['web', 'NodePort', '10.96.0.12', '<none>', '80:30080/TCP,53/UDP', '10s', 'app=web,tier=fe']);
    expect(cells({ type: 'ClusterIP', clusterIP: 'None', ports: [] }).slice(1, 5)).toEqual([
      'ClusterIP',
      'None',
      '<none>',
      '<none>',
    ]);
    expect(cells({ type: 'LoadBalancer', clusterIP: '10.96.0.1', ports: [{ port: 443, protocol: 'TCP' }] })[3]).toBe(
      '<pending>',
    );
    expect(cells({ type: 'ClusterIP', externalIPs: ['1.2.3.4'], ports: [{ port: 1, protocol: 'TCP' }] })[3]).toBe(
      '1.2.3.4',
    );
  });

  it('deployments and replica sets', () => {
    const d: KubeObject = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web', namespace: 'default', creationTimestamp: ago(2 * H) },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: {
          spec: {
            containers: [
              { name: 'app', image: 'nginx:1.27' },
              { name: 'log', image: 'busybox' },
            ],
          },
        },
      },
      status: { readyReplicas: 2, updatedReplicas: 3, availableReplicas: 2 },
    };
    const t = tableFor(type('deploy'), [d], { now: NOW });
    expect(t.columnDefinitions.map((c) => `${c.name}:${c.type}:${c.priority}`)).toEqual([
      'Name:string:0',
      'Ready:string:0',
      'Up-to-date:integer:0',
      'Available:integer:0',
      'Age:string:0',
      'Containers:string:1',
      'Images:string:1',
      'Selector:string:1',
    ]);
    expect(t.rows[0].cells).toEqual(['web', '2/3', 3, 2, '120m', 'app,log', 'nginx:1.27,busybox', 'app=web']);
    const rs = { ...d, kind: 'ReplicaSet', status: { replicas: 3, readyReplicas: 1 } };
    expect(tableFor(type('rs'), [rs], { now: NOW }).rows[0].cells.slice(0, 5)).toEqual(['web', 3, 3, 1, '120m']);
  });

  it('namespaces, endpoints and events', () => {
    const ns = {
      apiVersion: 'v1',
      kind: 'Namespace',
      metadata: { name: 'default', creationTimestamp: ago(D) },
      status: { phase: 'Active' },
    };
    expect(tableFor(type('ns'), [ns], { now: NOW }).rows[0].cells).toEqual(['default', 'Active', '24h']);
    const ep = {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'web', creationTimestamp: ago(S) },
      subsets: [
        { addresses: ['10.0.0.1', '10.0.0.2', '10.0.0.3', '10.0.0.4'].map((ip) => ({ ip })), ports: [{ port: 80 }] },
      ],
    } as KubeObject;
    expect(tableFor(type('ep'), [ep], { now: NOW }).rows[0].cells[1]).toBe(
      '10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 1 more...',
    );
    expect(tableFor(type('ep'), [{ ...ep, subsets: [] } as KubeObject], { now: NOW }).rows[0].cells[1]).toBe('<none>');
    const ev = {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', fieldPath: 'spec.containers{app}' },
      reason: 'BackOff',
      message: 'Back-off restarting failed container ',
      type: 'Warning',
      count: 4,
      firstTimestamp: ago(65 * S),
      lastTimestamp: ago(12 * S),
      source: { component: 'kubelet', host: 'edge-1' },
    } as KubeObject;
    const t = tableFor(type('ev'), [ev], { now: NOW });
    expect(t.columnDefinitions.filter((c) => c.priority === 0).map((c) => c.name)).toEqual([
      'Last Seen',
      'Type',
      'Reason',
      'Object',
      'Message',
    ]);
    expect(t.rows[0].cells).toEqual([
      '12s',
      'Warning',
      'BackOff',
      'pod/web',
      'spec.containers{app}',
      'kubelet, edge-1',
      'Back-off restarting failed container',
      '65s',
      4,
      'web.1',
    ]);
  });
});
