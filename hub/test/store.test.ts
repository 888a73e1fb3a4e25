import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isApiError } from '@peapod/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { DATABASE_FILE } from '../src/store/sqlite.js';
import { ENDPOINTS, NODES, PODS, pod, recorder, tempStores } from './store-helpers.js';

const temp = tempStores();
afterEach(() => temp.cleanup());

function apiError(fn: () => unknown) {
  try {
    fn();
  } catch (error) {
    if (isApiError(error)) return error;
    throw error;
  }
  throw new Error('expected an ApiError');
}

describe('SqliteStore basics', () => {
  it('creates one WAL database file in the data dir with a schema version', () => {
    const dir = temp.dir();
    const store = temp.open(dir);
    store.create(PODS, pod('a'));
    const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.close();
    expect(store.path).toBe(join(dir, DATABASE_FILE));
  });

  it('assigns uid, resourceVersion, generation and a seconds-precision UTC creationTimestamp', () => {
    const store = temp.open(temp.dir(), { now: () => Date.parse('2026-11-27T13:48:35.789Z') });
    const created = store.create(PODS, pod('a'));
    expect(created.metadata.uid).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(created.metadata.generation).toBe(1);
    expect(created.metadata.creationTimestamp).toBe('2026-11-27T13:48:35Z');
    expect(created.metadata.resourceVersion).toBe(store.currentResourceVersion());
    const second = store.create(PODS, pod('b'));
    expect(Number(second.metadata.resourceVersion)).toBeGreaterThan(Number(created.metadata.resourceVersion));
  });

  it('generates names from generateName: base cut to 58 plus 5 chars of the k8s alphabet', () => {
    const store = temp.open(temp.dir());
    const base = `${'x'.repeat(70)}-`;
    const created = store.create(PODS, { ...pod(''), metadata: { generateName: base, namespace: 'default' } });
    const name = created.metadata.name as string;
    expect(name).toHaveLength(63);
    expect(name.slice(0, 58)).toBe(base.slice(0, 58));
    expect(name.slice(58)).toMatch(/^[bcdfghjklmnpqrstvwxz2456789]{5}$/);
    const short = store.create(PODS, { ...pod(''), metadata: { generateName: 'web-', namespace: 'default' } });
    expect(short.metadata.name).toMatch(/^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/);
  });

  it('reports AlreadyExists, NotFound and Conflict with the Kubernetes messages', () => {
    const store = temp.open(temp.dir());
    const created = store.create(PODS, pod('a'));
    const exists = apiError(() => store.create(PODS, pod('a')));
    expect(exists.code).toBe(409);
    expect(exists.message).toBe('pods "a" already exists');
    const missing = apiError(() => store.update(PODS, pod('nope')));
    expect(missing.code).toBe(404);
    expect(missing.message).toBe('pods "nope" not found');
    expect(apiError(() => store.delete(PODS, 'default', 'nope')).message).toBe('pods "nope" not found');
    store.update(PODS, { ...created, metadata: { ...created.metadata, labels: { x: '1' } } });
    const stale = apiError(() => store.update(PODS, created));
    expect(stale.code).toBe(409);
    expect(stale.reason).toBe('Conflict');
    expect(stale.message).toBe(
      'Operation cannot be fulfilled on pods "a": the object has been modified; please apply your changes to the latest version and try again',
    );
  });

  it('hands out deep copies', () => {
    const store = temp.open(temp.dir());
    const created = store.create(PODS, pod('a', { labels: { app: 'x' } }));
    (created.metadata.labels as Record<string, string>).app = 'changed';
    const fetched = store.get(PODS, 'default', 'a');
    expect(fetched?.metadata.labels?.app).toBe('x');
    (fetched?.metadata.labels as Record<string, string>).app = 'changed again';
    expect(store.list(PODS).items[0].metadata.labels?.app).toBe('x');
  });

  it('bumps generation only on spec changes; metadata-only and status writes keep it', () => {
    const store = temp.open(temp.dir());
    let p = store.create(PODS, pod('a'));
    p = store.update(PODS, { ...p, metadata: { ...p.metadata, labels: { a: 'b' } } });
    expect(p.metadata.generation).toBe(1);
    p = store.update(PODS, { ...p, status: { phase: 'Running' } }, { subresource: 'status' });
    expect(p.metadata.generation).toBe(1);
    expect(p.status.phase).toBe('Running');
    p = store.update(PODS, { ...p, spec: { ...p.spec, activeDeadlineSeconds: 5 } });
    expect(p.metadata.generation).toBe(2);
    expect(p.status.phase).toBe('Running'); // kept from the stored object
  });

  it('bumps generation of spec-less kinds on changes outside metadata and status', () => {
    const store = temp.open(temp.dir());
    let ep = store.create(ENDPOINTS, {
      apiVersion: 'v1',
      kind: 'Endpoints',
      metadata: { name: 'svc', namespace: 'default' },
      subsets: [],
    } as never);
    ep = store.update(ENDPOINTS, { ...ep, metadata: { ...ep.metadata, labels: { a: 'b' } } });
    expect(ep.metadata.generation).toBe(1);
    ep = store.update(ENDPOINTS, { ...ep, subsets: [{ addresses: [{ ip: '10.0.0.1' }] }] } as never);
    expect(ep.metadata.generation).toBe(2);
  });

  it('status subresource takes only status; main writes keep status', () => {
    const store = temp.open(temp.dir());
    const p = store.create(PODS, { ...pod('a'), status: { phase: 'Pending' } });
    const viaStatus = store.update(
      PODS,
      {
        ...p,
        metadata: { ...p.metadata, labels: { sneaky: 'yes' } },
        spec: { containers: [] },
        status: { phase: 'Running' },
      },
      { subresource: 'status' },
    );
    expect(viaStatus.metadata.labels).toBeUndefined();
    expect(viaStatus.spec.containers).toHaveLength(1);
    expect(viaStatus.status.phase).toBe('Running');
    const viaMain = store.update(PODS, { ...viaStatus, status: { phase: 'Failed' } });
    expect(viaMain.status.phase).toBe('Running');
    const replaced = store.update(PODS, { ...viaMain, status: { phase: 'Failed' } }, { keepStatus: false });
    expect(replaced.status.phase).toBe('Failed');
    // The same status again (an undefined member is no member): no write, same resourceVersion.
    const sameStatus = { phase: 'Failed', message: undefined };
    const unchanged = store.update(PODS, { ...replaced, status: sameStatus }, { subresource: 'status' });
    expect(unchanged.metadata.resourceVersion).toBe(replaced.metadata.resourceVersion);
    // The stored status is a copy: changing the caller's object afterwards changes nothing stored.
    const status = { phase: 'Succeeded' };
    store.update(PODS, { ...unchanged, status }, { subresource: 'status' });
    status.phase = 'Unknown';
    expect(store.get(PODS, 'default', 'a')?.status.phase).toBe('Succeeded');
  });

  it('keeps uid and creationTimestamp on update and rejects a wrong uid', () => {
    const store = temp.open(temp.dir());
    const p = store.create(PODS, pod('a'));
    const updated = store.update(PODS, {
      ...p,
      metadata: { ...p.metadata, uid: undefined, creationTimestamp: '2000-01-01T00:00:00Z', labels: { a: 'b' } },
    });
    expect(updated.metadata.uid).toBe(p.metadata.uid);
    expect(updated.metadata.creationTimestamp).toBe(p.metadata.creationTimestamp);
    const wrong = apiError(() => store.update(PODS, { ...updated, metadata: { ...updated.metadata, uid: 'other' } }));
    expect(wrong.code).toBe(409);
    expect(wrong.message).toBe(
      `Operation cannot be fulfilled on pods "a": Precondition failed: UID in precondition: other, UID in object meta: ${p.metadata.uid}`,
    );
  });

  it('does not write or emit for an update that changes nothing', () => {
    const store = temp.open(temp.dir());
    const p = store.create(PODS, pod('a'));
    const before = store.writeStats().rowsWritten;
    const same = store.update(PODS, p);
    expect(same.metadata.resourceVersion).toBe(p.metadata.resourceVersion);
    expect(store.writeStats().rowsWritten).toBe(before);
  });

  it('lists sorted by namespace then name, filtered by namespace, labels and fields', () => {
    const store = temp.open(temp.dir());
    store.create(PODS, pod('b', { namespace: 'ns2', labels: { app: 'web' } }));
    store.create(PODS, pod('z', { labels: { app: 'web' } }, { nodeName: 'n1' }));
    store.create(PODS, pod('a', { labels: { app: 'db' } }));
    const names = (items: { metadata: { namespace?: string; name?: string } }[]) =>
      items.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
    expect(names(store.list(PODS).items)).toEqual(['default/a', 'default/z', 'ns2/b']);
    expect(names(store.list(PODS, { namespace: 'default' }).items)).toEqual(['default/a', 'default/z']);
    expect(names(store.list(PODS, { labelSelector: 'app=web' }).items)).toEqual(['default/z', 'ns2/b']);
    expect(names(store.list(PODS, { fieldSelector: 'spec.nodeName=n1' }).items)).toEqual(['default/z']);
    expect(names(store.list(PODS, { fieldSelector: 'spec.nodeName=' }).items)).toEqual(['default/a', 'ns2/b']);
    expect(store.list(PODS).resourceVersion).toBe(store.currentResourceVersion());
    const bad = apiError(() => store.list(PODS, { labelSelector: 'a in (' }));
    expect(bad.code).toBe(400);
    const unsupported = apiError(() => store.list(PODS, { fieldSelector: 'spec.bogus=1' }));
    expect(unsupported.code).toBe(400);
    expect(unsupported.message).toBe('field label not supported: spec.bogus');
  });

  it('listJson returns the same items as list, as JSON text (non-ASCII text too)', () => {
    const store = temp.open(temp.dir());
    store.create(PODS, pod('b', { namespace: 'ns2', labels: { app: 'web' } }));
    store.create(
      PODS,
      pod('z', { labels: { app: 'web' }, annotations: { note: 'naïve — 温度 🌡' } }, { nodeName: 'n1' }),
    );
    store.create(PODS, pod('a', { labels: { app: 'db' } }));
    const parsed = (options?: Parameters<typeof store.list>[1]) => {
      const result = store.listJson(PODS, options);
      expect(result.resourceVersion).toBe(store.currentResourceVersion());
      return result.items.map((json) => JSON.parse(json));
    };
    for (const options of [
      undefined,
      { namespace: 'default' },
      { namespace: 'empty' },
      { labelSelector: 'app=web' },
      { fieldSelector: 'spec.nodeName=n1' },
    ])
      expect(parsed(options)).toEqual(store.list(PODS, options).items);
    expect(parsed().find((p) => p.metadata.name === 'z').metadata.annotations.note).toBe('naïve — 温度 🌡');
  });

  it('ignores namespaces for cluster-scoped kinds', () => {
    const store = temp.open(temp.dir());
    const n = store.create(NODES, {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name: 'n1', namespace: 'x' },
      spec: {},
    });
    expect(n.metadata.namespace).toBeUndefined();
    expect(store.get(NODES, 'whatever', 'n1')?.metadata.name).toBe('n1');
  });

  it('persists everything across reopen, and resourceVersions keep increasing', () => {
    const dir = temp.dir();
    const first = temp.open(dir);
    const a = first.create(PODS, pod('a'));
    first.delete(PODS, 'default', 'a');
    const b = first.create(PODS, pod('b'));
    const lastRv = Number(first.currentResourceVersion());
    first.close();
    const second = temp.open(dir);
    expect(second.get(PODS, 'default', 'a')).toBeUndefined();
    expect(second.get(PODS, 'default', 'b')).toEqual(b);
    expect(Number(second.currentResourceVersion())).toBeGreaterThan(lastRv);
    const c = second.create(PODS, pod('c'));
    expect(Number(c.metadata.resourceVersion)).toBeGreaterThan(lastRv);
    expect(c.metadata.uid).not.toBe(a.metadata.uid);
  });

  it('refuses a database written by a newer schema', () => {
    const dir = temp.dir();
    temp.open(dir).close();
    const db = new Database(join(dir, DATABASE_FILE));
    db.pragma('user_version = 99');
    db.close();
    expect(() => temp.open(dir)).toThrow(/schema version 99/);
  });

  it('delete returns the last state with a new resourceVersion and emits DELETED', () => {
    const store = temp.open(temp.dir());
    const p = store.create(PODS, pod('a'));
    const rec = recorder();
    store.watch(PODS, {}, rec.listener);
    const deleted = store.delete(PODS, 'default', 'a');
    expect(deleted.metadata.uid).toBe(p.metadata.uid);
    expect(Number(deleted.metadata.resourceVersion)).toBeGreaterThan(Number(p.metadata.resourceVersion));
    expect(rec.summary()).toEqual(['DELETED a']);
    expect(apiError(() => store.delete(PODS, 'default', 'a')).code).toBe(404);
  });

  it('delete honours a uid precondition', () => {
    const store = temp.open(temp.dir());
    store.create(PODS, pod('a'));
    expect(apiError(() => store.delete(PODS, 'default', 'a', { uid: 'x' })).code).toBe(409);
    expect(store.get(PODS, 'default', 'a')).toBeDefined();
  });

  it('writes nothing half: the database file holds only whole JSON objects', () => {
    const dir = temp.dir();
    const store = temp.open(dir);
    for (let i = 0; i < 20; i++) store.create(PODS, pod(`p${i}`));
    store.close();
    const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
    const rows = db.prepare('SELECT uid, rv, body FROM objects').all() as { uid: string; rv: number; body: string }[];
    db.close();
    expect(rows).toHaveLength(20);
    for (const row of rows) {
      const body = JSON.parse(row.body);
      expect(body.metadata.uid).toBe(row.uid);
      expect(body.metadata.resourceVersion).toBe(String(row.rv));
    }
    expect(readFileSync(join(dir, DATABASE_FILE)).length).toBeGreaterThan(0);
  });

  it('a failed disk write is a 500 Status, changes nothing and emits nothing', () => {
    const dir = temp.dir();
    const store = temp.open(dir, { busyTimeoutMs: 20 });
    store.create(PODS, pod('a'));
    const rec = recorder();
    store.watch(PODS, {}, rec.listener);
    const blocker = new Database(join(dir, DATABASE_FILE));
    blocker.exec('BEGIN IMMEDIATE');
    try {
      const error = apiError(() => store.create(PODS, pod('b')));
      expect(error.code).toBe(500);
      expect(error.reason).toBe('InternalError');
      expect(error.message).toMatch(/^Internal error occurred: storage write failed: /);
    } finally {
      blocker.exec('ROLLBACK');
      blocker.close();
    }
    expect(store.get(PODS, 'default', 'b')).toBeUndefined();
    expect(rec.events).toEqual([]);
    expect(store.create(PODS, pod('b')).metadata.name).toBe('b');
    expect(rec.summary()).toEqual(['ADDED b']);
  });

  it('refuses a second store on the same database while the first is open', () => {
    const dir = temp.dir();
    const first = temp.open(dir);
    expect(() => temp.open(dir)).toThrow(/is in use by another hub/);
    first.close();
    expect(temp.open(dir).list(PODS).items).toEqual([]);
  });
});
