import { topics } from '@peapod/core';
import { describe, expect, it } from 'vitest';
import { mayPublish, maySubscribe } from '../src/mqtt/acl.js';
import { topicMatches } from '../src/mqtt/bus.js';
import { desiredHash, desiredPodOf } from '../src/mqtt/desired-state.js';
import { markConditionsUnknown, stampConditions } from '../src/mqtt/node-status.js';
import { mergePodStatus, toHubTime } from '../src/mqtt/pod-status.js';

describe('hub time for device-reported pod status', () => {
  it('shifts every timestamp by the measured clock offset', () => {
    const status = {
      phase: 'Running' as const,
      startTime: '2026-01-01T00:00:00Z',
      conditions: [{ type: 'Ready', status: 'True' as const, lastTransitionTime: '2026-01-01T00:00:05Z' }],
      containerStatuses: [
        {
          name: 'c',
          ready: true,
          restartCount: 1,
          image: 'i',
          imageID: 'i',
          state: { running: { startedAt: '2026-01-01T00:00:10Z' } },
          lastState: {
            terminated: { exitCode: 1, startedAt: '2026-01-01T00:00:01Z', finishedAt: '2026-01-01T00:00:02Z' },
          },
        },
      ],
    };
    const shifted = toHubTime(status, 3_600_000); // device clock one hour behind
    expect(shifted.startTime).toBe('2026-01-01T01:00:00Z');
    expect(shifted.conditions![0].lastTransitionTime).toBe('2026-01-01T01:00:05Z');
    expect(shifted.containerStatuses![0].state!.running!.startedAt).toBe('2026-01-01T01:00:10Z');
    expect(shifted.containerStatuses![0].lastState!.terminated!.finishedAt).toBe('2026-01-01T01:00:02Z');
    expect(status.startTime).toBe('2026-01-01T00:00:00Z'); // input untouched
    expect(toHubTime(status, 500)).toBe(status); // within tolerance: unchanged
  });

  it('keeps hub-owned conditions and terminal phases', () => {
    const merged = mergePodStatus(
      {
        phase: 'Succeeded',
        qosClass: 'BestEffort',
        conditions: [
          { type: 'PodScheduled', status: 'True' },
          { type: 'Ready', status: 'True' },
        ],
      },
      { phase: 'Running', conditions: [{ type: 'Ready', status: 'False' }] },
    );
    expect(merged.phase).toBe('Succeeded');
    expect(merged.qosClass).toBe('BestEffort');
    expect(merged.conditions).toEqual([
      { type: 'Ready', status: 'False' },
      { type: 'PodScheduled', status: 'True' },
    ]);
  });
});

describe('node conditions on the hub', () => {
  it('stamps heartbeat and transition times with hub time', () => {
    const first = stampConditions(
      undefined,
      [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok' }],
      '2026-01-01T00:00:00Z',
    );
    const second = stampConditions(
      first,
      [{ type: 'Ready', status: 'True', reason: 'KubeletReady', message: 'ok' }],
      '2026-01-01T00:00:10Z',
    );
    expect(second[0]).toMatchObject({
      lastHeartbeatTime: '2026-01-01T00:00:10Z',
      lastTransitionTime: '2026-01-01T00:00:00Z',
    });
    const unknown = markConditionsUnknown(second, '2026-01-01T00:01:00Z');
    expect(unknown[0]).toMatchObject({
      status: 'Unknown',
      reason: 'NodeStatusUnknown',
      message: 'Kubelet stopped posting node status.',
      lastHeartbeatTime: '2026-01-01T00:00:10Z',
      lastTransitionTime: '2026-01-01T00:01:00Z',
    });
  });
});

describe('topic authorization', () => {
  const a = { kind: 'node' as const, node: 'a' };
  it('grants a node only its own subtree, the right way round', () => {
    expect(maySubscribe(a, topics.desiredAll('a'))).toBe(true);
    expect(maySubscribe(a, topics.requests('a'))).toBe(true);
    expect(maySubscribe(a, topics.desiredAll('b'))).toBe(false);
    expect(maySubscribe(a, 'peapod/v1/+/desired/#')).toBe(false);
    expect(maySubscribe(a, topics.podStatus('a'))).toBe(false);
    expect(maySubscribe(a, 'peapod/v1/fleet/services')).toBe(true);
    expect(maySubscribe(a, 'peapod/v1/fleet/#')).toBe(false);
    expect(mayPublish(a, 'peapod/v1/fleet/services')).toBe(false);
    expect(mayPublish(a, topics.podStatus('a'))).toBe(true);
    expect(mayPublish(a, topics.lease('a'))).toBe(true);
    expect(mayPublish(a, topics.lease('b'))).toBe(false);
    expect(mayPublish(a, topics.response('a', 'r1'))).toBe(true);
    expect(mayPublish(a, `${topics.nodeRoot('a')}/responses/r1/extra`)).toBe(false);
    expect(mayPublish(a, topics.podStatus('b'))).toBe(false);
    expect(mayPublish(a, topics.desiredIndex('a'))).toBe(false);
    expect(mayPublish({ kind: 'join', clientId: 'join-1' }, topics.joinRequest('join-2'))).toBe(false);
  });

  it('matches MQTT wildcards', () => {
    expect(topicMatches('peapod/v1/+/status/#', 'peapod/v1/node.a/status/pods')).toBe(true);
    expect(topicMatches('peapod/v1/+/status/#', 'peapod/v1/node.a/desired/index')).toBe(false);
    expect(topicMatches('a/+', 'a/b/c')).toBe(false);
  });
});

describe('desired pod versions', () => {
  it('ignore status and resourceVersion, follow spec and deletion', () => {
    const pod = {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'p', namespace: 'default', uid: 'u', resourceVersion: '5' },
      spec: { containers: [{ name: 'c', image: 'i' }] },
      status: { phase: 'Running' },
    };
    const base = desiredHash(desiredPodOf(pod));
    expect(desiredPodOf(pod)).not.toHaveProperty('status');
    expect(desiredHash(desiredPodOf({ ...pod, metadata: { ...pod.metadata, resourceVersion: '9' }, status: {} }))).toBe(
      base,
    );
    expect(
      desiredHash(desiredPodOf({ ...pod, metadata: { ...pod.metadata, deletionTimestamp: '2026-01-01T00:00:00Z' } })),
    ).not.toBe(base);
    expect(desiredHash(desiredPodOf({ ...pod, spec: { containers: [{ name: 'c', image: 'j' }] } }))).not.toBe(base);
  });
});
