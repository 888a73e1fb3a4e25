import type { KubeObject } from '@peapod/core';
import { decodePodEventsReport } from '@peapod/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDefaultNamespaces } from '../src/api/namespaces.js';
import { createResourceService, type LocalResourceService } from '../src/api/service.js';
import { createLogger } from '../src/log.js';
import { PodEventWriter } from '../src/mqtt/pod-events.js';
import { PODS, tempStores } from './store-helpers.js';

const temp = tempStores();
const opened: LocalResourceService[] = [];
afterEach(() => {
  for (const s of opened.splice(0)) s.close();
  temp.cleanup();
});

const EVENTS = {
  group: '',
  version: 'v1',
  kind: 'Event',
  plural: 'events',
  singular: 'event',
  namespaced: true,
  shortNames: [],
  categories: [],
  subresources: [],
  verbs: [],
};

describe('pod events from agents', () => {
  it('records a node’s events about its own pods as kubelet events, and nothing about other nodes’ pods', () => {
    const service = createResourceService(temp.open(temp.dir()));
    opened.push(service);
    ensureDefaultNamespaces(service);
    const pod = service.create(PODS, 'default', {
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: 'web', namespace: 'default' },
      spec: { nodeName: 'pi-1', containers: [{ name: 'c', image: 'x' }] },
    } as KubeObject);
    const writer = new PodEventWriter(service, () => Date.parse('2026-11-27T12:00:00Z'), createLogger('silent'));
    const report = (uid: string) =>
      decodePodEventsReport(
        JSON.stringify({
          v: 1,
          events: [
            {
              namespace: 'default',
              name: 'web',
              uid,
              type: 'Warning',
              reason: 'BackOff',
              message: 'Back-off restarting failed container c',
            },
          ],
        }),
      );

    writer.handle('pi-2', report(pod.metadata.uid as string)); // not its pod
    writer.handle('pi-1', report('stale-uid')); // an older pod of the same name
    expect(service.list(EVENTS, { namespace: 'default' }).items.filter((e) => e.reason === 'BackOff')).toEqual([]);

    writer.handle('pi-1', report(pod.metadata.uid as string));
    writer.handle('pi-1', report(pod.metadata.uid as string));
    const [event] = service
      .list(EVENTS, { namespace: 'default' })
      .items.filter((e) => e.reason === 'BackOff') as (KubeObject & Record<string, unknown>)[];
    expect(event).toMatchObject({
      type: 'Warning',
      message: 'Back-off restarting failed container c',
      source: { component: 'kubelet', host: 'pi-1' },
      involvedObject: { kind: 'Pod', name: 'web', uid: pod.metadata.uid },
      count: 2,
    });
  });

  it('refuses malformed or oversized event reports', () => {
    expect(() =>
      decodePodEventsReport(
        '{"v":1,"events":[{"namespace":"d","name":"n","uid":"u","type":"Bad","reason":"r","message":"m"}]}',
      ),
    ).toThrow(/Normal or Warning/);
    const many = Array.from({ length: 101 }, () => ({
      namespace: 'd',
      name: 'n',
      uid: 'u',
      type: 'Normal',
      reason: 'r',
      message: 'm',
    }));
    expect(() => decodePodEventsReport(JSON.stringify({ v: 1, events: many }))).toThrow(/at most 100/);
  });
});
