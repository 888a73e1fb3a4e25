import { afterEach, describe, expect, it } from 'vitest';
import { PODS, pod, recorder, tempStores } from './store-helpers.js';

const temp = tempStores();
afterEach(() => temp.cleanup());

describe('SqliteStore.batch (group commit)', () => {
  it('commits the writes of a batch once and publishes their events only after the commit', () => {
    const store = temp.open(temp.dir());
    const seen = recorder();
    store.watch(PODS, {}, seen.listener);
    const before = store.writeStats().transactions;
    const result = store.batch(() => {
      const a = store.create(PODS, pod('a'));
      store.create(PODS, pod('b'));
      store.update(PODS, { ...a, metadata: { ...a.metadata, labels: { x: '1' } } });
      // Reads inside the batch see its writes; watchers have seen nothing yet.
      expect(store.get(PODS, 'default', 'a')?.metadata.labels).toEqual({ x: '1' });
      expect(seen.events).toEqual([]);
      return 'done';
    });
    expect(result).toBe('done');
    expect(seen.summary()).toEqual(['ADDED a', 'ADDED b', 'MODIFIED a']);
    const rvs = seen.events.map((e) => Number(e.object.metadata.resourceVersion));
    expect(rvs).toEqual([...rvs].sort((x, y) => x - y));
    expect(store.writeStats().transactions).toBe(before + 1);
  });

  it('keeps what a failing batch wrote before it threw, publishes it, and rethrows', () => {
    const dir = temp.dir();
    const store = temp.open(dir);
    const seen = recorder();
    store.watch(PODS, {}, seen.listener);
    expect(() =>
      store.batch(() => {
        store.create(PODS, pod('a'));
        store.create(PODS, pod('a')); // AlreadyExists: this write alone fails
      }),
    ).toThrow(/already exists/);
    expect(seen.summary()).toEqual(['ADDED a']);
    store.close();
    expect(temp.open(dir).get(PODS, 'default', 'a')?.metadata.name).toBe('a');
  });

  it('joins a nested batch to the outer one', () => {
    const store = temp.open(temp.dir());
    const seen = recorder();
    store.watch(PODS, {}, seen.listener);
    store.batch(() => {
      store.create(PODS, pod('a'));
      store.batch(() => store.create(PODS, pod('b')));
      expect(seen.events).toEqual([]);
    });
    expect(seen.summary()).toEqual(['ADDED a', 'ADDED b']);
  });

  it('is durable: a reopened store has every write of a committed batch', () => {
    const dir = temp.dir();
    const store = temp.open(dir);
    const created = store.batch(() => [store.create(PODS, pod('a')), store.create(PODS, pod('b'))]);
    store.close();
    const reopened = temp.open(dir);
    for (const object of created) {
      const stored = reopened.get(PODS, 'default', object.metadata.name as string);
      expect(stored?.metadata.uid).toBe(object.metadata.uid);
      expect(stored?.metadata.resourceVersion).toBe(object.metadata.resourceVersion);
    }
  });

  it('lets listeners write while the batch is published: their writes commit on their own, in order', () => {
    const store = temp.open(temp.dir());
    const seen = recorder();
    store.watch(PODS, {}, (event) => {
      if (event.type === 'ADDED' && event.object.metadata.name === 'a') store.create(PODS, pod('from-listener'));
    });
    store.watch(PODS, {}, seen.listener);
    store.batch(() => {
      store.create(PODS, pod('a'));
      store.create(PODS, pod('b'));
    });
    expect(seen.summary()).toEqual(['ADDED a', 'ADDED b', 'ADDED from-listener']);
  });

  it('resumes a watch across a batch from the change log', () => {
    const store = temp.open(temp.dir());
    const from = store.currentResourceVersion();
    store.batch(() => {
      store.create(PODS, pod('a'));
      store.create(PODS, pod('b'));
    });
    const seen = recorder();
    store.watch(PODS, { resourceVersion: from }, seen.listener);
    expect(seen.summary()).toEqual(['ADDED a', 'ADDED b']);
  });
});
