import { topics } from '@peapod/core';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureDefaultNamespaces } from '../src/api/namespaces.js';
import { createResourceService, type LocalResourceService } from '../src/api/service.js';
import type { MessageBus } from '../src/mqtt/bus.js';
import { DesiredStatePublisher } from '../src/mqtt/desired-state.js';
import { PODS, pod, tempStores } from './store-helpers.js';

const temp = tempStores();
const services: LocalResourceService[] = [];
afterEach(() => {
  for (const service of services.splice(0)) service.close();
  temp.cleanup();
});

const silent = { debug() {}, info() {}, warn() {}, error() {} };

/** A bus whose publishes complete a turn later (like a broker writing to a socket), or fail. */
function recordingBus(fails: (topic: string) => boolean = () => false) {
  const issued: string[] = [];
  const completed: string[] = [];
  let inFlight = 0;
  let maxInFlight = 0;
  const bus: MessageBus = {
    publish(topic) {
      issued.push(topic);
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      return new Promise((resolve, reject) =>
        setImmediate(() => {
          inFlight--;
          if (fails(topic)) return reject(new Error('broker refused'));
          completed.push(topic);
          resolve();
        }),
      );
    },
    subscribe: async () => {},
    close: async () => {},
  };
  return { bus, issued, completed, maxInFlight: () => maxInFlight };
}

function setup(bus: MessageBus) {
  const store = temp.open(temp.dir());
  const service = createResourceService(store);
  services.push(service);
  ensureDefaultNamespaces(service);
  return { store, service, publisher: new DesiredStatePublisher(bus, service, silent as never) };
}

describe('desired state flush', () => {
  it('hands all pod messages of a flush to the broker together, and each index only after its pods are in', async () => {
    const rec = recordingBus();
    const { store, service, publisher } = setup(rec.bus);
    await publisher.start();
    rec.issued.length = 0;
    rec.completed.length = 0;
    const uids: Record<string, string[]> = { n1: [], n2: [] };
    // One commit: all 20 pods reach the publisher in one flush.
    store.batch(() => {
      for (let i = 0; i < 20; i++) {
        const node = i % 2 ? 'n2' : 'n1';
        uids[node].push(service.create(PODS, 'default', pod(`p${i}`, {}, { nodeName: node })).metadata.uid!);
      }
    });
    await publisher.idle();
    await publisher.stop();
    expect(rec.maxInFlight()).toBeGreaterThanOrEqual(20);
    for (const node of ['n1', 'n2']) {
      const index = rec.issued.indexOf(topics.desiredIndex(node));
      expect(index).toBeGreaterThan(-1);
      for (const uid of uids[node]) {
        // Issued before the index, and already completed when the index was issued.
        expect(rec.issued.indexOf(topics.desiredPod(node, uid))).toBeLessThan(index);
        expect(rec.completed).toContain(topics.desiredPod(node, uid));
      }
      expect(rec.completed.indexOf(topics.desiredIndex(node))).toBeGreaterThan(
        Math.max(...uids[node].map((uid) => rec.completed.indexOf(topics.desiredPod(node, uid)))),
      );
    }
  });

  it('gathers the changes of many turns into the next flush while the broker takes one', async () => {
    const rec = recordingBus();
    const { service, publisher } = setup(rec.bus);
    await publisher.start();
    rec.issued.length = 0;
    // Ten pods, one per event-loop turn, while publishes take a turn each to complete.
    for (let i = 0; i < 10; i++) {
      service.create(PODS, 'default', pod(`p${i}`, {}, { nodeName: 'n1' }));
      await new Promise((r) => setImmediate(r));
    }
    await publisher.idle();
    await publisher.stop();
    expect(rec.issued.filter((t) => t.startsWith(topics.desiredPod('n1', '')))).toHaveLength(10);
    // One flush per turn would publish ten indexes; queued flushes take what is dirty when they run.
    expect(rec.issued.filter((t) => t === topics.desiredIndex('n1')).length).toBeLessThan(10);
  });

  it('publishes no index naming a pod message the broker refused', async () => {
    let refuse = '';
    const rec = recordingBus((topic) => topic === refuse);
    const { service, publisher } = setup(rec.bus);
    await publisher.start();
    const bad = service.create(PODS, 'default', pod('bad', {}, { nodeName: 'n1' })).metadata.uid!;
    refuse = topics.desiredPod('n1', bad);
    rec.issued.length = 0;
    await publisher.idle();
    await publisher.stop();
    expect(rec.issued).toEqual([refuse]);
  });
});
