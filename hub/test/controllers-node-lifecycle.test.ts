import type { Event, KubeObject, Node, Pod, ReplicaSet } from '@peapod/core';
import { afterEach, describe, expect, it } from 'vitest';
import { createNodeLifecycleController } from '../src/controllers/node-lifecycle.js';
import { EVENTS, NODES, PODS, REPLICASETS, rfc3339 } from '../src/controllers/objects.js';
import { createReplicaSetController } from '../src/controllers/replicaset.js';
import { createSchedulerComponent } from '../src/scheduler/scheduler.js';
import {
  readyNode,
  type SimulatedAgent,
  setNodeReady,
  simulateAgent,
  startTestHub,
  type TestHub,
  waitFor,
} from './controllers-harness.js';

let hub: TestHub | undefined;
const agents: SimulatedAgent[] = [];
afterEach(async () => {
  for (const a of agents.splice(0)) a.stop();
  await hub?.stop();
  hub = undefined;
});

const getNode = (h: TestHub, name: string) => h.service.get(NODES, undefined, name) as Node;
const taintKeys = (n: Node) => (n.spec.taints ?? []).map((t) => `${t.key}:${t.effect}`).sort();

function boundPod(name: string, nodeName: string, tolerations: Pod['spec']['tolerations'] = []): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: { nodeName, tolerations, containers: [{ name: 'app', image: 'localhost/edge-test/busybox:1' }] },
  };
}

describe('node lifecycle (real store)', () => {
  it('taints unreachable / not-ready nodes from the Ready condition and cordoned ones, and lifts the taints again', async () => {
    hub = await startTestHub([createNodeLifecycleController()]);
    const h = hub;
    h.service.create(NODES, undefined, readyNode('n1'));
    setNodeReady(h.service, 'n1', 'Unknown');
    await waitFor(() => taintKeys(getNode(h, 'n1')).length === 2, 'unreachable taints');
    expect(taintKeys(getNode(h, 'n1'))).toEqual([
      'node.kubernetes.io/unreachable:NoExecute',
      'node.kubernetes.io/unreachable:NoSchedule',
    ]);
    expect(getNode(h, 'n1').spec.taints?.every((t) => typeof t.timeAdded === 'string')).toBe(true);

    setNodeReady(h.service, 'n1', 'False');
    await waitFor(
      () => taintKeys(getNode(h, 'n1'))[0] === 'node.kubernetes.io/not-ready:NoExecute',
      'not-ready taints',
    );
    expect(taintKeys(getNode(h, 'n1'))).toEqual([
      'node.kubernetes.io/not-ready:NoExecute',
      'node.kubernetes.io/not-ready:NoSchedule',
    ]);

    setNodeReady(h.service, 'n1', 'True');
    await waitFor(() => taintKeys(getNode(h, 'n1')).length === 0, 'taints lifted');

    h.service.mutate(NODES, undefined, 'n1', (n) => {
      n.spec.unschedulable = true;
      n.spec.taints = [{ key: 'team', value: 'a', effect: 'NoSchedule' }];
      return n;
    });
    await waitFor(
      () => taintKeys(getNode(h, 'n1')).includes('node.kubernetes.io/unschedulable:NoSchedule'),
      'cordon taint',
    );
    expect(taintKeys(getNode(h, 'n1'))).toEqual(['node.kubernetes.io/unschedulable:NoSchedule', 'team:NoSchedule']);
  });

  it('evicts per NoExecute toleration: untolerated at once, tolerationSeconds later, forever never', async () => {
    hub = await startTestHub([createNodeLifecycleController()]);
    const h = hub;
    h.service.create(NODES, undefined, readyNode('n1'));
    h.service.create(PODS, 'default', boundPod('untolerated', 'n1'));
    h.service.create(
      PODS,
      'default',
      boundPod('brief', 'n1', [{ key: 'maintenance', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 2 }]),
    );
    h.service.create(PODS, 'default', boundPod('forever', 'n1', [{ key: 'maintenance', operator: 'Exists' }]));
    h.service.mutate(NODES, undefined, 'n1', (n) => {
      n.spec.taints = [{ key: 'maintenance', effect: 'NoExecute', timeAdded: rfc3339(Date.now()) }];
      return n;
    });
    const deleting = (name: string) =>
      Boolean((h.service.get(PODS, 'default', name) as Pod).metadata.deletionTimestamp);
    await waitFor(() => deleting('untolerated'), 'untolerated evicted');
    expect(deleting('brief')).toBe(false);
    await waitFor(() => deleting('brief'), 'brief evicted after its tolerationSeconds');
    expect(deleting('forever')).toBe(false);
    const evicted = h.service.get(PODS, 'default', 'untolerated') as Pod;
    expect(evicted.status?.conditions?.find((c) => c.type === 'DisruptionTarget')).toMatchObject({
      status: 'True',
      reason: 'DeletionByTaintManager',
    });
    const events = h.service.list(EVENTS, { namespace: 'default' }).items as Event[];
    expect(events.find((e) => e.involvedObject.name === 'untolerated')).toMatchObject({
      reason: 'TaintManagerEviction',
      message: 'Marking for deletion Pod default/untolerated',
    });
  });

  it('force-deletes the pods of a deleted node after the quarantine', async () => {
    hub = await startTestHub([createNodeLifecycleController({ orphanedPodQuarantineMs: 200 })]);
    const h = hub;
    h.service.create(NODES, undefined, readyNode('gone'));
    h.service.create(NODES, undefined, readyNode('stays'));
    h.service.create(PODS, 'default', boundPod('orphan', 'gone'));
    h.service.create(PODS, 'default', boundPod('kept', 'stays'));
    h.service.delete(NODES, undefined, 'gone');
    await waitFor(() => h.service.list(PODS, { namespace: 'default' }).items.length === 1, 'orphan removed');
    expect(h.service.get(PODS, 'default', 'kept').metadata.deletionTimestamp).toBeUndefined();
  });

  it('edge twist: a disconnected node keeps its pods until the toleration ends; replacements come later; surplus goes on return', async () => {
    hub = await startTestHub([
      createSchedulerComponent(),
      createReplicaSetController(),
      createNodeLifecycleController(),
    ]);
    const h = hub;
    const agentOf = new Map<string, SimulatedAgent>();
    for (const n of ['node-a', 'node-b', 'node-c']) {
      h.service.create(NODES, undefined, readyNode(n));
      agentOf.set(n, simulateAgent(h.service, n));
    }
    agents.push(...agentOf.values());
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 2,
        selector: { matchLabels: { app: 'web' } },
        template: {
          metadata: { labels: { app: 'web' } },
          spec: {
            containers: [{ name: 'app', image: 'localhost/edge-test/busybox:1' }],
            // A short stand-in for the default 300 s.
            tolerations: [
              { key: 'node.kubernetes.io/unreachable', operator: 'Exists', effect: 'NoExecute', tolerationSeconds: 3 },
            ],
          },
        },
      },
    };
    h.service.create(REPLICASETS, 'default', rs);
    const pods = () => h.service.list(PODS, { namespace: 'default', labelSelector: 'app=web' }).items as Pod[];
    const running = await waitFor(() => {
      const p = pods();
      return p.length === 2 && p.every((x) => x.status?.phase === 'Running') && p;
    }, 'two running pods');
    const lostNode = running[0].spec.nodeName as string;
    const lost = running[0];
    const healthy = running[1];
    agentOf.get(lostNode)?.disconnect();
    setNodeReady(h.service, lostNode, 'Unknown');
    await waitFor(
      () => taintKeys(getNode(h, lostNode)).includes('node.kubernetes.io/unreachable:NoExecute'),
      'tainted',
    );
    // Within the toleration: the pod on the lost node still counts, nothing is replaced.
    expect(pods().map((p) => p.metadata.uid)).toEqual(running.map((p) => p.metadata.uid));

    // After the toleration: evicted (Terminating, still running on the device), replaced elsewhere.
    const replaced = await waitFor(() => {
      const p = pods();
      const live = p.filter((x) => !x.metadata.deletionTimestamp);
      return live.length === 2 && !live.some((x) => x.metadata.uid === lost.metadata.uid) && p;
    }, 'replacement');
    const terminating = replaced.find((p) => p.metadata.uid === lost.metadata.uid);
    expect(terminating?.metadata.deletionTimestamp).toBeDefined();
    const replacement = replaced.find((p) => !p.metadata.deletionTimestamp && p.metadata.uid !== healthy.metadata.uid);
    expect(replacement?.spec.nodeName).not.toBe(lostNode);

    // The node returns: its agent confirms the eviction; the healthy pods are untouched.
    setNodeReady(h.service, lostNode, 'True');
    agentOf.get(lostNode)?.reconnect();
    await waitFor(() => pods().length === 2, 'surplus pod gone');
    const uids = pods().map((p) => p.metadata.uid);
    expect(uids).toContain(healthy.metadata.uid);
    expect(uids).toContain(replacement?.metadata.uid);
    await waitFor(() => taintKeys(getNode(h, lostNode)).length === 0, 'taints lifted');
  });
});
