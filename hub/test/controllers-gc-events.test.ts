import type { Deployment, Event, KubeObject, Pod, ReplicaSet } from '@peapod/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeploymentController } from '../src/controllers/deployment.js';
import { createEventTtlComponent } from '../src/controllers/event-ttl.js';
import { createEventRecorder, EVENT_TTL_MS, EventDedupeCache } from '../src/controllers/events.js';
import { createGarbageCollector } from '../src/controllers/garbage-collector.js';
import { DEPLOYMENTS, EVENTS, PODS, REPLICASETS } from '../src/controllers/objects.js';
import { createReplicaSetController } from '../src/controllers/replicaset.js';
import { startTestHub, type TestHub, waitFor } from './controllers-harness.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.stop();
  hub = undefined;
});

function deployment(name: string, replicas: number): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'x:1' }] } },
    },
  };
}

function pod(name: string, owners: KubeObject[] | { uid: string; name: string }[]): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      ownerReferences: owners.map((o) => ({
        apiVersion: 'apps/v1',
        kind: 'ReplicaSet',
        name: 'metadata' in o ? (o.metadata.name as string) : o.name,
        uid: 'metadata' in o ? (o.metadata.uid as string) : o.uid,
      })),
    },
    spec: { containers: [{ name: 'app', image: 'x:1' }] },
  };
}

const count = (h: TestHub, type: typeof PODS) => h.service.list(type, { namespace: 'default' }).items.length;

// No scheduler runs here: pods stay unbound, so deleting them is immediate (no agent to confirm).
const startControllers = async () =>
  startTestHub([createReplicaSetController(), createDeploymentController(), createGarbageCollector()]);

describe('garbage collector (real store)', () => {
  it('background: deleting a Deployment removes its ReplicaSets and their pods afterwards', async () => {
    hub = await startControllers();
    const h = hub;
    h.service.create(DEPLOYMENTS, 'default', deployment('web', 3));
    await waitFor(() => count(h, PODS) === 3 && count(h, REPLICASETS) === 1, 'deployment materialised');
    h.service.delete(DEPLOYMENTS, 'default', 'web');
    expect(count(h, DEPLOYMENTS)).toBe(0);
    await waitFor(() => count(h, REPLICASETS) === 0 && count(h, PODS) === 0, 'dependents collected');
  });

  it('foreground: the owner stays (finalizer foregroundDeletion) until its blocking dependents are gone', async () => {
    hub = await startControllers();
    const h = hub;
    h.service.create(DEPLOYMENTS, 'default', deployment('web', 2));
    await waitFor(() => count(h, PODS) === 2 && count(h, REPLICASETS) === 1, 'deployment materialised');
    const deletions: string[] = [];
    const stops = [DEPLOYMENTS, REPLICASETS, PODS].map((type) =>
      h.service.watch(type, {}, (e) => {
        if (e.type === 'DELETED') deletions.push(e.object.kind);
      }),
    );
    const marked = h.service.delete(DEPLOYMENTS, 'default', 'web', { propagationPolicy: 'Foreground' });
    expect(marked.metadata.finalizers).toContain('foregroundDeletion');
    expect(marked.metadata.deletionTimestamp).toBeDefined();
    await waitFor(() => count(h, DEPLOYMENTS) === 0, 'owner removed');
    for (const stop of stops) stop();
    expect(count(h, REPLICASETS)).toBe(0);
    expect(count(h, PODS)).toBe(0);
    expect(deletions).toEqual(['Pod', 'Pod', 'ReplicaSet', 'Deployment']);
  });

  it('orphan: dependents survive without the reference and are not collected', async () => {
    hub = await startControllers();
    const h = hub;
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'x:1' }] } },
      },
    };
    h.service.create(REPLICASETS, 'default', rs);
    await waitFor(() => count(h, PODS) === 2, 'pods');
    h.service.delete(REPLICASETS, 'default', 'web', { propagationPolicy: 'Orphan' });
    const pods = h.service.list(PODS, { namespace: 'default' }).items as Pod[];
    expect(pods.every((p) => !p.metadata.ownerReferences)).toBe(true);
    // Give the collector a chance to (wrongly) act, by waiting for a later unrelated deletion to be processed.
    h.service.create(PODS, 'default', pod('dangling', [{ uid: 'no-such-uid', name: 'gone' }]));
    await waitFor(() => count(h, PODS) === 2, 'dangling pod collected');
    expect((h.service.list(PODS, { namespace: 'default' }).items as Pod[]).map((p) => p.metadata.name)).toEqual(
      pods.map((p) => p.metadata.name),
    );
  });

  it('drops a reference to a vanished owner while another owner remains', async () => {
    hub = await startTestHub([createGarbageCollector()]);
    const h = hub;
    const alive = h.service.create(REPLICASETS, 'default', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'keeper', namespace: 'default' },
      spec: {
        replicas: 0,
        selector: { matchLabels: { a: 'b' } },
        template: { metadata: { labels: { a: 'b' } }, spec: { containers: [{ name: 'c', image: 'x:1' }] } },
      },
    } as ReplicaSet);
    h.service.create(PODS, 'default', pod('shared', [alive, { uid: 'gone-uid', name: 'gone' }]));
    await waitFor(
      () => h.service.get(PODS, 'default', 'shared').metadata.ownerReferences?.length === 1,
      'reference dropped',
    );
    expect(h.service.get(PODS, 'default', 'shared').metadata.ownerReferences?.[0].uid).toBe(alive.metadata.uid);
  });
});

describe('events', () => {
  const subject: KubeObject = {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name: 'web-1', namespace: 'default', uid: 'pod-uid' },
  };

  it('deduplicates identical events into count/lastTimestamp and names them <object>.<hex>', async () => {
    hub = await startTestHub([]);
    const h = hub;
    let now = Date.parse('2026-11-27T10:00:00Z');
    const recorder = createEventRecorder(h.service, 'kubelet', { now: () => now, host: 'node-a' });
    recorder.event(subject, 'Warning', 'BackOff', 'Back-off restarting failed container app');
    now += 65_000;
    recorder.event(subject, 'Warning', 'BackOff', 'Back-off restarting failed container app');
    recorder.event(subject, 'Normal', 'Pulled', 'Container image "x:1" already present on machine');
    const events = h.service.list(EVENTS, { namespace: 'default' }).items as Event[];
    expect(events).toHaveLength(2);
    const backOff = events.find((e) => e.reason === 'BackOff') as Event;
    expect(backOff.metadata.name).toMatch(/^web-1\.[0-9a-f]+$/);
    expect(backOff).toMatchObject({
      type: 'Warning',
      count: 2,
      firstTimestamp: '2026-11-27T10:00:00Z',
      lastTimestamp: '2026-11-27T10:01:05Z',
      source: { component: 'kubelet', host: 'node-a' },
      involvedObject: { kind: 'Pod', namespace: 'default', name: 'web-1', uid: 'pod-uid' },
    });
  });

  it('recorders sharing one dedupe cache still keep the events of different hosts apart', async () => {
    hub = await startTestHub([]);
    const h = hub;
    const cache = new EventDedupeCache();
    // Distinct clocks: event names (<object>.<hex time>) of two recorders must not collide.
    const start = Date.parse('2026-11-27T10:00:00Z');
    const [a, b] = ['node-a', 'node-b'].map((host, i) =>
      createEventRecorder(h.service, 'kubelet', { host, cache, now: () => start + i * 1000 }),
    );
    a.event(subject, 'Warning', 'BackOff', 'Back-off restarting failed container app');
    b.event(subject, 'Warning', 'BackOff', 'Back-off restarting failed container app');
    a.event(subject, 'Warning', 'BackOff', 'Back-off restarting failed container app');
    const events = h.service.list(EVENTS, { namespace: 'default' }).items as Event[];
    expect(events.map((e) => [e.source?.host, e.count]).sort()).toEqual([
      ['node-a', 2],
      ['node-b', 1],
    ]);
  });

  it('expires events one hour after their last occurrence', async () => {
    hub = await startTestHub([createEventTtlComponent()]);
    const h = hub;
    const old = createEventRecorder(h.service, 'test', { now: () => Date.now() - EVENT_TTL_MS - 60_000 });
    const fresh = createEventRecorder(h.service, 'test', { now: () => Date.now() - EVENT_TTL_MS + 60_000 });
    old.event(subject, 'Normal', 'Old', 'from long ago');
    fresh.event(subject, 'Normal', 'Fresh', 'from 59 minutes ago');
    await waitFor(() => count(h, EVENTS) === 1, 'old event expired');
    expect((h.service.list(EVENTS, { namespace: 'default' }).items as Event[])[0].reason).toBe('Fresh');
  });
});
