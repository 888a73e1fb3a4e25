import type { Deployment, Node, Pod, PodPhase, ReplicaSet, Taint } from '@peapod/core';
import { describe, expect, it } from 'vitest';
import { templatesEqualIgnoringHash } from '../src/controllers/deployment.js';
import { calculateStatus, isProgressing, REASON, rolloutStatus } from '../src/controllers/deployment-status.js';
import { evictionDecision } from '../src/controllers/eviction.js';
import { reconcileNodeTaints } from '../src/controllers/node-taints.js';
import { rankForDeletion } from '../src/controllers/replica-ranking.js';
import {
  maxSurgeOf,
  maxUnavailableOf,
  newRsReplicas,
  proportionalScale,
  type RsNumbers,
  resolveFenceposts,
  scaleDownOldReplicaSets,
  scaledValue,
} from '../src/controllers/rollout-math.js';
import { createWorkQueue } from '../src/controllers/work-queue.js';

describe('rollout math (kk-depl)', () => {
  it.each<[number | string, number, boolean, number]>([
    ['25%', 3, true, 1],
    ['25%', 3, false, 0],
    ['25%', 4, true, 1],
    ['25%', 10, true, 3],
    ['25%', 10, false, 2],
    ['50%', 5, true, 3],
    ['50%', 5, false, 2],
    ['100%', 7, false, 7],
    [2, 10, true, 2],
    ['3', 10, false, 3],
  ])('scaledValue(%j of %d, roundUp=%s) = %d', (value, total, up, expected) => {
    expect(scaledValue(value, total, up)).toBe(expected);
  });

  it.each<[number | string | undefined, number | string | undefined, number, { surge: number; unavailable: number }]>([
    [undefined, undefined, 3, { surge: 1, unavailable: 0 }],
    [undefined, undefined, 4, { surge: 1, unavailable: 1 }],
    [undefined, undefined, 10, { surge: 3, unavailable: 2 }],
    [0, '25%', 1, { surge: 0, unavailable: 1 }],
    ['0%', '0%', 5, { surge: 0, unavailable: 1 }],
    [0, 2, 5, { surge: 0, unavailable: 2 }],
  ])('resolveFenceposts(%j, %j, %d)', (surge, unavailable, replicas, expected) => {
    expect(resolveFenceposts(surge, unavailable, replicas)).toEqual(expected);
  });

  it('Recreate has neither surge nor unavailability; unavailable is capped at replicas', () => {
    expect(maxSurgeOf({ replicas: 3, strategy: 'Recreate' })).toBe(0);
    expect(maxUnavailableOf({ replicas: 3, strategy: 'Recreate' })).toBe(0);
    expect(maxUnavailableOf({ replicas: 2, strategy: 'RollingUpdate', maxUnavailable: 5 })).toBe(2);
    expect(maxUnavailableOf({ replicas: 0, strategy: 'RollingUpdate' })).toBe(0);
  });

  const rs = (name: string, replicas: number, available: number, created: number, max?: number): RsNumbers => ({
    name,
    replicas,
    available,
    created,
    ...(max !== undefined ? { maxReplicasAnnotation: max } : {}),
  });

  it('new ReplicaSet grows up to replicas + maxSurge in total', () => {
    const d = { replicas: 3, strategy: 'RollingUpdate' as const }; // surge 1, unavailable 0
    expect(newRsReplicas(d, [rs('old', 3, 3, 1), rs('new', 0, 0, 2)], rs('new', 0, 0, 2))).toBe(1);
    expect(newRsReplicas(d, [rs('old', 3, 3, 1), rs('new', 1, 0, 2)], rs('new', 1, 0, 2))).toBe(1);
    expect(newRsReplicas(d, [rs('old', 2, 2, 1), rs('new', 1, 1, 2)], rs('new', 1, 1, 2))).toBe(2);
    expect(newRsReplicas({ ...d, strategy: 'Recreate' }, [], rs('new', 0, 0, 2))).toBe(3);
  });

  it('old ReplicaSets shrink only while availability stays ≥ replicas − maxUnavailable', () => {
    const d = { replicas: 3, strategy: 'RollingUpdate' as const }; // minAvailable 3
    // new pod not yet available: nothing may go
    expect(scaleDownOldReplicaSets(d, [rs('old', 3, 3, 1)], rs('new', 1, 0, 2)).get('old')).toBe(3);
    // new pod available: one old may go
    expect(scaleDownOldReplicaSets(d, [rs('old', 3, 3, 1)], rs('new', 1, 1, 2)).get('old')).toBe(2);
    // unhealthy old pods are removed first, even without new availability
    const d2 = { replicas: 4, strategy: 'RollingUpdate' as const }; // surge 1, unavailable 1 → minAvailable 3
    expect(scaleDownOldReplicaSets(d2, [rs('old', 4, 2, 1)], rs('new', 1, 0, 2)).get('old')).toBe(3);
    // oldest first across several old sets
    const sizes = scaleDownOldReplicaSets(d2, [rs('older', 2, 2, 1), rs('old', 2, 2, 2)], rs('new', 2, 2, 3));
    expect([sizes.get('older'), sizes.get('old')]).toEqual([0, 1]);
  });

  it('proportional scaling spreads a resize over active ReplicaSets by size', () => {
    // 10 replicas mid-rollout (surge 3): old 8, new 5 = 13; scale to 20 → allowed 25 (surge 5), +12
    const d = { replicas: 20, strategy: 'RollingUpdate' as const };
    // old: ceil(8·25/13) = 16 (+8); new: ceil(5·25/13) = 10 (+5) capped by what is left (+4)
    const sizes = proportionalScale(d, [rs('old', 8, 8, 1, 13), rs('new', 5, 0, 2, 13)], 13);
    expect(sizes.get('old')).toBe(16);
    expect(sizes.get('new')).toBe(9);
    // scale down to 5 (surge 2 → allowed 7)
    const down = proportionalScale(
      { replicas: 5, strategy: 'RollingUpdate' },
      [rs('old', 8, 8, 1, 13), rs('new', 5, 0, 2, 13)],
      13,
    );
    expect((down.get('old') as number) + (down.get('new') as number)).toBe(7);
    expect(down.get('old')).toBeGreaterThan(down.get('new') as number);
  });
});

function pod(
  name: string,
  o: { node?: string; phase?: string; ready?: boolean; created?: string; restarts?: number } = {},
): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: {
      name,
      namespace: 'default',
      creationTimestamp: o.created ?? '2026-01-01T00:00:00Z',
      ownerReferences: [{ apiVersion: 'apps/v1', kind: 'ReplicaSet', name: 'rs', uid: 'u', controller: true }],
    },
    spec: { containers: [{ name: 'c', image: 'i' }], nodeName: o.node },
    status: {
      phase: (o.phase ?? 'Running') as PodPhase,
      conditions: [
        { type: 'Ready', status: o.ready === false ? 'False' : 'True', lastTransitionTime: '2026-01-01T00:00:10Z' },
      ],
      containerStatuses: [{ name: 'c', ready: true, restartCount: o.restarts ?? 0, image: 'i', imageID: '' }],
    },
  };
}

describe('scale-down ranking (controller_utils ActivePods)', () => {
  // Pods named 'expired…' stand for pods whose NoExecute toleration on their node has run out.
  const context = { outOfToleration: (p: Pod) => (p.metadata.name ?? '').startsWith('expired') };
  const order = (pods: Pod[]) => rankForDeletion(pods, context).map((p) => p.metadata.name);

  it.each<[string, Pod[], string[]]>([
    ['unassigned first', [pod('bound', { node: 'n1' }), pod('unbound', { phase: 'Pending' })], ['unbound', 'bound']],
    [
      'pods whose toleration ran out next',
      [pod('ok', { node: 'n1' }), pod('expired', { node: 'lost' }), pod('unready', { node: 'n2', ready: false })],
      ['expired', 'unready', 'ok'],
    ],
    [
      'Pending < Unknown < Running',
      [
        pod('run', { node: 'n1' }),
        pod('unk', { node: 'n2', phase: 'Unknown' }),
        pod('pend', { node: 'n3', phase: 'Pending' }),
      ],
      ['pend', 'unk', 'run'],
    ],
    [
      'not ready < ready',
      [pod('ready', { node: 'n1' }), pod('unready', { node: 'n2', ready: false })],
      ['unready', 'ready'],
    ],
    [
      'doubled-up pods first',
      [pod('alone', { node: 'n1' }), pod('twin1', { node: 'n2' }), pod('twin2', { node: 'n2' })],
      ['twin1', 'twin2', 'alone'],
    ],
    [
      'more restarts first',
      [pod('calm', { node: 'n1' }), pod('crashy', { node: 'n2', restarts: 5 })],
      ['crashy', 'calm'],
    ],
    [
      'newer first',
      [
        pod('old', { node: 'n1', created: '2026-01-01T00:00:00Z' }),
        pod('new', { node: 'n2', created: '2026-01-02T00:00:00Z' }),
      ],
      ['new', 'old'],
    ],
  ])('%s', (_, pods, expected) => {
    expect(order(pods)).toEqual(expected);
  });
});

describe('NoExecute eviction decision', () => {
  const now = Date.parse('2026-01-01T00:10:00Z');
  const taint = (key: string, added = '2026-01-01T00:09:00Z'): Taint => ({
    key,
    effect: 'NoExecute',
    timeAdded: added,
  });
  const withTolerations = (tolerations: NonNullable<Pod['spec']['tolerations']>) => {
    const p = pod('p', { node: 'n' });
    p.spec.tolerations = tolerations;
    return p;
  };
  it.each<[string, Pod, Taint[], ReturnType<typeof evictionDecision>]>([
    ['no NoExecute taints', withTolerations([]), [{ key: 'x', effect: 'NoSchedule' }], { evict: 'never' }],
    ['untolerated → now', withTolerations([]), [taint('x')], { evict: 'now' }],
    ['tolerated forever', withTolerations([{ key: 'x', operator: 'Exists' }]), [taint('x')], { evict: 'never' }],
    [
      'tolerationSeconds from timeAdded',
      withTolerations([{ key: 'x', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 300 }]),
      [taint('x')],
      { evict: 'at', at: Date.parse('2026-01-01T00:14:00Z') },
    ],
    [
      'toleration already used up',
      withTolerations([{ key: 'x', operator: 'Exists', tolerationSeconds: 30 }]),
      [taint('x')],
      { evict: 'now' },
    ],
    [
      'tolerationSeconds ≤ 0',
      withTolerations([{ key: 'x', operator: 'Exists', tolerationSeconds: 0 }]),
      [taint('x')],
      { evict: 'now' },
    ],
    [
      'one of two taints untolerated',
      withTolerations([{ key: 'x', operator: 'Exists' }]),
      [taint('x'), taint('y')],
      { evict: 'now' },
    ],
    [
      'earliest deadline of several',
      withTolerations([
        { key: 'x', operator: 'Exists', tolerationSeconds: 600 },
        { key: 'y', operator: 'Exists', tolerationSeconds: 120 },
      ]),
      [taint('x'), taint('y')],
      { evict: 'at', at: Date.parse('2026-01-01T00:11:00Z') },
    ],
  ])('%s', (_, p, taints, expected) => {
    expect(evictionDecision(p, taints, now)).toEqual(expected);
  });
});

describe('node condition taints', () => {
  const node = (ready: string | undefined, extra: Partial<Node['spec']> = {}): Node => ({
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name: 'n' },
    spec: extra,
    status: { conditions: ready ? [{ type: 'Ready', status: ready as 'True' }] : [] },
  });
  const at = '2026-01-01T00:00:00Z';
  it('Ready=False → not-ready NoSchedule + NoExecute', () => {
    expect(reconcileNodeTaints(node('False'), at)).toEqual([
      { key: 'node.kubernetes.io/not-ready', effect: 'NoSchedule', timeAdded: at },
      { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: at },
    ]);
  });
  it('Ready=Unknown → unreachable, replacing not-ready and keeping user taints', () => {
    const n = node('Unknown', {
      taints: [
        { key: 'dedicated', value: 'x', effect: 'NoSchedule' },
        { key: 'node.kubernetes.io/not-ready', effect: 'NoExecute', timeAdded: '2025-01-01T00:00:00Z' },
      ],
    });
    expect(reconcileNodeTaints(n, at)).toEqual([
      { key: 'dedicated', value: 'x', effect: 'NoSchedule' },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoSchedule', timeAdded: at },
      { key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at },
    ]);
  });
  it('Ready again removes them; unchanged nodes need no write', () => {
    const n = node('True', { taints: [{ key: 'node.kubernetes.io/unreachable', effect: 'NoExecute', timeAdded: at }] });
    expect(reconcileNodeTaints(n, at)).toEqual([]);
    expect(reconcileNodeTaints(node('True'), at)).toBeUndefined();
  });
  it('cordon adds unschedulable:NoSchedule, keeping an existing timeAdded', () => {
    expect(reconcileNodeTaints(node('True', { unschedulable: true }), at)).toEqual([
      { key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: at },
    ]);
    const cordoned = node('True', {
      unschedulable: true,
      taints: [{ key: 'node.kubernetes.io/unschedulable', effect: 'NoSchedule', timeAdded: '2025-01-01T00:00:00Z' }],
    });
    expect(reconcileNodeTaints(cordoned, at)).toBeUndefined();
  });
});

describe('deployment status', () => {
  const deployment = (replicas: number, status: Deployment['status'] = {}): Deployment => ({
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'web', namespace: 'default', generation: 2 },
    spec: {
      replicas,
      selector: { matchLabels: { app: 'web' } },
      template: { spec: { containers: [] } },
      progressDeadlineSeconds: 600,
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: '25%', maxUnavailable: '25%' } },
    },
    status,
  });
  const replicaSet = (name: string, replicas: number, ready: number, available: number): ReplicaSet => ({
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: 'default' },
    spec: { replicas, selector: {} },
    status: { replicas, readyReplicas: ready, availableReplicas: available },
  });
  const at = '2026-01-01T00:00:00Z';

  it('counts from the ReplicaSets and sets Available', () => {
    const newRs = replicaSet('web-new', 2, 1, 1);
    const s = calculateStatus(deployment(4), [replicaSet('web-old', 3, 3, 3), newRs], newRs, at);
    expect(s).toMatchObject({
      observedGeneration: 2,
      replicas: 5,
      updatedReplicas: 2,
      readyReplicas: 4,
      availableReplicas: 4,
      unavailableReplicas: 1,
    });
    expect(s.conditions?.find((c) => c.type === 'Available')).toMatchObject({
      status: 'True',
      reason: 'MinimumReplicasAvailable',
      message: 'Deployment has minimum availability.',
    });
    const low = calculateStatus(deployment(4), [replicaSet('web-new', 4, 1, 1)], undefined, at);
    expect(low.conditions?.find((c) => c.type === 'Available')).toMatchObject({
      status: 'False',
      reason: 'MinimumReplicasUnavailable',
      message: 'Deployment does not have minimum availability.',
    });
  });

  it("surfaces a ReplicaSet's ReplicaFailure as the Deployment's, and drops it when gone", () => {
    const failing = replicaSet('web-new', 2, 0, 0);
    failing.status = {
      ...(failing.status as NonNullable<ReplicaSet['status']>),
      conditions: [
        {
          type: 'ReplicaFailure',
          status: 'True',
          reason: 'FailedCreate',
          message: 'pods "x" is forbidden',
          lastTransitionTime: at,
        },
      ],
    };
    const s = calculateStatus(deployment(2), [failing], failing, at);
    expect(s.conditions?.find((c) => c.type === 'ReplicaFailure')).toMatchObject({
      status: 'True',
      reason: 'FailedCreate',
      message: 'pods "x" is forbidden',
    });
    const healed = calculateStatus(deployment(2, s), [replicaSet('web-new', 2, 2, 2)], undefined, at);
    expect(healed.conditions?.find((c) => c.type === 'ReplicaFailure')).toBeUndefined();
  });

  it('Progressing: complete → NewReplicaSetAvailable; more available → ReplicaSetUpdated; stuck past the deadline → ProgressDeadlineExceeded', () => {
    const newRs = replicaSet('web-new', 2, 2, 2);
    const done = rolloutStatus(deployment(2), [newRs], newRs, Date.parse(at), at);
    expect(done.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'True',
      reason: REASON.newRsAvailable,
      message: 'ReplicaSet "web-new" has successfully progressed.',
    });

    const before = deployment(3, { replicas: 3, updatedReplicas: 1, availableReplicas: 2, readyReplicas: 2 });
    const half = replicaSet('web-new', 2, 2, 2);
    const moving = rolloutStatus(before, [replicaSet('web-old', 1, 1, 1), half], half, Date.parse(at), at);
    expect(isProgressing(before, moving)).toBe(true);
    expect(moving.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      reason: REASON.rsUpdated,
      message: 'ReplicaSet "web-new" is progressing.',
    });

    const stuckSince = '2026-01-01T00:00:00Z';
    const stuck = deployment(3, {
      replicas: 3,
      updatedReplicas: 1,
      availableReplicas: 2,
      readyReplicas: 2,
      conditions: [
        {
          type: 'Progressing',
          status: 'True',
          reason: REASON.rsUpdated,
          message: 'x',
          lastUpdateTime: stuckSince,
          lastTransitionTime: stuckSince,
        },
      ],
    });
    const later = Date.parse(stuckSince) + 601_000;
    const rss = [replicaSet('web-old', 2, 2, 2), replicaSet('web-new', 1, 0, 0)];
    const timedOut = rolloutStatus(stuck, rss, rss[1], later, at);
    expect(timedOut.conditions?.find((c) => c.type === 'Progressing')).toMatchObject({
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message: 'ReplicaSet "web-new" has timed out progressing.',
    });
    const notYet = rolloutStatus(stuck, rss, rss[1], Date.parse(stuckSince) + 599_000, at);
    expect(notYet.conditions?.find((c) => c.type === 'Progressing')?.reason).toBe(REASON.rsUpdated);
  });
});

describe('work queue', () => {
  it('dedupes queued keys, reruns a key added while it runs, retries failures with back-off', async () => {
    const runs: string[] = [];
    let failOnce = true;
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const q = createWorkQueue({
      name: 't',
      baseDelayMs: 1,
      process: async (key) => {
        runs.push(key);
        if (key === 'slow' && runs.filter((k) => k === 'slow').length === 1) await gate;
        if (key === 'flaky' && failOnce) {
          failOnce = false;
          throw new Error('boom');
        }
      },
    });
    q.add('a');
    q.add('a');
    q.add('slow');
    await new Promise((r) => setTimeout(r, 10));
    q.add('slow'); // while running → runs again afterwards
    q.add('b');
    release();
    q.add('flaky');
    await q.idle();
    await new Promise((r) => setTimeout(r, 30));
    await q.idle();
    expect(runs.filter((k) => k === 'a')).toHaveLength(1);
    expect(runs.filter((k) => k === 'slow')).toHaveLength(2);
    expect(runs.filter((k) => k === 'flaky')).toHaveLength(2);
    expect(q.failures('flaky')).toBe(0);
    q.shutDown();
  });

  it('processes ready keys in groups inside one group call; a failing key is retried alone', async () => {
    const groups: string[][] = [];
    let current: string[] | undefined;
    let failOnce = true;
    const q = createWorkQueue({
      name: 'g',
      baseDelayMs: 1,
      groupSize: 3,
      group: (work) => {
        current = [];
        work();
        groups.push(current);
        current = undefined;
      },
      process: (key) => {
        current?.push(key);
        if (key === 'c' && failOnce) {
          failOnce = false;
          throw new Error('boom');
        }
      },
    });
    for (const key of ['a', 'b', 'c', 'd', 'e']) q.add(key);
    await q.idle();
    await new Promise((r) => setTimeout(r, 30));
    await q.idle();
    expect(groups.slice(0, 2)).toEqual([
      ['a', 'b', 'c'],
      ['d', 'e'],
    ]);
    // the retry of c ran later, on its own (a group of one runs without a group call)
    expect(groups.flat().filter((k) => k === 'c')).toHaveLength(1);
    expect(q.failures('c')).toBe(0);
    q.shutDown();
  });
});

describe('template equality (EqualIgnoreHash, semantic)', () => {
  const rsTemplate = {
    metadata: { labels: { app: 'web', 'pod-template-hash': 'abc' } },
    spec: {
      containers: [{ name: 'app', image: 'x:1', imagePullPolicy: 'IfNotPresent' as const }],
      restartPolicy: 'Always' as const,
    },
  };
  it('ignores the hash label and the null/empty fields kubectl rollout undo sends', () => {
    const fromKubectl = {
      metadata: { creationTimestamp: null, labels: { app: 'web' } },
      spec: {
        containers: [{ name: 'app', image: 'x:1', resources: {}, imagePullPolicy: 'IfNotPresent' as const }],
        restartPolicy: 'Always' as const,
      },
    };
    expect(templatesEqualIgnoringHash(rsTemplate, fromKubectl as never)).toBe(true);
  });
  it('still tells different templates apart', () => {
    const other = structuredClone(rsTemplate);
    other.spec.containers[0].image = 'x:2';
    expect(templatesEqualIgnoringHash(rsTemplate, other)).toBe(false);
    const relabelled = structuredClone(rsTemplate);
    relabelled.metadata.labels.app = 'api';
    expect(templatesEqualIgnoringHash(rsTemplate, relabelled)).toBe(false);
  });
});
