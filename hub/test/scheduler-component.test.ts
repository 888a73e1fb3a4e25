import type { Event, KubeObject, Pod, ReplicaSet } from '@peapod/core';
import { afterEach, describe, expect, it } from 'vitest';
import { EVENTS, NODES, PODS, REPLICASETS } from '../src/controllers/objects.js';
import { createReplicaSetController } from '../src/controllers/replicaset.js';
import { createSchedulerComponent } from '../src/scheduler/scheduler.js';
import { readyNode, startTestHub, type TestHub, waitFor } from './controllers-harness.js';

let hub: TestHub | undefined;
afterEach(async () => {
  await hub?.stop();
  hub = undefined;
});

function pod(name: string, memory?: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default' },
    spec: {
      containers: [
        {
          name: 'app',
          image: 'localhost/edge-test/busybox:1',
          ...(memory ? { resources: { requests: { memory } } } : {}),
        },
      ],
    },
  };
}

const getPod = (h: TestHub, name: string) => h.service.get(PODS, 'default', name) as Pod;
const eventsFor = (h: TestHub, name: string) =>
  (h.service.list(EVENTS, { namespace: 'default' }).items as Event[]).filter((e) => e.involvedObject.name === name);

function smallNode(name: string) {
  const n = readyNode(name);
  n.status = { ...n.status, allocatable: { cpu: '4', memory: '1Gi' }, capacity: { cpu: '4', memory: '1Gi' } };
  return n;
}

describe('scheduler component (real store)', () => {
  it('binds a pod, sets PodScheduled=True and records Scheduled', async () => {
    hub = await startTestHub([createSchedulerComponent()]);
    const h = hub;
    h.service.create(NODES, undefined, readyNode('node-a'));
    h.service.create(PODS, 'default', pod('web'));
    const bound = await waitFor(() => {
      const p = getPod(h, 'web');
      return (
        p.spec.nodeName && p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'True') && p
      );
    }, 'binding');
    expect(bound.spec.nodeName).toBe('node-a');
    const [event] = eventsFor(h, 'web');
    expect(event).toMatchObject({
      type: 'Normal',
      reason: 'Scheduled',
      message: 'Successfully assigned default/web to node-a',
      source: { component: 'default-scheduler' },
      count: 1,
    });
  });

  it('leaves an unfittable pod Pending with the Kubernetes message, and places it once a node fits', async () => {
    hub = await startTestHub([createSchedulerComponent()]);
    const h = hub;
    h.service.create(
      NODES,
      undefined,
      readyNode('node-a', { taints: [{ key: 'dedicated', value: 'gpu', effect: 'NoSchedule' }] }),
    );
    h.service.create(NODES, undefined, smallNode('node-b'));
    h.service.create(NODES, undefined, smallNode('node-c'));
    h.service.create(PODS, 'default', pod('big', '2Gi'));
    const message = '0/3 nodes are available: 1 node(s) had untolerated taint(s), 2 Insufficient memory.';
    const pending = await waitFor(() => {
      const p = getPod(h, 'big');
      return p.status?.conditions?.some((c) => c.type === 'PodScheduled' && c.status === 'False') && p;
    }, 'Unschedulable condition');
    expect(pending.status?.phase).toBe('Pending');
    expect(pending.spec.nodeName).toBeUndefined();
    expect(pending.status?.conditions?.find((c) => c.type === 'PodScheduled')).toMatchObject({
      status: 'False',
      reason: 'Unschedulable',
      message,
    });
    const failed = await waitFor(() => eventsFor(h, 'big').find((e) => e.reason === 'FailedScheduling'), 'event');
    expect(failed).toMatchObject({ type: 'Warning', message, source: { component: 'default-scheduler' } });

    // A node that fits joins: the parked pod is retried and placed there.
    h.service.create(NODES, undefined, readyNode('node-d'));
    await waitFor(() => getPod(h, 'big').spec.nodeName === 'node-d', 'placed on the new node');
    await waitFor(
      () => getPod(h, 'big').status?.conditions?.find((c) => c.type === 'PodScheduled')?.status === 'True',
      'PodScheduled True',
    );
  });

  it('retries a parked pod when another pod frees room', async () => {
    hub = await startTestHub([createSchedulerComponent()]);
    const h = hub;
    h.service.create(NODES, undefined, smallNode('node-a'));
    h.service.create(PODS, 'default', pod('first', '800Mi'));
    await waitFor(() => getPod(h, 'first').spec.nodeName, 'first bound');
    h.service.create(PODS, 'default', pod('second', '800Mi'));
    await waitFor(
      () => getPod(h, 'second').status?.conditions?.find((c) => c.type === 'PodScheduled')?.message,
      'second parked',
    );
    expect(getPod(h, 'second').status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toBe(
      '0/1 nodes are available: 1 Insufficient memory.',
    );
    h.service.delete(PODS, 'default', 'first', { gracePeriodSeconds: 0 });
    await waitFor(() => getPod(h, 'second').spec.nodeName === 'node-a', 'second placed after first left');
  });

  it("spreads a ReplicaSet's replicas over the nodes", async () => {
    hub = await startTestHub([createSchedulerComponent(), createReplicaSetController()]);
    const h = hub;
    for (const n of ['node-a', 'node-b', 'node-c']) h.service.create(NODES, undefined, readyNode(n));
    const rs: ReplicaSet = {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'web', namespace: 'default' },
      spec: {
        replicas: 3,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'x:1' }] } },
      },
    };
    h.service.create(REPLICASETS, 'default', rs);
    const pods = await waitFor(() => {
      const p = h.service.list(PODS, { namespace: 'default' }).items as Pod[];
      return p.length === 3 && p.every((x) => x.spec.nodeName) && p;
    }, 'three bound pods');
    expect(pods.map((p) => p.spec.nodeName).sort()).toEqual(['node-a', 'node-b', 'node-c']);
  });

  it('does not place pods on cordoned or NotReady nodes', async () => {
    hub = await startTestHub([createSchedulerComponent()]);
    const h = hub;
    h.service.create(NODES, undefined, readyNode('cordoned', { unschedulable: true }));
    const notReady = readyNode('sick');
    notReady.status.conditions[0].status = 'False';
    h.service.create(NODES, undefined, notReady);
    h.service.create(PODS, 'default', pod('p'));
    await waitFor(() => getPod(h, 'p').status?.conditions?.find((c) => c.type === 'PodScheduled')?.message, 'parked');
    expect(getPod(h, 'p').status?.conditions?.find((c) => c.type === 'PodScheduled')?.message).toBe(
      '0/2 nodes are available: 1 node(s) had untolerated taint(s), 1 node(s) were unschedulable.',
    );
    h.service.mutate(NODES, undefined, 'cordoned', (n) => {
      delete n.spec.unschedulable;
      return n;
    });
    await waitFor(() => getPod(h, 'p').spec.nodeName === 'cordoned', 'placed after uncordon');
  });
});
