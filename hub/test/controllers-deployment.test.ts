import type { Deployment, Event, Pod, ReplicaSet } from '@peapod/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createDeploymentController } from '../src/controllers/deployment.js';
import { DEPLOYMENTS, EVENTS, PODS, REPLICASETS } from '../src/controllers/objects.js';
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

const IMAGE_V1 = 'localhost/edge-test/httpd:1';
const IMAGE_V2 = 'localhost/edge-test/busybox:1';

function deployment(name: string, replicas: number, spec: Partial<Deployment['spec']> = {}): Deployment {
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name, namespace: 'default' },
    spec: {
      replicas,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: IMAGE_V1 }] } },
      ...spec,
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

async function start(): Promise<TestHub> {
  hub = await startTestHub([createSchedulerComponent(), createReplicaSetController(), createDeploymentController()]);
  for (const n of ['node-a', 'node-b', 'node-c']) {
    hub.service.create(NODES, undefined, readyNode(n));
    agents.push(simulateAgent(hub.service, n));
  }
  return hub;
}

const getDeployment = (h: TestHub, name: string) => h.service.get(DEPLOYMENTS, 'default', name) as Deployment;
const replicaSetsOf = (h: TestHub, name: string) =>
  (h.service.list(REPLICASETS, { namespace: 'default' }).items as ReplicaSet[]).filter(
    (rs) => rs.metadata.ownerReferences?.[0]?.name === name,
  );
const livePods = (h: TestHub, app: string) =>
  (h.service.list(PODS, { namespace: 'default', labelSelector: `app=${app}` }).items as Pod[]).filter(
    (p) => !p.metadata.deletionTimestamp,
  );
const isReady = (p: Pod) => p.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
const revision = (o: { metadata: { annotations?: Record<string, string> } }) =>
  o.metadata.annotations?.['deployment.kubernetes.io/revision'];

/** kubectl rollout status's success test (polymorphichelpers/rollout_status.go). */
function rolledOut(d: Deployment): boolean {
  const s = d.status ?? {};
  const replicas = d.spec.replicas ?? 1;
  return (
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
    s.updatedReplicas === replicas &&
    s.replicas === s.updatedReplicas &&
    s.availableReplicas === s.updatedReplicas
  );
}

const setImage = (h: TestHub, name: string, image: string) =>
  h.service.mutate(DEPLOYMENTS, 'default', name, (d) => {
    d.spec.template.spec.containers[0].image = image;
    return d;
  });

describe('Deployment controller (real store, simulated agents)', () => {
  it('creates a ReplicaSet <deploy>-<pod-template-hash> with revision 1 and reports a finished rollout', async () => {
    const h = await start();
    const created = h.service.create(DEPLOYMENTS, 'default', deployment('web', 3));
    await waitFor(() => rolledOut(getDeployment(h, 'web')), 'rollout');
    const [rs] = replicaSetsOf(h, 'web');
    const hash = rs.metadata.labels?.['pod-template-hash'] as string;
    expect(hash).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]+$/);
    expect(rs.metadata.name).toBe(`web-${hash}`);
    expect(rs.spec.selector.matchLabels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.spec.template?.metadata?.labels).toEqual({ app: 'web', 'pod-template-hash': hash });
    expect(rs.metadata.ownerReferences?.[0]).toMatchObject({
      kind: 'Deployment',
      uid: created.metadata.uid,
      controller: true,
    });
    expect(rs.metadata.annotations).toMatchObject({
      'deployment.kubernetes.io/revision': '1',
      'deployment.kubernetes.io/desired-replicas': '3',
      'deployment.kubernetes.io/max-replicas': '4',
    });
    const pods = livePods(h, 'web');
    expect(pods).toHaveLength(3);
    for (const p of pods) expect(p.metadata.name).toMatch(new RegExp(`^web-${hash}-[bcdfghjklmnpqrstvwxz2456789]{5}$`));
    const d = getDeployment(h, 'web');
    expect(revision(d)).toBe('1');
    expect(d.status).toMatchObject({
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
      availableReplicas: 3,
      unavailableReplicas: 0,
    });
    await waitFor(
      () =>
        getDeployment(h, 'web').status?.conditions?.find((c) => c.type === 'Progressing')?.reason ===
        'NewReplicaSetAvailable',
      'Progressing NewReplicaSetAvailable',
    );
    const conditions = getDeployment(h, 'web').status?.conditions ?? [];
    expect(conditions.find((c) => c.type === 'Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
    });
    expect(conditions.find((c) => c.type === 'Progressing')?.message).toBe(
      `ReplicaSet "web-${hash}" has successfully progressed.`,
    );
    const events = (h.service.list(EVENTS, { namespace: 'default' }).items as Event[]).filter(
      (e) => e.reason === 'ScalingReplicaSet',
    );
    expect(events.map((e) => e.message)).toContain(`Scaled up replica set web-${hash} from 0 to 3`);
  });

  it('scales 1 → 5 → 2 without a new revision', async () => {
    const h = await start();
    h.service.create(DEPLOYMENTS, 'default', deployment('web', 1));
    await waitFor(() => rolledOut(getDeployment(h, 'web')), 'rollout of 1');
    for (const replicas of [5, 2]) {
      h.service.mutate(DEPLOYMENTS, 'default', 'web', (d) => {
        d.spec.replicas = replicas;
        return d;
      });
      await waitFor(() => {
        const d = getDeployment(h, 'web');
        return rolledOut(d) && d.status?.replicas === replicas && livePods(h, 'web').length === replicas;
      }, `scaled to ${replicas}`);
      const rss = replicaSetsOf(h, 'web');
      expect(rss).toHaveLength(1);
      expect(rss[0].spec.replicas).toBe(replicas);
      expect(rss[0].metadata.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe(String(replicas));
      expect(revision(getDeployment(h, 'web'))).toBe('1');
    }
  });

  it('rolls v1 → v2 never going below replicas − maxUnavailable nor above replicas + maxSurge', async () => {
    const h = await start();
    const replicas = 4; // 25%/25% → surge 1, unavailable 1
    h.service.create(DEPLOYMENTS, 'default', deployment('web', replicas));
    await waitFor(() => rolledOut(getDeployment(h, 'web')), 'v1 rollout');
    const samples: { available: number; total: number }[] = [];
    const unwatch = h.service.watch(PODS, {}, () => {
      const pods = livePods(h, 'web');
      samples.push({ available: pods.filter(isReady).length, total: pods.length });
    });
    setImage(h, 'web', IMAGE_V2);
    await waitFor(() => {
      const d = getDeployment(h, 'web');
      return (
        d.metadata.generation === 2 &&
        rolledOut(d) &&
        livePods(h, 'web').every((p) => p.spec.containers[0].image === IMAGE_V2)
      );
    }, 'v2 rollout');
    unwatch();
    expect(samples.length).toBeGreaterThan(4);
    expect(Math.min(...samples.map((s) => s.available))).toBeGreaterThanOrEqual(replicas - 1);
    expect(Math.max(...samples.map((s) => s.total))).toBeLessThanOrEqual(replicas + 1);
    const rss = replicaSetsOf(h, 'web');
    const v2 = rss.find((rs) => rs.spec.template?.spec.containers[0].image === IMAGE_V2) as ReplicaSet;
    const v1 = rss.find((rs) => rs !== v2) as ReplicaSet;
    expect(revision(v2)).toBe('2');
    expect(revision(v1)).toBe('1');
    expect(v1.spec.replicas).toBe(0);
    expect(revision(getDeployment(h, 'web'))).toBe('2');
  });

  it('scaling mid-rollout spreads the change over old and new ReplicaSets (proportional scaling)', async () => {
    const h = await start();
    h.service.create(DEPLOYMENTS, 'default', deployment('web', 4));
    await waitFor(() => rolledOut(getDeployment(h, 'web')), 'v1 rollout');
    // v2 pods never become ready: the rollout stalls with both ReplicaSets active.
    for (const a of agents) a.readiness = (p) => p.spec.containers[0].image !== IMAGE_V2;
    setImage(h, 'web', IMAGE_V2);
    await waitFor(() => {
      const rss = replicaSetsOf(h, 'web');
      return (
        rss.length === 2 &&
        rss.every((rs) => (rs.spec.replicas ?? 0) > 0) &&
        rss.every((rs) => rs.status?.observedGeneration === rs.metadata.generation)
      );
    }, 'stalled rollout with two active ReplicaSets');
    const before = new Map(replicaSetsOf(h, 'web').map((rs) => [rs.metadata.name, rs.spec.replicas ?? 0]));
    h.service.mutate(DEPLOYMENTS, 'default', 'web', (d) => {
      d.spec.replicas = 8;
      return d;
    });
    // 8 replicas, 25% surge → at most 10 pods; both ReplicaSets take a share.
    await waitFor(
      () => replicaSetsOf(h, 'web').reduce((sum, rs) => sum + (rs.spec.replicas ?? 0), 0) === 10,
      'proportionally scaled',
    );
    for (const rs of replicaSetsOf(h, 'web')) {
      expect(rs.spec.replicas).toBeGreaterThan(before.get(rs.metadata.name) as number);
      expect(rs.metadata.annotations?.['deployment.kubernetes.io/desired-replicas']).toBe('8');
    }
    // Let v2 become ready: the rollout finishes at 8.
    for (const a of agents) {
      a.readiness = () => true;
      a.refresh();
    }
    await waitFor(() => {
      const d = getDeployment(h, 'web');
      return rolledOut(d) && d.status?.replicas === 8;
    }, 'v2 rollout at 8');
  });

  it('Recreate removes every old pod before the first new one appears', async () => {
    const h = await start();
    h.service.create(DEPLOYMENTS, 'default', deployment('web', 3, { strategy: { type: 'Recreate' } }));
    await waitFor(() => rolledOut(getDeployment(h, 'web')), 'v1 rollout');
    let overlap = false;
    const unwatch = h.service.watch(PODS, {}, () => {
      const all = h.service.list(PODS, { namespace: 'default', labelSelector: 'app=web' }).items as Pod[];
      const images = new Set(all.map((p) => p.spec.containers[0].image));
      if (images.size > 1) overlap = true;
    });
    setImage(h, 'web', IMAGE_V2);
    await waitFor(() => {
      const d = getDeployment(h, 'web');
      return d.metadata.generation === 2 && rolledOut(d);
    }, 'v2 rollout');
    unwatch();
    expect(overlap).toBe(false);
    expect(livePods(h, 'web').map((p) => p.spec.containers[0].image)).toEqual([IMAGE_V2, IMAGE_V2, IMAGE_V2]);
  });

  it('pause holds template changes back (DeploymentPaused); resume rolls them out (DeploymentResumed)', async () => {
    const h = await start();
    h.service.create(DEPLOYMENTS, 'default', deployment('web', 2));
    await waitFor(() => rolledOut(getDeployment(h, 'web')), 'v1 rollout');
    h.service.mutate(DEPLOYMENTS, 'default', 'web', (d) => {
      d.spec.paused = true;
      return d;
    });
    await waitFor(
      () =>
        getDeployment(h, 'web').status?.conditions?.find((c) => c.type === 'Progressing')?.reason ===
        'DeploymentPaused',
      'paused condition',
    );
    const progressing = getDeployment(h, 'web').status?.conditions?.find((c) => c.type === 'Progressing');
    expect(progressing).toMatchObject({ status: 'Unknown', message: 'Deployment is paused' });
    setImage(h, 'web', IMAGE_V2);
    await waitFor(
      () => getDeployment(h, 'web').status?.observedGeneration === getDeployment(h, 'web').metadata.generation,
      'observed',
    );
    expect(replicaSetsOf(h, 'web')).toHaveLength(1);
    h.service.mutate(DEPLOYMENTS, 'default', 'web', (d) => {
      delete d.spec.paused;
      return d;
    });
    await waitFor(() => replicaSetsOf(h, 'web').length === 2, 'new ReplicaSet after resume');
    await waitFor(() => rolledOut(getDeployment(h, 'web')) && revision(getDeployment(h, 'web')) === '2', 'v2 rollout');
    const events = (h.service.list(EVENTS, { namespace: 'default' }).items as Event[]).map((e) => e.reason);
    expect(events).toContain('ScalingReplicaSet');
  });

  it('rollback the kubectl way (template patched from revision 1) reuses that ReplicaSet as revision 3', async () => {
    const h = await start();
    h.service.create(DEPLOYMENTS, 'default', deployment('web', 2));
    await waitFor(() => rolledOut(getDeployment(h, 'web')), 'v1 rollout');
    setImage(h, 'web', IMAGE_V2);
    await waitFor(() => rolledOut(getDeployment(h, 'web')) && getDeployment(h, 'web').metadata.generation === 2, 'v2');
    const rev1 = replicaSetsOf(h, 'web').find((rs) => revision(rs) === '1') as ReplicaSet;
    // kubectl rollout undo --to-revision=1: JSON patch replacing spec.template with the RS template
    // minus pod-template-hash, and metadata.annotations.
    // kubectl sends Go's rendering: creationTimestamp: null and resources: {} included.
    const template = structuredClone(rev1.spec.template) as NonNullable<ReplicaSet['spec']['template']>;
    delete template.metadata?.labels?.['pod-template-hash'];
    (template.metadata as Record<string, unknown>).creationTimestamp = null;
    template.spec.containers[0].resources = {};
    h.service.mutate(DEPLOYMENTS, 'default', 'web', (d) => {
      d.spec.template = template;
      d.metadata.annotations = { 'deployment.kubernetes.io/revision': '2' };
      return d;
    });
    await waitFor(() => {
      const d = getDeployment(h, 'web');
      return d.metadata.generation === 3 && rolledOut(d) && revision(d) === '3';
    }, 'rolled back');
    const rss = replicaSetsOf(h, 'web');
    expect(rss).toHaveLength(2);
    const reused = rss.find((rs) => rs.metadata.uid === rev1.metadata.uid) as ReplicaSet;
    expect(revision(reused)).toBe('3');
    expect(reused.metadata.annotations?.['deployment.kubernetes.io/revision-history']).toBe('1');
    expect(reused.spec.replicas).toBe(2);
    expect(livePods(h, 'web').every((p) => p.spec.containers[0].image === IMAGE_V1)).toBe(true);
  });

  it('keeps only revisionHistoryLimit old ReplicaSets; rollout restart makes a new revision', async () => {
    const h = await start();
    h.service.create(DEPLOYMENTS, 'default', deployment('web', 1, { revisionHistoryLimit: 1 }));
    await waitFor(() => rolledOut(getDeployment(h, 'web')), 'v1 rollout');
    setImage(h, 'web', IMAGE_V2);
    await waitFor(() => rolledOut(getDeployment(h, 'web')) && getDeployment(h, 'web').metadata.generation === 2, 'v2');
    // kubectl rollout restart
    h.service.mutate(DEPLOYMENTS, 'default', 'web', (d) => {
      d.spec.template.metadata.annotations = { 'kubectl.kubernetes.io/restartedAt': '2026-11-27T14:00:00Z' };
      return d;
    });
    await waitFor(
      () => rolledOut(getDeployment(h, 'web')) && getDeployment(h, 'web').metadata.generation === 3,
      'restart',
    );
    await waitFor(() => replicaSetsOf(h, 'web').length === 2, 'history trimmed to 1 old');
    const revisions = replicaSetsOf(h, 'web').map(revision).sort();
    expect(revisions).toEqual(['2', '3']);
    const pod = livePods(h, 'web')[0];
    expect(pod.metadata.annotations?.['kubectl.kubernetes.io/restartedAt']).toBe('2026-11-27T14:00:00Z');
  });

  it('reports ProgressDeadlineExceeded when pods never become ready', async () => {
    const h = await start();
    for (const a of agents) a.readiness = () => false;
    h.service.create(DEPLOYMENTS, 'default', deployment('stuck', 1, { progressDeadlineSeconds: 1 }));
    const d = await waitFor(() => {
      const x = getDeployment(h, 'stuck');
      return x.status?.conditions?.find((c) => c.type === 'Progressing')?.reason === 'ProgressDeadlineExceeded' && x;
    }, 'deadline exceeded');
    expect(d.status?.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({ status: 'False' });
    expect(d.status?.conditions?.find((c) => c.type === 'Available')).toMatchObject({ status: 'False' });
  });
});
