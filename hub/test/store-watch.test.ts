import { isApiError, type KubeObject } from '@peapod/core';
import { afterEach, describe, expect, it } from 'vitest';
import { NODES, PODS, pod, recorder, tempStores } from './store-helpers.js';

const temp = tempStores();
afterEach(() => temp.cleanup());

function relabel(object: KubeObject, labels: Record<string, string>): KubeObject {
  return { ...object, metadata: { ...object.metadata, labels } };
}

describe('SqliteStore watch', () => {
  it('delivers ADDED, MODIFIED and DELETED for its type, with the object at each resourceVersion', () => {
    const store = temp.open(temp.dir());
    const rec = recorder();
    const stop = store.watch(PODS, {}, rec.listener);
    const a = store.create(PODS, pod('a'));
    store.create(NODES, { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n' }, spec: {} });
    const a2 = store.update(PODS, relabel(a, { x: 'y' }));
    store.delete(PODS, 'default', 'a');
    stop();
    store.create(PODS, pod('after-stop'));
    expect(rec.summary()).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
    expect(rec.events[1].object).toEqual(a2);
    const rvs = rec.events.map((e) => Number(e.object.metadata.resourceVersion));
    expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
  });

  it('resumes from a resourceVersion, replaying only newer changes', () => {
    const store = temp.open(temp.dir());
    store.create(PODS, pod('a'));
    const listRv = store.list(PODS).resourceVersion;
    store.create(PODS, pod('b'));
    store.delete(PODS, 'default', 'a');
    const rec = recorder();
    store.watch(PODS, { resourceVersion: listRv }, rec.listener);
    expect(rec.summary()).toEqual(['ADDED b', 'DELETED a']);
    store.create(PODS, pod('c'));
    expect(rec.summary()).toEqual(['ADDED b', 'DELETED a', 'ADDED c']);
  });

  it('answers 410 Gone for a resourceVersion older than the change log retains', () => {
    const store = temp.open(temp.dir(), { changeLogMaxEvents: 5 });
    const first = store.create(PODS, pod('p0'));
    for (let i = 1; i < 10; i++) store.create(PODS, pod(`p${i}`));
    let error: unknown;
    try {
      store.watch(PODS, { resourceVersion: first.metadata.resourceVersion }, () => {});
    } catch (e) {
      error = e;
    }
    expect(isApiError(error) && error.code).toBe(410);
    expect(isApiError(error) && error.reason).toBe('Expired');
    const oldest = store.oldestResumableResourceVersion();
    expect((error as Error).message).toBe(
      `too old resource version: ${first.metadata.resourceVersion} (${Number(oldest) + 1})`,
    );
    const rec = recorder();
    store.watch(PODS, { resourceVersion: oldest }, rec.listener);
    expect(rec.events).toHaveLength(5);
  });

  it('answers 410 Gone after a restart for versions from before it', () => {
    const dir = temp.dir();
    const store = temp.open(dir);
    const a = store.create(PODS, pod('a'));
    store.close();
    const reopened = temp.open(dir);
    expect(() => reopened.watch(PODS, { resourceVersion: a.metadata.resourceVersion }, () => {})).toThrow(
      /too old resource version/,
    );
    const rec = recorder();
    reopened.watch(PODS, { resourceVersion: reopened.list(PODS).resourceVersion }, rec.listener);
    reopened.create(PODS, pod('b'));
    expect(rec.summary()).toEqual(['ADDED b']);
  });

  it('treats resourceVersion 0 or unset as "from now" and rejects garbage with 400', () => {
    const store = temp.open(temp.dir());
    store.create(PODS, pod('a'));
    const rec = recorder();
    store.watch(PODS, { resourceVersion: '0' }, rec.listener);
    expect(rec.events).toHaveLength(0);
    expect(() => store.watch(PODS, { resourceVersion: 'abc' }, () => {})).toThrow(/Invalid value: "abc"/);
  });

  it('filters by namespace and by field selector', () => {
    const store = temp.open(temp.dir());
    const inNs = recorder();
    const onNode = recorder();
    store.watch(PODS, { namespace: 'team' }, inNs.listener);
    store.watch(PODS, { fieldSelector: 'spec.nodeName=n1' }, onNode.listener);
    store.create(PODS, pod('a'));
    store.create(PODS, pod('b', { namespace: 'team' }, { nodeName: 'n1' }));
    expect(inNs.summary()).toEqual(['ADDED b']);
    expect(onNode.summary()).toEqual(['ADDED b']);
  });

  it('turns selector transitions into ADDED and DELETED like the Kubernetes watch cache', () => {
    const store = temp.open(temp.dir());
    const rec = recorder();
    store.watch(PODS, { labelSelector: 'app=web' }, rec.listener);
    let p = store.create(PODS, pod('a', { labels: { app: 'db' } })); // not matching: nothing
    p = store.update(PODS, relabel(p, { app: 'web' })); // starts matching → ADDED
    p = store.update(PODS, relabel(p, { app: 'web', v: '2' })); // still matching → MODIFIED
    const before = p;
    p = store.update(PODS, relabel(p, { app: 'db' })); // stops matching → DELETED (previous content)
    store.delete(PODS, 'default', 'a'); // not matching: nothing
    expect(rec.summary()).toEqual(['ADDED a', 'MODIFIED a', 'DELETED a']);
    const deleted = rec.events[2].object;
    expect(deleted.metadata.labels).toEqual(before.metadata.labels);
    expect(deleted.metadata.resourceVersion).toBe(p.metadata.resourceVersion);
  });

  it('resumed watches apply selector transitions to replayed history too', () => {
    const store = temp.open(temp.dir());
    const p = store.create(PODS, pod('a', { labels: { app: 'web' } }));
    store.update(PODS, relabel(p, { app: 'db' }));
    const rec = recorder();
    store.watch(PODS, { labelSelector: 'app=web', resourceVersion: p.metadata.resourceVersion }, rec.listener);
    expect(rec.summary()).toEqual(['DELETED a']);
  });

  it('delivers in resourceVersion order to every watcher even when a listener writes', () => {
    const store = temp.open(temp.dir());
    const writer = recorder();
    const observer = recorder();
    store.watch(PODS, {}, (event) => {
      writer.listener(event);
      if (event.type === 'ADDED' && event.object.metadata.name === 'a') store.create(PODS, pod('from-listener'));
    });
    store.watch(PODS, {}, observer.listener);
    store.create(PODS, pod('a'));
    expect(observer.summary()).toEqual(['ADDED a', 'ADDED from-listener']);
    expect(writer.summary()).toEqual(['ADDED a', 'ADDED from-listener']);
  });

  it('a throwing listener breaks neither the write nor the other watchers', () => {
    const store = temp.open(temp.dir());
    const rec = recorder();
    const originalError = console.error;
    console.error = () => {};
    try {
      store.watch(PODS, {}, () => {
        throw new Error('listener bug');
      });
      store.watch(PODS, {}, rec.listener);
      expect(store.create(PODS, pod('a')).metadata.name).toBe('a');
    } finally {
      console.error = originalError;
    }
    expect(rec.summary()).toEqual(['ADDED a']);
  });

  it('hands each watcher its own copy', () => {
    const store = temp.open(temp.dir());
    const one = recorder();
    const two = recorder();
    store.watch(PODS, {}, one.listener);
    store.watch(PODS, {}, two.listener);
    store.create(PODS, pod('a'));
    one.events[0].object.metadata.name = 'mutated';
    expect(two.events[0].object.metadata.name).toBe('a');
  });
});
