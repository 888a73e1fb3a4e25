import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Container, ContainerStatus, Pod, PodStatus } from '@peapod/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPodManager,
  LABELS,
  type PodEvent,
  type PodManager,
  PodmanDriver,
  type PodStatusUpdate,
} from '../src/index.js';
import {
  CONTAINERS_CONF,
  cleanupByLabel,
  freePort,
  podman,
  TEST_IMAGES,
  uniqueRunId,
  waitFor,
} from './helpers/podman.js';

/**
 * The pod engine against real podman: every restart policy, back-off as data, each probe type,
 * hooks, grace periods, init containers, OOM, adoption by a second manager, cleanup. Every object
 * carries this run's node label; afterAll removes whatever is left by that label.
 */
const node = uniqueRunId('pods');
const driver = new PodmanDriver({ containersConf: CONTAINERS_CONF });
/** Short back-off so the sequence is observable: 1 s doubling to 4 s. */
const crashBackOff = { initialMs: 1000, maxMs: 4000 };
let dataDir: string;
let hostDir: string;
let mgr: PodManager;
const updates: PodStatusUpdate[] = [];
const events: PodEvent[] = [];
const removed: string[] = [];
const desired = new Map<string, Pod>();
let counter = 0;

function newManager(): PodManager {
  return createPodManager({ driver, nodeName: node, hostIP: '127.0.0.1', dataDir, crashBackOff });
}

function watch(m: PodManager): void {
  m.onStatus((u) => updates.push(u));
  m.onRemoved((p) => removed.push(p.uid));
  m.onEvent?.((e) => events.push(e));
}

function makePod(containers: Container[], spec: Partial<Pod['spec']> = {}): Pod {
  const n = ++counter;
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: `p${n}`, namespace: 'default', uid: `${node}-uid-${n}`, labels: { app: `p${n}` } },
    spec: { nodeName: node, terminationGracePeriodSeconds: 1, ...spec, containers },
  };
}

function apply(pod: Pod): Pod {
  desired.set(pod.metadata.uid!, pod);
  mgr.sync([...desired.values()]);
  return pod;
}

function unapply(pod: Pod): void {
  desired.delete(pod.metadata.uid!);
  mgr.sync([...desired.values()]);
}

const statusOf = (pod: Pod): PodStatus | undefined =>
  [...updates].reverse().find((u) => u.uid === pod.metadata.uid)?.status;

const container = (pod: Pod, name: string, s = statusOf(pod)): ContainerStatus | undefined =>
  [...(s?.containerStatuses ?? []), ...(s?.initContainerStatuses ?? [])].find((c) => c.name === name);

function until<T>(what: string, check: () => T | undefined | false, timeoutMs = 90_000): Promise<T> {
  return waitFor(what, () => check() || undefined, timeoutMs) as Promise<T>;
}

const history = (pod: Pod) => updates.filter((u) => u.uid === pod.metadata.uid).map((u) => u.status);

async function logsOf(pod: Pod, name: string, previous = false, timestamps = false): Promise<string> {
  const chunks: Buffer[] = [];
  await mgr.logs({ namespace: 'default', name: pod.metadata.name! }, name, { previous, timestamps }, (c) =>
    chunks.push(c),
  );
  return Buffer.concat(chunks).toString();
}

const busybox = (name: string, script: string, extra: Partial<Container> = {}): Container => ({
  name,
  image: TEST_IMAGES.busybox,
  command: ['/bin/sh', '-c', script],
  ...extra,
});

const exitImage = (name: string, code: number): Container => ({
  name,
  image: TEST_IMAGES.exit,
  env: [{ name: 'EXIT_CODE', value: String(code) }],
});

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'peapod-pods-'));
  hostDir = await mkdtemp(join(tmpdir(), 'peapod-pods-host-'));
  mgr = newManager();
  watch(mgr);
  await mgr.start();
});

afterAll(async () => {
  await mgr?.stop();
  await cleanupByLabel(node, LABELS.node);
  await rm(dataDir, { recursive: true, force: true });
  await rm(hostDir, { recursive: true, force: true });
}, 120_000);

describe.concurrent('pod engine on podman', { timeout: 240_000 }, () => {
  it('restartPolicy Never: exit 0 → Succeeded; env from the downward API', async () => {
    const pod = apply(
      makePod(
        [
          busybox('main', 'echo "name=$POD_NAME ns=$NS ip=$POD_IP host=$HOST node=$NODE mem=$MEM cwd=$(pwd)"', {
            workingDir: '/tmp',
            env: [
              { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              { name: 'NS', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
              { name: 'POD_IP', valueFrom: { fieldRef: { fieldPath: 'status.podIP' } } },
              { name: 'HOST', valueFrom: { fieldRef: { fieldPath: 'status.hostIP' } } },
              { name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } },
              { name: 'MEM', valueFrom: { resourceFieldRef: { resource: 'limits.memory', divisor: '1Mi' } } },
            ],
            resources: { limits: { memory: '32Mi' } },
          }),
        ],
        { restartPolicy: 'Never' },
      ),
    );
    const s = await until('Succeeded', () => statusOf(pod)?.phase === 'Succeeded' && statusOf(pod));
    const c = container(pod, 'main', s)!;
    expect(c.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(c.containerID).toMatch(/^podman:\/\/[0-9a-f]{64}$/);
    expect(c.restartCount).toBe(0);
    expect(s.podIP).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    expect(s.hostIP).toBe('127.0.0.1');
    expect(s.qosClass).toBe('Burstable');
    expect(s.conditions?.find((x) => x.type === 'Ready')).toMatchObject({ status: 'False', reason: 'PodCompleted' });
    const log = await logsOf(pod, 'main');
    expect(log.trim()).toBe(
      `name=${pod.metadata.name} ns=default ip=${s.podIP} host=127.0.0.1 node=${node} mem=32 cwd=/tmp`,
    );
    expect(await logsOf(pod, 'main', false, true)).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+\S* name=/);
    await expect(logsOf(pod, 'main', true)).rejects.toMatchObject({
      status: { code: 400, message: `previous terminated container "main" in pod "${pod.metadata.name}" not found` },
    });
    // Phase went Pending → Succeeded and never back.
    const phases = history(pod).map((h) => h.phase);
    expect(phases[0]).toBe('Pending');
    expect(phases.slice(phases.indexOf('Succeeded'))).toEqual(
      phases.slice(phases.indexOf('Succeeded')).map(() => 'Succeeded'),
    );
  });

  it('restartPolicy Never: a non-zero exit → Failed with reason Error and the exit code', async () => {
    const pod = apply(makePod([exitImage('ok', 0), exitImage('bad', 3)], { restartPolicy: 'Never' }));
    const s = await until('Failed', () => statusOf(pod)?.phase === 'Failed' && statusOf(pod));
    expect(container(pod, 'bad', s)?.state?.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
    expect(container(pod, 'ok', s)?.state?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    expect(s.conditions?.find((x) => x.type === 'ContainersReady')).toMatchObject({ reason: 'PodFailed' });
  });

  it('restartPolicy OnFailure: restarts a failing container with a doubling back-off; logs --previous', async () => {
    // Its own manager (and node) with a 2 s → 8 s back-off: long enough that the waits are seen even
    // when the death reaches the worker late on a loaded machine.
    const crashNode = `${node}-crash`;
    const own = createPodManager({
      driver,
      nodeName: crashNode,
      hostIP: '127.0.0.1',
      dataDir,
      crashBackOff: { initialMs: 2000, maxMs: 8000 },
    });
    const seen: PodStatus[] = [];
    own.onStatus((u) => seen.push(u.status));
    try {
      await own.start();
      const pod = makePod([exitImage('crash', 7)], { restartPolicy: 'OnFailure', nodeName: crashNode });
      own.sync([pod]);
      const crash = () => seen.at(-1)?.containerStatuses?.[0];
      await until('restartCount 4', () => (crash()?.restartCount ?? 0) >= 4, 180_000);
      const backoffs = [
        ...new Set(
          seen
            .map((h) => h.containerStatuses?.[0]?.state?.waiting)
            .filter((w) => w?.reason === 'CrashLoopBackOff')
            .map(
              (w) => /^back-off (\S+) restarting failed container=crash pod=p\d+_default\(.+\)$/.exec(w!.message!)?.[1],
            ),
        ),
      ];
      // The waits double up to the cap, in order (a wait that was already over when the worker saw
      // the death is skipped, as in the kubelet, so the list is an ordered subset).
      expect(backoffs.length).toBeGreaterThan(0);
      expect(['2s', '4s', '8s'].filter((d) => backoffs.includes(d))).toEqual(backoffs);
      const last = seen.at(-1)!;
      expect(last.phase).toBe('Running');
      const ref = { namespace: 'default', name: pod.metadata.name! };
      await until('crashed again', () => crash()?.lastState?.terminated);
      expect(crash()?.lastState?.terminated).toMatchObject({ exitCode: 7, reason: 'Error' });
      const previous: Buffer[] = [];
      await own.logs(ref, 'crash', { previous: true }, (c) => previous.push(c));
      expect(Buffer.concat(previous).toString()).toContain('exiting with 7');
      // The attempt number is on the runtime container's labels.
      const id = crash()!.containerID!.replace('podman://', '');
      const info = await driver.inspectContainer(id);
      expect(Number(info?.labels[LABELS.attempt])).toBe(crash()!.restartCount);
    } finally {
      await own.stop();
      await cleanupByLabel(crashNode, LABELS.node);
    }
  });

  it('restartPolicy OnFailure with exit 0 → Succeeded; Always with exit 0 → restarted and Running', async () => {
    const once = apply(makePod([exitImage('once', 0)], { restartPolicy: 'OnFailure' }));
    const always = apply(makePod([exitImage('again', 0)], { restartPolicy: 'Always' }));
    await until('Succeeded', () => statusOf(once)?.phase === 'Succeeded');
    await until('restarted', () => (container(always, 'again')?.restartCount ?? 0) >= 1);
    expect(statusOf(always)?.phase).toBe('Running');
    expect(container(always, 'again')?.lastState?.terminated).toMatchObject({ exitCode: 0, reason: 'Completed' });
    unapply(always);
    await until('removed', () => removed.includes(always.metadata.uid!));
  });

  it('httpd with exec, httpGet (named port) and tcpSocket probes becomes Ready; hostPort publishes it', async () => {
    const port = await freePort();
    const probe = { periodSeconds: 1, timeoutSeconds: 10 };
    const pod = apply(
      makePod([
        {
          name: 'web',
          image: TEST_IMAGES.httpd,
          ports: [{ name: 'http', containerPort: 8080, hostPort: port, hostIP: '127.0.0.1' }],
          readinessProbe: { httpGet: { path: '/index.html', port: 'http' }, ...probe },
          livenessProbe: { tcpSocket: { port: 8080 }, ...probe },
          startupProbe: { exec: { command: ['cat', '/www/index.html'] }, ...probe },
        },
      ]),
    );
    const s = await until(
      'Ready',
      () => statusOf(pod)?.conditions?.find((c) => c.type === 'Ready')?.status === 'True' && statusOf(pod),
    );
    expect(s.phase).toBe('Running');
    expect(container(pod, 'web', s)).toMatchObject({ ready: true, started: true, restartCount: 0 });
    const body = await fetch(`http://127.0.0.1:${port}/`).then((r) => r.text());
    expect(body).toContain('hello from busybox httpd');
    const top = (await mgr.stats()).find((p) => p.name === pod.metadata.name);
    expect(top?.containers.map((c) => c.name)).toEqual(['web']);
    expect(top?.containers[0].memoryBytes).toBeGreaterThan(0);
    const ready = s.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready.lastTransitionTime).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    unapply(pod);
    await until('removed', () => removed.includes(pod.metadata.uid!));
  });

  it('liveness failure kills and restarts the container', async () => {
    const pod = apply(
      makePod([
        {
          name: 'web',
          image: TEST_IMAGES.httpd,
          ports: [{ name: 'http', containerPort: 8080 }],
          livenessProbe: { httpGet: { path: '/missing', port: 'http' }, periodSeconds: 1, failureThreshold: 2 },
        },
      ]),
    );
    await until('restarted', () => (container(pod, 'web')?.restartCount ?? 0) >= 1);
    expect(container(pod, 'web')?.lastState?.terminated?.reason).toBe('Error');
    const mine = events.filter((e) => e.uid === pod.metadata.uid);
    expect(
      mine.some(
        (e) =>
          e.reason === 'Unhealthy' && e.message === 'Liveness probe failed: HTTP probe failed with statuscode: 404',
      ),
    ).toBe(true);
    expect(
      mine.some(
        (e) => e.reason === 'Killing' && e.message === 'Container web failed liveness probe, will be restarted',
      ),
    ).toBe(true);
    unapply(pod);
    await until('removed', () => removed.includes(pod.metadata.uid!));
  });

  it('the liveness-exec example: the probe fails once /tmp/healthy is gone and the container restarts', async () => {
    const pod = apply(
      makePod([
        busybox('liveness', 'touch /tmp/healthy; sleep 3; rm -f /tmp/healthy; sleep 600', {
          livenessProbe: {
            exec: { command: ['cat', '/tmp/healthy'] },
            timeoutSeconds: 10,
            initialDelaySeconds: 1,
            periodSeconds: 1,
            failureThreshold: 2,
          },
        }),
      ]),
    );
    await until('restarted', () => (container(pod, 'liveness')?.restartCount ?? 0) >= 1);
    const unhealthy = events.find(
      (e) =>
        e.uid === pod.metadata.uid &&
        e.message === "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory",
    );
    expect(unhealthy?.reason).toBe('Unhealthy');
    expect(unhealthy?.fieldPath).toBe('spec.containers{liveness}');
    unapply(pod);
    await until('removed', () => removed.includes(pod.metadata.uid!));
  });

  it('readiness toggles with an exec probe on a file; startup probe gates readiness', async () => {
    const probe = { periodSeconds: 1, timeoutSeconds: 10 };
    const pod = apply(
      makePod([
        busybox('app', 'exec sleep 600', {
          startupProbe: { exec: { command: ['cat', '/tmp/started'] }, ...probe, failureThreshold: 60 },
          readinessProbe: { exec: { command: ['cat', '/tmp/ready'] }, ...probe },
        }),
      ]),
    );
    const ref = { namespace: 'default', name: pod.metadata.name! };
    await until('running', () => container(pod, 'app')?.state?.running);
    await mgr.exec(ref, 'app', ['touch', '/tmp/ready']);
    // Not started yet: the readiness file exists but readiness is gated by the startup probe.
    await new Promise((r) => setTimeout(r, 2500));
    expect(container(pod, 'app')).toMatchObject({ started: false, ready: false });
    await mgr.exec(ref, 'app', ['touch', '/tmp/started']);
    await until('ready', () => container(pod, 'app')?.ready);
    expect(container(pod, 'app')?.started).toBe(true);
    await mgr.exec(ref, 'app', ['rm', '/tmp/ready']);
    await until('unready', () => container(pod, 'app')?.ready === false && statusOf(pod));
    const ready = statusOf(pod)!.conditions!.find((c) => c.type === 'Ready')!;
    expect(ready).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
      message: 'containers with unready status: [app]',
    });
    await mgr.exec(ref, 'app', ['touch', '/tmp/ready']);
    await until('ready again', () => container(pod, 'app')?.ready);
    expect(container(pod, 'app')?.restartCount).toBe(0);
    expect(await mgr.exec(ref, 'app', ['sh', '-c', 'echo out; exit 3'])).toMatchObject({
      exitCode: 3,
      stdout: 'out\n',
    });
    unapply(pod);
    await until('removed', () => removed.includes(pod.metadata.uid!));
  });

  it('postStart and preStop hooks run; the grace period ends a container ignoring SIGTERM', async () => {
    const pod = apply(
      makePod(
        [
          busybox('app', 'trap "" TERM; while true; do sleep 1; done', {
            volumeMounts: [
              { name: 'scratch', mountPath: '/scratch' },
              { name: 'out', mountPath: '/out' },
            ],
            resources: { limits: { memory: '32Mi' } },
            lifecycle: {
              postStart: { exec: { command: ['/bin/sh', '-c', 'echo started > /scratch/poststart'] } },
              preStop: { exec: { command: ['/bin/sh', '-c', 'cp /scratch/poststart /out/prestop-saw'] } },
            },
          }),
        ],
        {
          terminationGracePeriodSeconds: 2,
          volumes: [
            { name: 'scratch', emptyDir: {} },
            { name: 'out', hostPath: { path: hostDir } },
          ],
        },
      ),
    );
    await until('running', () => container(pod, 'app')?.state?.running);
    const emptyDir = join(dataDir, 'pods', pod.metadata.uid!, 'volumes', 'scratch');
    expect(readFileSync(join(emptyDir, 'poststart'), 'utf8')).toBe('started\n');
    unapply(pod);
    await until('removed', () => removed.includes(pod.metadata.uid!));
    expect(readFileSync(join(hostDir, 'prestop-saw'), 'utf8')).toBe('started\n');
    const last = statusOf(pod)!;
    // SIGTERM ignored → SIGKILL after the grace; the agent killed it, so not OOMKilled despite the limit.
    expect(container(pod, 'app', last)?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'Error' });
    expect(last.phase).toBe('Failed');
    expect(existsSync(join(dataDir, 'pods', pod.metadata.uid!))).toBe(false);
    const left = await podman(['ps', '-aq', '--filter', `label=${LABELS.podUid}=${pod.metadata.uid}`]);
    expect(left.stdout.trim()).toBe('');
  });

  it('a failing postStart hook kills the container (FailedPostStartHook) and it is restarted', async () => {
    const pod = apply(
      makePod([
        busybox('app', 'exec sleep 600', {
          lifecycle: { postStart: { exec: { command: ['/bin/sh', '-c', 'exit 1'] } } },
        }),
      ]),
    );
    await until('restarted', () => (container(pod, 'app')?.restartCount ?? 0) >= 1);
    expect(events.some((e) => e.uid === pod.metadata.uid && e.reason === 'FailedPostStartHook')).toBe(true);
    unapply(pod);
    await until('removed', () => removed.includes(pod.metadata.uid!));
  });

  it('init containers run in order before the app container', async () => {
    const pod = apply(
      makePod(
        [busybox('app', 'cat /work/order; exec sleep 600', { volumeMounts: [{ name: 'work', mountPath: '/work' }] })],
        {
          initContainers: [
            busybox('first', 'echo first >> /work/order', { volumeMounts: [{ name: 'work', mountPath: '/work' }] }),
            busybox('second', 'echo second >> /work/order', { volumeMounts: [{ name: 'work', mountPath: '/work' }] }),
          ],
          volumes: [{ name: 'work', emptyDir: {} }],
        },
      ),
    );
    const s = await until('running', () => container(pod, 'app')?.state?.running && statusOf(pod));
    expect(s.initContainerStatuses?.map((c) => c.state?.terminated?.reason)).toEqual(['Completed', 'Completed']);
    expect(s.conditions?.find((c) => c.type === 'Initialized')?.status).toBe('True');
    // Before initialisation finished, app containers waited with PodInitializing.
    expect(history(pod).some((h) => h.containerStatuses?.[0]?.state?.waiting?.reason === 'PodInitializing')).toBe(true);
    expect((await logsOf(pod, 'app')).trim()).toBe('first\nsecond');
    unapply(pod);
    await until('removed', () => removed.includes(pod.metadata.uid!));
  });

  it('a failing init container fails the pod under restartPolicy Never', async () => {
    const pod = apply(
      makePod([busybox('app', 'exec sleep 600')], {
        restartPolicy: 'Never',
        initContainers: [exitImage('init', 2)],
      }),
    );
    const s = await until('Failed', () => statusOf(pod)?.phase === 'Failed' && statusOf(pod));
    expect(s.initContainerStatuses?.[0].state?.terminated).toMatchObject({ exitCode: 2, reason: 'Error' });
    expect(container(pod, 'app', s)?.state?.waiting?.reason).toBe('PodInitializing');
  });

  it('memory over the limit → OOMKilled (exit 137, inferred)', async () => {
    const pod = apply(
      makePod(
        [
          {
            name: 'hog',
            image: TEST_IMAGES.memhog,
            env: [{ name: 'HOG_MB', value: '64' }],
            resources: { limits: { memory: '16Mi' } },
          },
        ],
        { restartPolicy: 'Never' },
      ),
    );
    const s = await until('Failed', () => statusOf(pod)?.phase === 'Failed' && statusOf(pod));
    expect(container(pod, 'hog', s)?.state?.terminated).toMatchObject({ exitCode: 137, reason: 'OOMKilled' });
  });

  it('image pull policy Never with a missing image → ErrImageNeverPull', async () => {
    const pod = apply(makePod([{ name: 'x', image: 'localhost/edge-test/nope:1', imagePullPolicy: 'Never' }]));
    const c = await until(
      'ErrImageNeverPull',
      () => container(pod, 'x')?.state?.waiting?.reason === 'ErrImageNeverPull' && container(pod, 'x'),
    );
    expect(c.state?.waiting?.message).toBe(
      'Container image "localhost/edge-test/nope:1" is not present with pull policy of Never',
    );
    expect(statusOf(pod)?.phase).toBe('Pending');
    unapply(pod);
    await until('removed', () => removed.includes(pod.metadata.uid!));
  });

  it('a missing image that cannot be pulled → ErrImagePull, then ImagePullBackOff', async () => {
    const image = 'localhost/edge-test/nope:1';
    const pod = apply(makePod([{ name: 'x', image, imagePullPolicy: 'IfNotPresent' }]));
    const reasons = () => history(pod).map((h) => h.containerStatuses?.[0]?.state?.waiting?.reason);
    await until('ImagePullBackOff', () => reasons().includes('ImagePullBackOff'));
    const seen = reasons();
    expect(seen.indexOf('ErrImagePull')).toBeGreaterThan(-1);
    expect(seen.indexOf('ErrImagePull')).toBeLessThan(seen.indexOf('ImagePullBackOff'));
    const waiting = history(pod).find((h) => h.containerStatuses?.[0]?.state?.waiting?.reason === 'ImagePullBackOff')!;
    expect(waiting.containerStatuses?.[0].state?.waiting?.message).toBe(`Back-off pulling image "${image}"`);
    expect(waiting.phase).toBe('Pending');
    unapply(pod);
    await until('removed', () => removed.includes(pod.metadata.uid!));
  });

  it('logs follow until aborted; a pod with deletionTimestamp is terminated and reported removed', async () => {
    const pod = apply(makePod([busybox('app', 'while true; do echo tick; sleep 1; done')]));
    await until('running', () => container(pod, 'app')?.state?.running);
    const abort = new AbortController();
    let text = '';
    const following = mgr.logs(
      { namespace: 'default', name: pod.metadata.name! },
      'app',
      { follow: true },
      (chunk) => {
        text += chunk.toString();
      },
      abort.signal,
    );
    await until('two ticks streamed', () => text.split('tick').length > 2);
    abort.abort();
    await following;
    apply({
      ...pod,
      metadata: { ...pod.metadata, deletionTimestamp: new Date().toISOString(), deletionGracePeriodSeconds: 0 },
    });
    await until('removed', () => removed.includes(pod.metadata.uid!));
    expect(statusOf(pod)?.phase).toBe('Failed');
    desired.delete(pod.metadata.uid!);
  });
});

describe('adoption after an agent restart', { timeout: 180_000 }, () => {
  it('a second manager adopts running containers without restarting them and removes unwanted pods', async () => {
    const keep = apply(makePod([{ name: 'web', image: TEST_IMAGES.httpd }]));
    const drop = apply(makePod([busybox('app', 'exec sleep 600')]));
    await until('both running', () => container(keep, 'web')?.state?.running && container(drop, 'app')?.state?.running);
    const before = container(keep, 'web')!;
    await mgr.stop();

    mgr = newManager();
    watch(mgr);
    await mgr.start();
    desired.delete(drop.metadata.uid!);
    mgr.sync([...desired.values()]);
    await until('drop removed', () => removed.includes(drop.metadata.uid!));
    const after = await until('adopted status', () => {
      const u = mgr.statuses().find((x) => x.uid === keep.metadata.uid);
      return u?.status.containerStatuses?.[0]?.state?.running && u.status.containerStatuses[0];
    });
    expect(after.containerID).toBe(before.containerID);
    expect(after.restartCount).toBe(0);
    expect(after.state?.running?.startedAt).toBe(before.state?.running?.startedAt);
    const left = await podman(['ps', '-aq', '--filter', `label=${LABELS.podUid}=${drop.metadata.uid}`]);
    expect(left.stdout.trim()).toBe('');
    unapply(keep);
    await until('keep removed', () => removed.includes(keep.metadata.uid!));
  });

  it('after a kill -9 of the process running the pods, a new manager adopts them without restarts', async () => {
    const agent = await startChildAgent();
    const pod = makePod([
      {
        name: 'web',
        image: TEST_IMAGES.httpd,
        readinessProbe: { tcpSocket: { port: 8080 }, periodSeconds: 1 },
      },
    ]);
    const before = await agent.runUntilReady(pod);
    agent.kill9();

    const second = newManager();
    const seen: PodStatusUpdate[] = [];
    second.onStatus((u) => seen.push(u));
    await second.start();
    second.sync([pod]);
    const after = await until('adopted and ready', () => {
      const c = [...seen].reverse().find((u) => u.uid === pod.metadata.uid)?.status.containerStatuses?.[0];
      return c?.ready && c;
    });
    expect(after.containerID).toBe(before.containerID);
    expect(after.restartCount).toBe(0);
    expect(after.state?.running?.startedAt).toBe(before.state?.running?.startedAt);
    second.sync([]);
    await until(
      'removed',
      async () =>
        (await podman(['ps', '-aq', '--filter', `label=${LABELS.podUid}=${pod.metadata.uid}`])).stdout.trim() === '',
    );
    await second.stop();
  });

  it('a container whose spec hash changed while the agent was down is replaced (restartCount 1)', async () => {
    const pod = apply(makePod([busybox('app', 'exec sleep 600', { env: [{ name: 'V', value: '1' }] })]));
    const before = await until('running', () => container(pod, 'app')?.state?.running && container(pod, 'app'));
    await mgr.stop();
    mgr = newManager();
    watch(mgr);
    await mgr.start();
    const changed = {
      ...pod,
      spec: { ...pod.spec, containers: [busybox('app', 'exec sleep 600', { env: [{ name: 'V', value: '2' }] })] },
    };
    apply(changed);
    const after = await until('replaced', () => {
      const c = container(pod, 'app');
      return c?.state?.running && c.containerID !== before.containerID && c;
    });
    expect(after.restartCount).toBe(1);
    expect(after.lastState?.terminated?.containerID).toBe(before.containerID);
    unapply(changed);
    await until('removed', () => removed.includes(pod.metadata.uid!));
  });
  it('after a host reboot (sandbox stopped) the pod restarts in a new sandbox: init again, restartCount kept', async () => {
    const pod = apply(
      makePod([busybox('app', 'exec sleep 600')], { initContainers: [busybox('setup', 'echo init done')] }),
    );
    const before = await until('running', () => container(pod, 'app')?.state?.running && statusOf(pod));
    await mgr.stop();
    const sandboxes = await podman(['pod', 'ps', '-q', '--filter', `label=${LABELS.podUid}=${pod.metadata.uid}`]);
    expect((await podman(['pod', 'stop', '-t', '0', sandboxes.stdout.trim()])).exitCode).toBe(0);

    mgr = newManager();
    watch(mgr);
    await mgr.start();
    mgr.sync([...desired.values()]);
    const after = await until('running again', () => {
      const s = statusOf(pod);
      const app = container(pod, 'app', s);
      return app?.state?.running && app.containerID !== container(pod, 'app', before)?.containerID && s;
    });
    expect(container(pod, 'app', after)?.restartCount).toBe(1);
    const init = container(pod, 'setup', after)!;
    expect(init.state?.terminated?.reason).toBe('Completed');
    expect(init.containerID).not.toBe(container(pod, 'setup', before)?.containerID);
    unapply(pod);
    await until('removed', () => removed.includes(pod.metadata.uid!));
  });
});

/**
 * A separate OS process running only the pod engine (bundled from the sources with rolldown), so
 * the test can SIGKILL it like a crashed agent. Its process group is killed by PID, which also ends
 * the `podman events` child it started.
 */
async function startChildAgent() {
  const dir = await mkdtemp(join(tmpdir(), 'peapod-child-agent-'));
  const src = (p: string) => fileURLToPath(new URL(`../src/${p}`, import.meta.url));
  await writeFile(
    join(dir, 'agent.ts'),
    `import { createPodManager } from ${JSON.stringify(src('pods/manager.ts'))};
import { PodmanDriver } from ${JSON.stringify(src('runtime/podman.ts'))};
const [nodeName, dataDir, podJson] = process.argv.slice(2);
const m = createPodManager({ driver: new PodmanDriver({ containersConf: process.env.CONTAINERS_CONF }), nodeName, hostIP: '127.0.0.1', dataDir });
m.onStatus((u) => process.stdout.write(JSON.stringify(u) + '\\n'));
await m.start();
m.sync([JSON.parse(podJson)]);
`,
  );
  const { build } = await import('rolldown');
  await build({
    input: join(dir, 'agent.ts'),
    platform: 'node',
    resolve: { alias: { '@peapod/core': fileURLToPath(new URL('../../core/src/index.ts', import.meta.url)) } },
    output: { file: join(dir, 'agent.mjs'), format: 'esm' },
    logLevel: 'silent',
  });
  let pid: number | undefined;
  return {
    async runUntilReady(pod: Pod): Promise<ContainerStatus> {
      const child = spawn(process.execPath, [join(dir, 'agent.mjs'), node, dataDir, JSON.stringify(pod)], {
        env: { ...process.env, CONTAINERS_CONF },
        detached: true,
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      pid = child.pid;
      const lines = createInterface({ input: child.stdout });
      let ready: ContainerStatus | undefined;
      lines.on('line', (line) => {
        const c = (JSON.parse(line) as PodStatusUpdate).status.containerStatuses?.[0];
        if (c?.ready) ready = c;
      });
      return until('child agent: container ready', () => ready);
    },
    kill9(): void {
      if (pid !== undefined) process.kill(-pid, 'SIGKILL');
      void rm(dir, { recursive: true, force: true });
    },
  };
}
