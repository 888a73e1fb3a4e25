import type { Event, KubeObject, Pod, ReplicaSet } from '@peapod/core';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENTS, PODS, REPLICASETS, rfc3339 } from '../src/controllers/objects.js';
import { createReplicaSetController } from '../src/controllers/replicaset.js';
import { createSchedulerComponent } from '../src/scheduler/scheduler.js';
import {
  readyNode,
  type SimulatedAgent,
  simulateAgent,
  startTestHub,
  type TestHub,
  waitFor,
} from './controllers-harness.js';
import { NODES } from './store-helpers.js';

function replicaSet(name: string, replicas: number, labels: Record<string, string> = { app: name }): ReplicaSet {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: 'app', image: 'localhost/edge-test/busybox:1' }] },
      },
    },
  };
}

let hub: TestHub | undefined;
const agents: SimulatedAgent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) a.stop();
  await hub?.stop();
  hub = undefined;
});

const podsOf = (h: TestHub, app: string, includeDeleting = false) =>
  (h.service.list(PODS, { namespace: 'default', labelSelector: `app=${app}` }).items as Pod[]).filter(
    (p) => includeDeleting || !p.metadata.deletionTimestamp,
  );
const rsStatus = (h: TestHub, name: string) => (h.service.get(REPLICASETS, 'default', name) as ReplicaSet).status;

async function startWithNodes(): Promise<TestHub> {
  const h = await startTestHub([createReplicaSetController(), createSchedulerComponent()]);
  for (const n of ['node-a', 'node-b']) {
    h.service.create(NODES, undefined, readyNode(n));
    agents.push(simulateAgent(h.service, n));
  }
  return h;
}

describe('ReplicaSet controller (real store)', () => {
  it('creates replicas named <rs>-<5 chars> with a controller ownerReference, and reports status', async () => {
    hub = await startWithNodes();
    const h = hub;
    const rs = h.service.create(REPLICASETS, 'default', replicaSet('web', 3));
    const pods = await waitFor(() => {
      const p = podsOf(h, 'web');
      return p.length === 3 && p;
    }, '3 pods');
    for (const p of pods) {
      expect(p.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
      expect(p.metadata.ownerReferences).toEqual([
        {
          apiVersion: 'apps/v1',
          kind: 'ReplicaSet',
          name: 'web',
          uid: rs.metadata.uid,
          controller: true,
          blockOwnerDeletion: true,
        },
      ]);
    }
    await waitFor(() => rsStatus(h, 'web')?.availableReplicas === 3, 'status available 3');
    const status = rsStatus(h, 'web');
    expect(status).toMatchObject({ replicas: 3, fullyLabeledReplicas: 3, readyReplicas: 3, availableReplicas: 3 });
    expect(status?.observedGeneration).toBe(1);
    const events = h.service.list(EVENTS, { namespace: 'default' }).items as Event[];
    expect(events.filter((e) => e.reason === 'SuccessfulCreate' && e.involvedObject.name === 'web')).toHaveLength(3);
  });

  it('scales up and down, deleting unready pods first', async () => {
    hub = await startWithNodes();
    const h = hub;
    h.service.create(REPLICASETS, 'default', replicaSet('web', 2));
    await waitFor(() => rsStatus(h, 'web')?.readyReplicas === 2, 'two ready');
    // From now on new pods never become ready: scaling down must pick them first.
    const original = new Set(podsOf(h, 'web').map((p) => p.metadata.name));
    for (const a of agents) a.readiness = (p) => original.has(p.metadata.name);
    h.service.mutate(REPLICASETS, 'default', 'web', (o) => ({ ...o, spec: { ...o.spec, replicas: 5 } }));
    await waitFor(() => podsOf(h, 'web').length === 5 && rsStatus(h, 'web')?.replicas === 5, '5 pods');
    const readyBefore = podsOf(h, 'web')
      .filter((p) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'))
      .map((p) => p.metadata.name)
      .sort();
    expect(readyBefore).toHaveLength(2);
    h.service.mutate(REPLICASETS, 'default', 'web', (o) => ({ ...o, spec: { ...o.spec, replicas: 2 } }));
    await waitFor(() => podsOf(h, 'web').length === 2, 'scaled down to 2');
    expect(
      podsOf(h, 'web')
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(readyBefore);
    await waitFor(() => rsStatus(h, 'web')?.replicas === 2, 'status replicas 2');
  });

  it('replaces a deleted pod with a new pod (new UID)', async () => {
    hub = await startWithNodes();
    const h = hub;
    h.service.create(REPLICASETS, 'default', replicaSet('web', 2));
    const before = await waitFor(() => {
      const p = podsOf(h, 'web');
      return p.length === 2 && p.every((x) => x.status?.phase === 'Running') && p;
    }, '2 running');
    const victim = before[0];
    h.service.delete(PODS, 'default', victim.metadata.name as string);
    const after = await waitFor(() => {
      const p = podsOf(h, 'web', true);
      return p.length === 2 && !p.some((x) => x.metadata.uid === victim.metadata.uid) && p;
    }, 'replacement');
    const uids = after.map((p) => p.metadata.uid);
    expect(uids).toContain(before[1].metadata.uid);
    expect(uids).not.toContain(victim.metadata.uid);
  });

  it('replaces a failed pod and leaves the failed one alone', async () => {
    hub = await startTestHub([createReplicaSetController()]);
    const h = hub;
    h.service.create(REPLICASETS, 'default', replicaSet('job', 1));
    const [first] = await waitFor(() => {
      const p = podsOf(h, 'job');
      return p.length === 1 && p;
    }, 'one pod');
    h.service.mutate(
      PODS,
      'default',
      first.metadata.name as string,
      (p) => ({ ...p, status: { ...p.status, phase: 'Failed' } }),
      {
        status: true,
      },
    );
    const pods = await waitFor(() => {
      const p = podsOf(h, 'job');
      return p.length === 2 && p;
    }, 'a replacement next to the failed pod');
    expect(pods.filter((p) => p.status?.phase === 'Failed').map((p) => p.metadata.uid)).toEqual([first.metadata.uid]);
    await waitFor(() => rsStatus(h, 'job')?.replicas === 1, 'status counts only the active pod');
  });

  it('adopts matching orphans and releases pods whose labels stop matching', async () => {
    hub = await startTestHub([createReplicaSetController()]);
    const h = hub;
    const orphan: KubeObject = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'stray', namespace: 'default', labels: { app: 'web' } },
      spec: { containers: [{ name: 'app', image: 'localhost/edge-test/busybox:1' }] },
    };
    h.service.create(PODS, 'default', orphan);
    const rs = h.service.create(REPLICASETS, 'default', replicaSet('web', 2));
    await waitFor(() => podsOf(h, 'web').length === 2, 'two pods (one adopted)');
    const adopted = h.service.get(PODS, 'default', 'stray');
    expect(adopted.metadata.ownerReferences?.[0]).toMatchObject({ uid: rs.metadata.uid, controller: true });

    h.service.mutate(PODS, 'default', 'stray', (p) => {
      p.metadata.labels = { app: 'elsewhere' };
      return p;
    });
    await waitFor(() => !h.service.get(PODS, 'default', 'stray').metadata.ownerReferences, 'released');
    await waitFor(() => podsOf(h, 'web').length === 2, 'a new pod replaces the released one');
    expect(h.service.get(PODS, 'default', 'stray').metadata.labels).toEqual({ app: 'elsewhere' });
  });

  it('counts a pod available only after minReadySeconds of readiness (timer, no polling)', async () => {
    hub = await startWithNodes();
    const h = hub;
    const rs = replicaSet('slow', 1);
    rs.spec.minReadySeconds = 2;
    h.service.create(REPLICASETS, 'default', rs);
    await waitFor(() => rsStatus(h, 'slow')?.readyReplicas === 1, 'ready');
    expect(rsStatus(h, 'slow')?.availableReplicas).toBe(0);
    await waitFor(() => rsStatus(h, 'slow')?.availableReplicas === 1, 'available after minReadySeconds');
  });

  it('edge twist: scaling down removes the pod whose node toleration ran out, not healthy ones', async () => {
    hub = await startWithNodes();
    const h = hub;
    h.service.create(NODES, undefined, readyNode('node-c'));
    agents.push(simulateAgent(h.service, 'node-c'));
    h.service.create(REPLICASETS, 'default', replicaSet('web', 3));
    const pods = await waitFor(() => {
      const p = podsOf(h, 'web');
      return p.length === 3 && p.every((x) => x.status?.phase === 'Running') && p;
    }, 'three running');
    expect(new Set(pods.map((p) => p.spec.nodeName)).size).toBe(3);
    // node-b has been unreachable for 10 minutes: past the pods' default 300 s toleration. (No node
    // lifecycle controller runs here, so nothing is evicted by itself.)
    h.service.mutate(NODES, undefined, 'node-b', (n) => {
      n.spec.taints = [
        { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: rfc3339(Date.now() - 600_000) },
      ];
      return n;
    });
    h.service.mutate(REPLICASETS, 'default', 'web', (o) => ({ ...o, spec: { ...o.spec, replicas: 2 } }));
    await waitFor(() => podsOf(h, 'web').length === 2, 'scaled down');
    const left = podsOf(h, 'web')
      .map((p) => p.spec.nodeName)
      .sort();
    expect(left).toEqual(['node-a', 'node-c']);
  });
});
