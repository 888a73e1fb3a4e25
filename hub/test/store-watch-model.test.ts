import type { KubeObject } from '@peapod/core';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import type { WatchEvent } from '../src/store/types.js';
import { PODS, pod, tempStores } from './store-helpers.js';

const temp = tempStores();
afterEach(() => temp.cleanup());

type Op =
  | { kind: 'create'; name: string; app: string; namespace: string }
  | { kind: 'relabel'; name: string; app: string }
  | { kind: 'bind'; name: string }
  | { kind: 'delete'; name: string }
  | { kind: 'checkpoint' };

const names = fc.constantFrom('a', 'b', 'c', 'd');
const apps = fc.constantFrom('web', 'db');
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('create' as const),
    name: names,
    app: apps,
    namespace: fc.constantFrom('default', 'team'),
  }),
  fc.record({ kind: fc.constant('relabel' as const), name: names, app: apps }),
  fc.record({ kind: fc.constant('bind' as const), name: names }),
  fc.record({ kind: fc.constant('delete' as const), name: names }),
  fc.constant({ kind: 'checkpoint' as const }),
);

/** Applies watch events to a map the way an informer does. */
function apply(cache: Map<string, KubeObject>, event: WatchEvent): void {
  const key = `${event.object.metadata.namespace}/${event.object.metadata.name}`;
  if (event.type === 'DELETED') cache.delete(key);
  else cache.set(key, event.object);
}

function asMap(items: KubeObject[]): Map<string, KubeObject> {
  return new Map(items.map((o) => [`${o.metadata.namespace}/${o.metadata.name}`, o]));
}

const SELECTIONS = [
  {},
  { labelSelector: 'app=web' },
  { fieldSelector: 'spec.nodeName=n1' },
  { namespace: 'team', labelSelector: 'app!=web' },
];

describe('watch against list (model check)', () => {
  it('list + watch from its resourceVersion always reproduces a later list, for any selector', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const store = temp.open(temp.dir(), { changeLogMaxEvents: 1000 });
        try {
          // informers started at the beginning, and at every checkpoint (resumed from a list rv)
          const informers: { selection: (typeof SELECTIONS)[number]; cache: Map<string, KubeObject> }[] = [];
          const startInformers = () => {
            for (const selection of SELECTIONS) {
              const listed = store.list(PODS, selection);
              const cache = asMap(listed.items);
              store.watch(PODS, { ...selection, resourceVersion: listed.resourceVersion }, (e) => apply(cache, e));
              informers.push({ selection, cache });
            }
          };
          startInformers();
          for (const o of ops) {
            const namespace = o.kind === 'create' ? o.namespace : undefined;
            const existing = store.list(PODS).items.find((p) => p.metadata.name === (o as { name?: string }).name);
            try {
              if (o.kind === 'checkpoint') startInformers();
              else if (o.kind === 'create') store.create(PODS, pod(o.name, { namespace, labels: { app: o.app } }));
              else if (!existing) continue;
              else if (o.kind === 'relabel') {
                store.update(PODS, { ...existing, metadata: { ...existing.metadata, labels: { app: o.app } } });
              } else if (o.kind === 'bind') {
                store.update(PODS, {
                  ...existing,
                  spec: { ...existing.spec, nodeName: existing.spec.nodeName ? '' : 'n1' },
                });
              } else store.delete(PODS, existing.metadata.namespace, existing.metadata.name as string);
            } catch (error) {
              if ((error as { code?: number }).code !== 409) throw error; // duplicate create
            }
          }
          for (const { selection, cache } of informers) {
            expect(cache, JSON.stringify(selection)).toEqual(asMap(store.list(PODS, selection).items));
          }
        } finally {
          store.close();
        }
      }),
      { numRuns: 60 },
    );
  });
});
