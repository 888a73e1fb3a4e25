import type { Container, ContainerStatus, Pod } from '@peapod/core';
import { describe, expect, it } from 'vitest';
import { BackOff, CRASH_LOOP_BACKOFF, goDuration } from '../src/pods/backoff.js';
import { buildContainerConfig, hostPortMappings } from '../src/pods/container-spec.js';
import { ContainerConfigError, expandVariables, resolveEnv } from '../src/pods/env.js';
import { defaultPullPolicy, imageAction } from '../src/pods/image-policy.js';
import { terminationReason } from '../src/pods/oom.js';
import { initialProbeResult, ProbeResultTracker } from '../src/pods/probe-results.js';
import { podConditions, podPhase, withTransitionTimes } from '../src/pods/status.js';
import { LABELS } from '../src/runtime/driver.js';

describe('crash back-off schedule (k8s-semantics §5)', () => {
  it('produces the kubelet sequence 0, 10, 20, 40, 80, 160, 300, 300 s', () => {
    let now = 1_000_000;
    const b = new BackOff(CRASH_LOOP_BACKOFF, () => now);
    const waits: number[] = [];
    for (let crash = 0; crash < 8; crash++) {
      const finishedAt = now; // the container dies immediately after each start
      const wait = b.isInBackOffSince('c', finishedAt) ? b.remainingMs('c', finishedAt) : 0;
      if (wait === 0) b.next('c', finishedAt);
      else {
        now += wait; // the worker's timer fires, the check passes, the container restarts
        expect(b.isInBackOffSince('c', finishedAt)).toBe(false);
        b.next('c', finishedAt);
      }
      waits.push(wait / 1000);
    }
    expect(waits).toEqual([0, 10, 20, 40, 80, 160, 300, 300]);
  });

  it('resets after running longer than 2 × cap (10 minutes)', () => {
    let now = 0;
    const b = new BackOff(CRASH_LOOP_BACKOFF, () => now);
    b.next('c', 0);
    b.next('c', 1000);
    expect(b.get('c')).toBe(20_000);
    now = 1000 + 601_000;
    expect(b.isInBackOffSince('c', now)).toBe(false);
    b.next('c', now);
    expect(b.get('c')).toBe(10_000);
  });

  it('formats durations like Go', () => {
    expect([10_000, 80_000, 300_000, 500, 1500, 3_600_000].map(goDuration)).toEqual([
      '10s',
      '1m20s',
      '5m0s',
      '500ms',
      '1.5s',
      '1h0m0s',
    ]);
  });
});

describe('probe result accounting (k8s-semantics §6.2)', () => {
  it('commits a failure only after failureThreshold consecutive failures', () => {
    const t = new ProbeResultTracker({ successThreshold: 1, failureThreshold: 3 }, initialProbeResult('liveness'));
    expect(t.result).toBe('success');
    expect(t.record('failure')).toBe(false);
    expect(t.record('failure')).toBe(false);
    expect(t.record('success')).toBe(false);
    expect(t.record('failure')).toBe(false);
    expect(t.record('failure')).toBe(false);
    expect(t.record('failure')).toBe(true);
    expect(t.result).toBe('failure');
  });

  it('readiness starts as failure and needs successThreshold successes', () => {
    const t = new ProbeResultTracker({ successThreshold: 2, failureThreshold: 1 }, initialProbeResult('readiness'));
    expect(t.result).toBe('failure');
    expect(t.record('success')).toBe(false);
    expect(t.record('success')).toBe(true);
    expect(t.result).toBe('success');
    expect(t.record('unknown')).toBe(false);
    expect(t.record('failure')).toBe(true);
    expect(t.result).toBe('failure');
  });

  it('startup starts unknown', () => {
    expect(initialProbeResult('startup')).toBe('unknown');
  });
});

describe('OOM classification (podman-notes §4.3)', () => {
  it('treats 137 under a memory limit not caused by the agent as OOMKilled', () => {
    expect(terminationReason({ exitCode: 137, memoryLimitBytes: 16 << 20, killedByAgent: false })).toBe('OOMKilled');
    expect(terminationReason({ exitCode: 137, memoryLimitBytes: 16 << 20, killedByAgent: true })).toBe('Error');
    expect(terminationReason({ exitCode: 137, killedByAgent: false })).toBe('Error');
    expect(terminationReason({ exitCode: 1, killedByAgent: false, oomKilledByRuntime: true })).toBe('OOMKilled');
    expect(terminationReason({ exitCode: 0, memoryLimitBytes: 1, killedByAgent: false })).toBe('Completed');
    expect(terminationReason({ exitCode: 3, memoryLimitBytes: 1, killedByAgent: false })).toBe('Error');
  });
});

const basePod = (containers: Container[], extra: Partial<Pod['spec']> = {}): Pod => ({
  apiVersion: 'v1',
  kind: 'Pod',
  metadata: { name: 'web', namespace: 'prod', uid: 'uid-1', labels: { app: 'web', tier: 'front' } },
  spec: { containers, nodeName: 'edge-1', serviceAccountName: 'default', ...extra },
});

describe('env resolution', () => {
  const container: Container = {
    name: 'app',
    image: 'img:1',
    resources: { limits: { cpu: '250m', memory: '64Mi' } },
    env: [
      { name: 'A', value: 'x' },
      { name: 'B', value: '$(A)-$(MISSING)-$$(A)' },
      { name: 'POD', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
      { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'UID', valueFrom: { fieldRef: { fieldPath: 'metadata.uid' } } },
      { name: 'TIER', valueFrom: { fieldRef: { fieldPath: "metadata.labels['tier']" } } },
      { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
      { name: 'SA', valueFrom: { fieldRef: { fieldPath: 'spec.serviceAccountName' } } },
      { name: 'IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
      { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
      { name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } },
      { name: 'CPU_M', valueFrom: { resourceFieldRef: { resource: 'limits.cpu', divisor: '1m' } } },
      { name: 'MEM_MI', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
    ],
  };
  const ctx = {
    pod: basePod([container]),
    podIP: '10.88.0.5',
    hostIP: '192.168.1.2',
    nodeAllocatable: { cpuMilli: 4000, memoryBytes: 8 << 30 },
  };

  it('resolves literals, expansion, fieldRef and resourceFieldRef', () => {
    expect(resolveEnv(container, ctx)).toEqual({
      A: 'x',
      B: 'x-$(MISSING)-$(A)',
      POD: 'web',
      NS: 'prod',
      UID: 'uid-1',
      TIER: 'front',
      NODE: 'edge-1',
      SA: 'default',
      IP: '10.88.0.5',
      HOST: '192.168.1.2',
      CPU: '1',
      CPU_M: '250',
      MEM_MI: '64',
    });
  });

  it('falls back to node allocatable for unset limits', () => {
    const c: Container = {
      name: 'b',
      image: 'i',
      env: [{ name: 'CPU', valueFrom: { resourceFieldRef: { resource: 'limits.cpu' } } }],
    };
    expect(resolveEnv(c, ctx)).toEqual({ CPU: '4' });
  });

  it('rejects unsupported field paths as a config error', () => {
    const c: Container = {
      name: 'b',
      image: 'i',
      env: [{ name: 'X', valueFrom: { fieldRef: { fieldPath: 'spec.nope' } } }],
    };
    expect(() => resolveEnv(c, ctx)).toThrow(ContainerConfigError);
  });

  it('adds service env unless enableServiceLinks is false; the container env wins', () => {
    const c: Container = {
      name: 'b',
      image: 'i',
      env: [
        { name: 'WEB_SERVICE_PORT', value: '1' },
        { name: 'U', value: '$(WEB_SERVICE_HOST)' },
      ],
    };
    const serviceEnv = { WEB_SERVICE_HOST: '10.0.0.7', WEB_SERVICE_PORT: '80' };
    expect(resolveEnv(c, { ...ctx, serviceEnv })).toEqual({
      WEB_SERVICE_HOST: '10.0.0.7',
      WEB_SERVICE_PORT: '1',
      U: '10.0.0.7',
    });
    const noLinks = { ...ctx.pod, spec: { ...ctx.pod.spec, enableServiceLinks: false } };
    expect(resolveEnv(c, { ...ctx, pod: noLinks, serviceEnv })).toEqual({
      WEB_SERVICE_PORT: '1',
      U: '$(WEB_SERVICE_HOST)',
    });
  });

  it('expands variables like Kubernetes', () => {
    expect(expandVariables('$(A)$(B) $$ $( $(A', { A: '1', B: '2' })).toBe('12 $ $( $(A');
  });
});

describe('container config', () => {
  it('labels, limits, mounts, expanded args and host ports', () => {
    const pod = basePod(
      [
        {
          name: 'app',
          image: 'img:1',
          args: ['--name=$(N)'],
          env: [{ name: 'N', value: 'n1' }],
          ports: [{ name: 'http', containerPort: 8080, hostPort: 28080 }, { containerPort: 9090 }],
          resources: { limits: { memory: '16Mi', cpu: '500m' }, requests: { cpu: '100m' } },
          volumeMounts: [{ name: 'scratch', mountPath: '/data' }],
        },
      ],
      { volumes: [{ name: 'scratch', emptyDir: {} }] },
    );
    const cfg = buildContainerConfig({
      pod,
      container: pod.spec.containers[0],
      kind: 'app',
      attempt: 2,
      sandboxId: 'sb',
      nodeName: 'edge-1',
      dataDir: '/var/lib/peapod',
      env: { pod, nodeAllocatable: { cpuMilli: 1000, memoryBytes: 1 } },
      stopTimeoutSeconds: 30,
    });
    expect(cfg.args).toEqual(['--name=n1']);
    expect(cfg.memoryLimitBytes).toBe(16 * 1024 * 1024);
    expect(cfg.cpuLimitMilli).toBe(500);
    expect(cfg.cpuRequestMilli).toBe(100);
    expect(cfg.mounts).toEqual([
      { hostPath: '/var/lib/peapod/pods/uid-1/volumes/scratch', containerPath: '/data', readOnly: undefined },
    ]);
    expect(cfg.labels[LABELS.attempt]).toBe('2');
    expect(cfg.labels[LABELS.podUid]).toBe('uid-1');
    expect(cfg.labels[LABELS.containerKind]).toBe('app');
    expect(cfg.labels[LABELS.specHash]).toMatch(/^[0-9a-f]{16}$/);
    expect(hostPortMappings(pod)).toEqual([
      { containerPort: 8080, hostPort: 28080, hostIP: undefined, protocol: 'tcp' },
    ]);
  });

  it('rejects a mount of an undeclared volume', () => {
    const pod = basePod([{ name: 'app', image: 'i', volumeMounts: [{ name: 'nope', mountPath: '/x' }] }]);
    expect(() =>
      buildContainerConfig({
        pod,
        container: pod.spec.containers[0],
        kind: 'app',
        attempt: 0,
        sandboxId: 's',
        nodeName: 'n',
        dataDir: '/d',
        env: { pod, nodeAllocatable: { cpuMilli: 1, memoryBytes: 1 } },
        stopTimeoutSeconds: 1,
      }),
    ).toThrow(ContainerConfigError);
  });
});

describe('imagePullPolicy (k8s-semantics §4)', () => {
  it('defaults by tag', () => {
    expect(defaultPullPolicy('nginx')).toBe('Always');
    expect(defaultPullPolicy('nginx:latest')).toBe('Always');
    expect(defaultPullPolicy('nginx:1.27')).toBe('IfNotPresent');
    expect(defaultPullPolicy('localhost:5000/app')).toBe('Always');
    expect(defaultPullPolicy('localhost:5000/app:2')).toBe('IfNotPresent');
    expect(defaultPullPolicy('nginx@sha256:abc')).toBe('IfNotPresent');
  });

  it('decides between use, pull and never', () => {
    expect(imageAction({ image: 'a:1', imagePullPolicy: 'IfNotPresent' }, true)).toBe('use');
    expect(imageAction({ image: 'a:1', imagePullPolicy: 'IfNotPresent' }, false)).toBe('pull');
    expect(imageAction({ image: 'a:1', imagePullPolicy: 'Always' }, true)).toBe('pull');
    expect(imageAction({ image: 'a:1', imagePullPolicy: 'Never' }, false)).toBe('never');
    expect(imageAction({ image: 'a:1', imagePullPolicy: 'Never' }, true)).toBe('use');
  });
});

const running = (name: string, ready = true): ContainerStatus => ({
  name,
  state: { running: { startedAt: 't' } },
  lastState: {},
  ready,
  restartCount: 0,
  image: 'i',
  imageID: '',
});
const terminated = (name: string, exitCode: number): ContainerStatus => ({
  ...running(name, false),
  state: { terminated: { exitCode } },
});
const waiting = (name: string, lastExit?: number): ContainerStatus => ({
  ...running(name, false),
  state: { waiting: { reason: 'CrashLoopBackOff' } },
  lastState: lastExit === undefined ? {} : { terminated: { exitCode: lastExit } },
});

describe('pod phase (kubelet getPhase, k8s-semantics §3.2)', () => {
  const spec = (policy: 'Always' | 'OnFailure' | 'Never', init = false) => ({
    containers: [
      { name: 'a', image: 'i' },
      { name: 'b', image: 'i' },
    ],
    initContainers: init ? [{ name: 'i1', image: 'i' }] : [],
    restartPolicy: policy,
  });

  it('Pending while a container waits without history or is unknown', () => {
    expect(podPhase(spec('Always'), [], [running('a'), waiting('b')], false)).toBe('Pending');
    expect(podPhase(spec('Always'), [], [running('a')], false)).toBe('Pending');
  });

  it('Running when something runs and nothing is unknown', () => {
    expect(podPhase(spec('Never'), [], [running('a'), terminated('b', 1)], false)).toBe('Running');
  });

  it('all stopped: depends on restartPolicy and exit codes', () => {
    const ok = [terminated('a', 0), terminated('b', 0)];
    const bad = [terminated('a', 0), terminated('b', 2)];
    expect(podPhase(spec('Always'), [], ok, false)).toBe('Running');
    expect(podPhase(spec('OnFailure'), [], ok, false)).toBe('Succeeded');
    expect(podPhase(spec('Never'), [], ok, false)).toBe('Succeeded');
    expect(podPhase(spec('Never'), [], bad, false)).toBe('Failed');
    expect(podPhase(spec('OnFailure'), [], bad, false)).toBe('Running');
    expect(podPhase(spec('Always'), [], bad, true)).toBe('Failed');
    expect(podPhase(spec('Always'), [], ok, true)).toBe('Succeeded');
    expect(podPhase(spec('Always'), [], [waiting('a', 1), waiting('b', 1)], false)).toBe('Running');
  });

  it('init containers: pending while running, failed under Never', () => {
    expect(podPhase(spec('Always', true), [running('i1')], [waiting('a'), waiting('b')], false)).toBe('Pending');
    expect(podPhase(spec('Never', true), [terminated('i1', 1)], [], false)).toBe('Failed');
    expect(podPhase(spec('OnFailure', true), [waiting('i1', 1)], [], false)).toBe('Pending');
  });
});

describe('pod conditions (k8s-semantics §3.4)', () => {
  const spec = {
    containers: [
      { name: 'a', image: 'i' },
      { name: 'b', image: 'i' },
    ],
    initContainers: [{ name: 'init-db', image: 'i' }],
  };

  it('reports incomplete init containers and unready containers with Kubernetes messages', () => {
    const conds = podConditions({
      spec,
      initStatuses: [running('init-db')],
      statuses: [waiting('a'), waiting('b')],
      phase: 'Pending',
      sandboxReady: true,
    });
    expect(conds.map((c) => c.type)).toEqual([
      'PodReadyToStartContainers',
      'Initialized',
      'Ready',
      'ContainersReady',
      'PodScheduled',
    ]);
    expect(conds[1]).toEqual({
      type: 'Initialized',
      status: 'False',
      reason: 'ContainersNotInitialized',
      message: 'containers with incomplete status: [init-db]',
    });
    expect(conds[2]).toEqual({
      type: 'Ready',
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [a b]',
    });
  });

  it('is ready when all containers are ready; PodCompleted when succeeded', () => {
    const ready = podConditions({
      spec,
      initStatuses: [terminated('init-db', 0)],
      statuses: [running('a'), running('b')],
      phase: 'Running',
      sandboxReady: true,
    });
    expect(ready.every((c) => c.status === 'True')).toBe(true);
    const done = podConditions({
      spec,
      initStatuses: [terminated('init-db', 0)],
      statuses: [terminated('a', 0), terminated('b', 0)],
      phase: 'Succeeded',
      sandboxReady: true,
    });
    expect(done.find((c) => c.type === 'Ready')).toEqual({ type: 'Ready', status: 'False', reason: 'PodCompleted' });
    expect(done.find((c) => c.type === 'Initialized')).toEqual({
      type: 'Initialized',
      status: 'True',
      reason: 'PodCompleted',
    });
  });

  it('keeps lastTransitionTime unless the status flips', () => {
    const first = withTransitionTimes([{ type: 'Ready', status: 'False' }], undefined, 'T1');
    const same = withTransitionTimes([{ type: 'Ready', status: 'False', reason: 'x' }], first, 'T2');
    const flipped = withTransitionTimes([{ type: 'Ready', status: 'True' }], same, 'T3');
    expect([first[0].lastTransitionTime, same[0].lastTransitionTime, flipped[0].lastTransitionTime]).toEqual([
      'T1',
      'T1',
      'T3',
    ]);
  });
});
