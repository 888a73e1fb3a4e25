import { isApiError, type KubeObject } from '@peapod/core';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ensureDefaultNamespaces } from '../src/api/namespaces.js';
import { createResourceService, type LocalResourceService } from '../src/api/service.js';
import type { SqliteStore } from '../src/store/sqlite.js';
import {
  DEPLOYMENTS,
  ENDPOINTS,
  NAMESPACES,
  PODS,
  pod,
  REPLICASETS,
  recorder,
  SERVICES,
  tempStores,
} from './store-helpers.js';

const temp = tempStores();
const services: LocalResourceService[] = [];
afterEach(() => {
  for (const service of services.splice(0)) service.close();
  temp.cleanup();
});

const NOW = Date.parse('2026-11-27T14:00:00Z');

function setup(dir = temp.dir()): { store: SqliteStore; service: LocalResourceService; dir: string } {
  const store = temp.open(dir, { now: () => NOW });
  const service = createResourceService(store, { now: () => NOW });
  services.push(service);
  ensureDefaultNamespaces(service);
  return { store, service, dir };
}

function apiError(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (isApiError(error)) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

function namespace(name: string): KubeObject {
  return { apiVersion: 'v1', kind: 'Namespace', metadata: { name } };
}

function replicaSet(name: string, ns = 'default'): KubeObject {
  return {
    apiVersion: 'apps/v1',
    kind: 'ReplicaSet',
    metadata: { name, namespace: ns },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: name } },
      template: { metadata: { labels: { app: name } }, spec: { containers: [{ name: 'app', image: 'x' }] } },
    },
  };
}

function ownedBy(owner: KubeObject, object: KubeObject): KubeObject {
  object.metadata.ownerReferences = [
    {
      apiVersion: owner.apiVersion,
      kind: owner.kind,
      name: owner.metadata.name as string,
      uid: owner.metadata.uid as string,
      controller: true,
      blockOwnerDeletion: true,
    },
  ];
  return object;
}

/** Lets queued namespace-termination work run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ResourceService: namespaces', () => {
  it('creates the four default namespaces, idempotently, Active and labelled', () => {
    const { service } = setup();
    ensureDefaultNamespaces(service);
    const names = service.list(NAMESPACES).items.map((n) => n.metadata.name);
    expect(names).toEqual(['default', 'kube-node-lease', 'kube-public', 'kube-system']);
    const ns = service.get(NAMESPACES, undefined, 'kube-system');
    expect(ns.status.phase).toBe('Active');
    expect(ns.metadata.labels?.['kubernetes.io/metadata.name']).toBe('kube-system');
    expect(ns.spec.finalizers).toEqual(['kubernetes']);
  });

  it('requires the namespace to exist', () => {
    const { service } = setup();
    const error = apiError(() => service.create(PODS, 'nope', pod('a', { namespace: undefined })));
    expect(error.code).toBe(404);
    expect(error.message).toBe('namespaces "nope" not found');
  });

  it('rejects a body namespace that differs from the request namespace', () => {
    const { service } = setup();
    const error = apiError(() => service.create(PODS, 'kube-system', pod('a')));
    expect(error.code).toBe(400);
    expect(error.message).toBe('the namespace of the provided object does not match the namespace sent on the request');
    expect(service.create(PODS, undefined, pod('a', { namespace: 'kube-system' })).metadata.namespace).toBe(
      'kube-system',
    );
    expect(service.create(PODS, 'kube-public', pod('b', { namespace: undefined })).metadata.namespace).toBe(
      'kube-public',
    );
  });

  it('deleting a namespace forbids new content, deletes what is in it and then removes it', async () => {
    const { service } = setup();
    service.create(NAMESPACES, undefined, namespace('team'));
    const rs = service.create(REPLICASETS, 'team', replicaSet('web', 'team'));
    service.create(PODS, 'team', ownedBy(rs, pod('unbound', { namespace: 'team' })));
    const bound = service.create(PODS, 'team', pod('bound', { namespace: 'team' }, { nodeName: 'n1' }));
    service.create(SERVICES, 'team', {
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: 'svc', namespace: 'team' },
      spec: { ports: [{ port: 80 }] },
    });

    const marked = service.delete(NAMESPACES, undefined, 'team');
    expect(marked.status.phase).toBe('Terminating');
    expect(marked.metadata.deletionTimestamp).toBe('2026-11-27T14:00:00Z');
    const forbidden = apiError(() => service.create(PODS, 'team', pod('late', { namespace: 'team' })));
    expect(forbidden.code).toBe(403);
    expect(forbidden.message).toBe(
      'pods "late" is forbidden: unable to create new content in namespace team because it is being terminated',
    );

    await settle();
    // The bound pod waits for its node; everything else is gone.
    expect(service.list(REPLICASETS, { namespace: 'team' }).items).toEqual([]);
    expect(service.list(SERVICES, { namespace: 'team' }).items).toEqual([]);
    expect(service.list(PODS, { namespace: 'team' }).items.map((p) => p.metadata.name)).toEqual(['bound']);
    expect(service.get(PODS, 'team', 'bound').metadata.deletionTimestamp).toBe('2026-11-27T14:00:30Z');
    expect(service.get(NAMESPACES, undefined, 'team').status.phase).toBe('Terminating');

    // The node confirms: the namespace goes with its last object.
    service.delete(PODS, 'team', 'bound', { gracePeriodSeconds: 0, preconditions: { uid: bound.metadata.uid } });
    await vi.waitFor(() => expect(apiError(() => service.get(NAMESPACES, undefined, 'team')).code).toBe(404));
  });

  it('a namespace with finalizers waits for them and for its content', async () => {
    const { service } = setup();
    service.create(NAMESPACES, undefined, {
      ...namespace('team'),
      metadata: { name: 'team', finalizers: ['x.io/hold'] },
    });
    service.create(PODS, 'team', pod('bound', { namespace: 'team' }, { nodeName: 'n1' }));
    service.delete(NAMESPACES, undefined, 'team');
    await settle();
    service.mutate(NAMESPACES, undefined, 'team', (ns) => ({ ...ns, metadata: { ...ns.metadata, finalizers: [] } }));
    await settle();
    expect(service.get(NAMESPACES, undefined, 'team').status.phase).toBe('Terminating'); // the pod is still there
    service.delete(PODS, 'team', 'bound', { gracePeriodSeconds: 0 });
    await vi.waitFor(() => expect(apiError(() => service.get(NAMESPACES, undefined, 'team')).code).toBe(404));
  });

  it('refuses to delete default, kube-system and kube-public', () => {
    const { service } = setup();
    const error = apiError(() => service.delete(NAMESPACES, undefined, 'default'));
    expect(error.code).toBe(403);
    expect(error.message).toBe('namespaces "default" is forbidden: this namespace may not be deleted');
  });

  it('resumes terminating namespaces after a restart', async () => {
    const first = setup();
    first.service.create(NAMESPACES, undefined, namespace('team'));
    first.service.create(PODS, 'team', pod('bound', { namespace: 'team' }, { nodeName: 'n1' }));
    first.service.delete(NAMESPACES, undefined, 'team');
    await settle();
    first.service.close();
    first.store.close();
    const second = setup(first.dir);
    second.service.delete(PODS, 'team', 'bound', { gracePeriodSeconds: 0 });
    await vi.waitFor(() => expect(second.store.get(NAMESPACES, undefined, 'team')).toBeUndefined());
  });
});

describe('ResourceService: create, update, status, mutate', () => {
  it('defaults on create and resets status to what the kind starts with', () => {
    const { service } = setup();
    const created = service.create(PODS, 'default', { ...pod('a'), status: { phase: 'Running' } });
    expect(created.spec.terminationGracePeriodSeconds).toBe(30);
    expect(created.status).toEqual({ phase: 'Pending', qosClass: 'BestEffort' });
    expect(created.metadata.generation).toBe(1);
  });

  it('fills generated names', () => {
    const { service } = setup();
    const created = service.create(PODS, 'default', { ...pod(''), metadata: { generateName: 'web-' } });
    expect(created.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('rejects a body of another kind', () => {
    const { service } = setup();
    expect(apiError(() => service.create(NAMESPACES, undefined, pod('a'))).code).toBe(400);
  });

  it('dryRun validates and fills but persists nothing', () => {
    const { service, store } = setup();
    const rec = recorder();
    service.watch(PODS, {}, rec.listener);
    const rv = store.currentResourceVersion();
    const dry = service.create(PODS, 'default', pod('a'), { dryRun: true });
    expect(dry.metadata.uid).toBeTruthy();
    expect(dry.metadata.resourceVersion).toBeUndefined();
    expect(store.get(PODS, 'default', 'a')).toBeUndefined();
    expect(store.currentResourceVersion()).toBe(rv);
    expect(rec.events).toEqual([]);
    service.create(PODS, 'default', pod('a'));
    expect(apiError(() => service.create(PODS, 'default', pod('a'), { dryRun: true })).reason).toBe('AlreadyExists');
  });

  it('update: optimistic concurrency, status kept, system fields kept', () => {
    const { service } = setup();
    const created = service.create(PODS, 'default', pod('a'));
    const running = service.updateStatus(PODS, 'default', { ...created, status: { phase: 'Running' } });
    expect(running.status.phase).toBe('Running');
    const stale = apiError(() =>
      service.update(PODS, 'default', { ...created, metadata: { ...created.metadata, labels: { a: 'b' } } }),
    );
    expect(stale.reason).toBe('Conflict');
    const updated = service.update(PODS, 'default', {
      ...running,
      metadata: { ...running.metadata, labels: { a: 'b' }, deletionTimestamp: '2030-01-01T00:00:00Z' },
      status: { phase: 'Failed' },
    });
    expect(updated.metadata.labels).toEqual({ a: 'b' });
    expect(updated.status.phase).toBe('Running');
    expect(updated.metadata.deletionTimestamp).toBeUndefined();
    expect(updated.metadata.uid).toBe(created.metadata.uid);
    const otherUid = apiError(() =>
      service.update(PODS, 'default', { ...updated, metadata: { ...updated.metadata, uid: 'x' } }),
    );
    expect(otherUid.code).toBe(409);
    expect(otherUid.message).toMatch(/Precondition failed: UID in precondition: x, UID in object meta: /);
  });

  it('dryRun update validates but writes nothing; updateStatus of a missing object is NotFound', () => {
    const { service, store } = setup();
    const created = service.create(PODS, 'default', pod('a'));
    const rv = store.currentResourceVersion();
    const dry = service.update(
      PODS,
      'default',
      { ...created, metadata: { ...created.metadata, labels: { x: 'y' } } },
      { dryRun: true },
    );
    expect(dry.metadata.labels).toEqual({ x: 'y' });
    expect(store.currentResourceVersion()).toBe(rv);
    expect(service.get(PODS, 'default', 'a').metadata.labels).toBeUndefined();
    expect(apiError(() => service.updateStatus(PODS, 'default', pod('missing'))).message).toBe(
      'pods "missing" not found',
    );
  });

  it('update of a missing object is NotFound, except kinds created on update', () => {
    const { service } = setup();
    expect(apiError(() => service.update(PODS, 'default', pod('missing'))).message).toBe('pods "missing" not found');
    const ep = service.update(ENDPOINTS, 'default', {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'svc' },
    });
    expect(ep.metadata.uid).toBeTruthy();
  });

  it('mutate writes the changed copy, skips no-op writes and retries on Conflict', () => {
    const { service, store } = setup();
    service.create(DEPLOYMENTS, 'default', {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: { name: 'web' },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: 'web' } },
        template: { metadata: { labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'x' }] } },
      },
    });
    const rv = store.currentResourceVersion();
    const same = service.mutate(DEPLOYMENTS, 'default', 'web', (d) => d);
    expect(store.currentResourceVersion()).toBe(rv);
    expect(same.metadata.resourceVersion).toBe(rv);

    let attempts = 0;
    const scaled = service.mutate(DEPLOYMENTS, 'default', 'web', (d) => {
      attempts++;
      if (attempts === 1) {
        // someone else writes between our read and our write
        service.mutate(DEPLOYMENTS, 'default', 'web', (other) => {
          other.metadata.labels = { touched: 'yes' };
          return other;
        });
      }
      d.spec.replicas = 3;
      return d;
    });
    expect(attempts).toBe(2);
    expect(scaled.spec.replicas).toBe(3);
    expect(scaled.metadata.labels).toEqual({ touched: 'yes' });
    expect(scaled.metadata.generation).toBe(2);

    const status = service.mutate(
      DEPLOYMENTS,
      'default',
      'web',
      (d) => {
        d.status = { observedGeneration: 2, replicas: 3 };
        d.spec.replicas = 99; // ignored: status writes take only status
        return d;
      },
      { status: true },
    );
    expect(status.status.replicas).toBe(3);
    expect(status.spec.replicas).toBe(3);
  });

  it('mutate does not retry when the caller pinned a resourceVersion', () => {
    const { service } = setup();
    const created = service.create(PODS, 'default', pod('a'));
    service.mutate(PODS, 'default', 'a', (p) => ({ ...p, metadata: { ...p.metadata, labels: { v: '1' } } }));
    let attempts = 0;
    const error = apiError(() =>
      service.mutate(PODS, 'default', 'a', (p) => {
        attempts++;
        return {
          ...p,
          metadata: { ...p.metadata, labels: { v: '2' }, resourceVersion: created.metadata.resourceVersion },
        };
      }),
    );
    expect(error.reason).toBe('Conflict');
    expect(attempts).toBe(1);
  });

  it('watch through the service sees the writes', () => {
    const { service } = setup();
    const rec = recorder();
    service.watch(PODS, { namespace: 'default' }, rec.listener);
    service.create(PODS, 'default', pod('a'));
    service.delete(PODS, 'default', 'a');
    expect(rec.summary()).toEqual(['ADDED a', 'DELETED a']);
  });
});

describe('ResourceService: deletion', () => {
  it('removes unbound pods at once', () => {
    const { service } = setup();
    service.create(PODS, 'default', pod('a'));
    const deleted = service.delete(PODS, 'default', 'a');
    expect(deleted.metadata.deletionTimestamp).toBeUndefined();
    expect(apiError(() => service.get(PODS, 'default', 'a')).code).toBe(404);
  });

  it('gives bound pods a grace period until their node confirms with grace 0', () => {
    const { service } = setup();
    service.create(PODS, 'default', pod('a', {}, { nodeName: 'n1' }));
    const marked = service.delete(PODS, 'default', 'a');
    expect(marked.metadata.deletionTimestamp).toBe('2026-11-27T14:00:30Z');
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(30);
    expect(marked.metadata.generation).toBe(2); // the start of deletion bumps it, once
    expect(service.get(PODS, 'default', 'a').metadata.deletionTimestamp).toBe('2026-11-27T14:00:30Z');
    // Deleting again with the same or a longer grace changes nothing.
    expect(service.delete(PODS, 'default', 'a', { gracePeriodSeconds: 60 })).toEqual(marked);
    // A shorter one shortens it.
    const shorter = service.delete(PODS, 'default', 'a', { gracePeriodSeconds: 5 });
    expect(shorter.metadata.deletionGracePeriodSeconds).toBe(5);
    expect(shorter.metadata.generation).toBe(2);
    expect(shorter.metadata.deletionTimestamp).toBe('2026-11-27T14:00:05Z');
    // The node's confirmation.
    service.delete(PODS, 'default', 'a', { gracePeriodSeconds: 0, preconditions: { uid: marked.metadata.uid } });
    expect(apiError(() => service.get(PODS, 'default', 'a')).code).toBe(404);
  });

  it('uses spec.terminationGracePeriodSeconds, and removes terminal pods at once', () => {
    const { service } = setup();
    service.create(PODS, 'default', pod('a', {}, { nodeName: 'n1', terminationGracePeriodSeconds: 10 }));
    expect(service.delete(PODS, 'default', 'a').metadata.deletionGracePeriodSeconds).toBe(10);
    const done = service.create(PODS, 'default', pod('b', {}, { nodeName: 'n1' }));
    service.updateStatus(PODS, 'default', { ...done, status: { phase: 'Succeeded' } });
    service.delete(PODS, 'default', 'b');
    expect(apiError(() => service.get(PODS, 'default', 'b')).code).toBe(404);
  });

  it('keeps objects with finalizers until an update empties them', () => {
    const { service } = setup();
    const rec = recorder();
    service.watch(REPLICASETS, {}, rec.listener);
    service.create(REPLICASETS, 'default', {
      ...replicaSet('web'),
      metadata: { name: 'web', finalizers: ['example.com/hold'] },
    });
    const marked = service.delete(REPLICASETS, 'default', 'web');
    expect(marked.metadata.deletionTimestamp).toBe('2026-11-27T14:00:00Z');
    expect(marked.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(service.get(REPLICASETS, 'default', 'web').metadata.finalizers).toEqual(['example.com/hold']);
    service.mutate(REPLICASETS, 'default', 'web', (rs) => {
      rs.metadata.finalizers = [];
      return rs;
    });
    expect(apiError(() => service.get(REPLICASETS, 'default', 'web')).code).toBe(404);
    expect(rec.summary()).toEqual(['ADDED web', 'MODIFIED web', 'MODIFIED web', 'DELETED web']);
  });

  it('a bound pod with finalizers needs both the node and the finalizers', () => {
    const { service } = setup();
    // finalizers go first: the pod still waits for its node
    service.create(PODS, 'default', pod('a', { finalizers: ['example.com/hold'] }, { nodeName: 'n1' }));
    service.delete(PODS, 'default', 'a');
    service.mutate(PODS, 'default', 'a', (p) => ({ ...p, metadata: { ...p.metadata, finalizers: [] } }));
    expect(service.get(PODS, 'default', 'a').metadata.deletionGracePeriodSeconds).toBe(30);
    service.delete(PODS, 'default', 'a', { gracePeriodSeconds: 0 });
    expect(apiError(() => service.get(PODS, 'default', 'a')).code).toBe(404);
    // the node goes first: the pod waits for its finalizers
    service.create(PODS, 'default', pod('b', { finalizers: ['example.com/hold'] }, { nodeName: 'n1' }));
    service.delete(PODS, 'default', 'b');
    const confirmed = service.delete(PODS, 'default', 'b', { gracePeriodSeconds: 0 });
    expect(confirmed.metadata.deletionGracePeriodSeconds).toBe(0);
    expect(confirmed.metadata.finalizers).toEqual(['example.com/hold']);
    service.mutate(PODS, 'default', 'b', (p) => ({ ...p, metadata: { ...p.metadata, finalizers: [] } }));
    expect(apiError(() => service.get(PODS, 'default', 'b')).code).toBe(404);
  });

  it('forbids adding finalizers once deletion started', () => {
    const { service } = setup();
    service.create(REPLICASETS, 'default', { ...replicaSet('web'), metadata: { name: 'web', finalizers: ['a/b'] } });
    service.delete(REPLICASETS, 'default', 'web');
    const error = apiError(() =>
      service.mutate(REPLICASETS, 'default', 'web', (rs) => ({
        ...rs,
        metadata: { ...rs.metadata, finalizers: ['a/b', 'c/d'] },
      })),
    );
    expect(error.code).toBe(422);
    expect(error.message).toBe(
      'ReplicaSet.apps "web" is invalid: metadata.finalizers: Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers []string{"c/d"}',
    );
  });

  it('validates on create and update (immutable fields)', () => {
    const { service } = setup();
    expect(apiError(() => service.create(PODS, 'default', pod('Bad_Name'))).code).toBe(422);
    const created = service.create(PODS, 'default', pod('a'));
    const error = apiError(() =>
      service.update(PODS, 'default', { ...created, spec: { ...created.spec, nodeName: 'elsewhere', containers: [] } }),
    );
    expect(error.code).toBe(422);
    expect(error.reason).toBe('Invalid');
  });

  it('Orphan strips the owner reference from dependents and deletes the owner', () => {
    const { service } = setup();
    const rs = service.create(REPLICASETS, 'default', replicaSet('web'));
    service.create(PODS, 'default', ownedBy(rs, pod('web-1')));
    const other = pod('other');
    other.metadata.ownerReferences = [{ apiVersion: 'v1', kind: 'X', name: 'x', uid: 'someone-else' }];
    service.create(PODS, 'default', other);
    service.delete(REPLICASETS, 'default', 'web', { propagationPolicy: 'Orphan' });
    expect(apiError(() => service.get(REPLICASETS, 'default', 'web')).code).toBe(404);
    expect(service.get(PODS, 'default', 'web-1').metadata.ownerReferences).toBeUndefined();
    expect(service.get(PODS, 'default', 'other').metadata.ownerReferences).toHaveLength(1);
  });

  it('Foreground marks the owner with foregroundDeletion; it goes when the finalizer is removed', () => {
    const { service } = setup();
    const rs = service.create(REPLICASETS, 'default', replicaSet('web'));
    service.create(PODS, 'default', ownedBy(rs, pod('web-1')));
    const marked = service.delete(REPLICASETS, 'default', 'web', { propagationPolicy: 'Foreground' });
    expect(marked.metadata.finalizers).toEqual(['foregroundDeletion']);
    expect(marked.metadata.deletionTimestamp).toBe('2026-11-27T14:00:00Z');
    // what the GC controller does: dependents first, then the finalizer
    service.delete(PODS, 'default', 'web-1');
    service.mutate(REPLICASETS, 'default', 'web', (o) => ({ ...o, metadata: { ...o.metadata, finalizers: [] } }));
    expect(apiError(() => service.get(REPLICASETS, 'default', 'web')).code).toBe(404);
  });

  it('Background (the default) deletes the owner now and leaves dependents to the GC', () => {
    const { service } = setup();
    const rs = service.create(REPLICASETS, 'default', replicaSet('web'));
    service.create(PODS, 'default', ownedBy(rs, pod('web-1')));
    service.delete(REPLICASETS, 'default', 'web');
    expect(apiError(() => service.get(REPLICASETS, 'default', 'web')).code).toBe(404);
    expect(service.get(PODS, 'default', 'web-1').metadata.ownerReferences?.[0].uid).toBe(rs.metadata.uid);
  });

  it('checks uid and resourceVersion preconditions', () => {
    const { service } = setup();
    const created = service.create(PODS, 'default', pod('a'));
    const uid = apiError(() => service.delete(PODS, 'default', 'a', { preconditions: { uid: 'other' } }));
    expect(uid.code).toBe(409);
    expect(uid.message).toBe(
      `Operation cannot be fulfilled on pods "a": Precondition failed: UID in precondition: other, UID in object meta: ${created.metadata.uid}`,
    );
    const rv = apiError(() => service.delete(PODS, 'default', 'a', { preconditions: { resourceVersion: '1' } }));
    expect(rv.message).toBe(
      `Operation cannot be fulfilled on pods "a": Precondition failed: ResourceVersion in precondition: 1, ResourceVersion in object meta: ${created.metadata.resourceVersion}`,
    );
    service.delete(PODS, 'default', 'a', {
      preconditions: { uid: created.metadata.uid, resourceVersion: created.metadata.resourceVersion },
    });
    expect(apiError(() => service.get(PODS, 'default', 'a')).code).toBe(404);
  });

  it('dryRun delete changes nothing', () => {
    const { service } = setup();
    service.create(PODS, 'default', pod('a', {}, { nodeName: 'n1' }));
    const dry = service.delete(PODS, 'default', 'a', { dryRun: true });
    expect(dry.metadata.deletionTimestamp).toBeTruthy();
    expect(service.get(PODS, 'default', 'a').metadata.deletionTimestamp).toBeUndefined();
  });
});
