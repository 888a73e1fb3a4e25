import { join } from 'node:path';
import type { KubeObject } from '@peapod/core';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createResourceService } from '../src/api/service.js';
import { DATABASE_FILE } from '../src/store/sqlite.js';
import { EVENTS, NODES, node, recorder, tempStores } from './store-helpers.js';

const temp = tempStores();
afterEach(() => temp.cleanup());

function beat(stored: KubeObject, at: string): KubeObject {
  const next = structuredClone(stored);
  for (const condition of next.status.conditions) condition.lastHeartbeatTime = at;
  return next;
}

function heartbeatOnDisk(dir: string, name: string): string {
  const db = new Database(join(dir, DATABASE_FILE), { readonly: true });
  const row = db.prepare("SELECT body FROM objects WHERE resource = 'nodes' AND name = ?").get(name) as {
    body: string;
  };
  db.close();
  return JSON.parse(row.body).status.conditions[0].lastHeartbeatTime;
}

describe('heartbeat write coalescing (flash wear)', () => {
  it('keeps heartbeat-only Node status writes in memory but serves them everywhere', () => {
    const dir = temp.dir();
    const store = temp.open(dir);
    let n = store.create(NODES, node('n1', '2026-01-01T00:00:00Z'));
    const rec = recorder();
    store.watch(NODES, {}, rec.listener);
    const before = store.writeStats();
    for (let i = 1; i <= 30; i++) {
      const next = store.update(NODES, beat(n, `2026-01-01T00:00:${String(i).padStart(2, '0')}Z`), {
        subresource: 'status',
      });
      expect(Number(next.metadata.resourceVersion)).toBeGreaterThan(Number(n.metadata.resourceVersion));
      n = next;
    }
    const after = store.writeStats();
    expect(after.coalescedWrites - before.coalescedWrites).toBe(30);
    // Nothing but one resourceVersion block reservation at most reached the disk.
    expect(after.rowsWritten - before.rowsWritten).toBeLessThanOrEqual(1);
    expect(heartbeatOnDisk(dir, 'n1')).toBe('2026-01-01T00:00:00Z');
    expect(store.get(NODES, undefined, 'n1')).toEqual(n);
    expect(store.list(NODES).items).toEqual([n]);
    expect(store.listJson(NODES).items.map((json) => JSON.parse(json))).toEqual([n]);
    expect(rec.events).toHaveLength(30);
    expect(rec.events[29].object).toEqual(n);
  });

  it('writes through at once when anything meaningful changes, including the pending heartbeat', () => {
    const dir = temp.dir();
    const store = temp.open(dir);
    let n = store.create(NODES, node('n1', '2026-01-01T00:00:00Z'));
    n = store.update(NODES, beat(n, '2026-01-01T00:00:10Z'), { subresource: 'status' });
    const rows = store.writeStats().rowsWritten;
    const notReady = beat(n, '2026-01-01T00:00:20Z');
    notReady.status.conditions[0].status = 'False';
    n = store.update(NODES, notReady, { subresource: 'status' });
    expect(store.writeStats().rowsWritten).toBe(rows + 1);
    expect(heartbeatOnDisk(dir, 'n1')).toBe('2026-01-01T00:00:20Z');
    // A label is meaningful too.
    n = store.update(NODES, { ...n, metadata: { ...n.metadata, labels: { zone: 'a' } } });
    expect(store.writeStats().rowsWritten).toBe(rows + 2);
  });

  it('treats the peapod.io/usage annotation as volatile', () => {
    const store = temp.open(temp.dir());
    const n = store.create(NODES, {
      ...node('n1', '2026-01-01T00:00:00Z'),
      metadata: { name: 'n1', annotations: { 'peapod.io/usage': '{"cpu":"10m"}', keep: 'me' } },
    });
    const rows = store.writeStats().rowsWritten;
    store.update(NODES, {
      ...n,
      metadata: { ...n.metadata, annotations: { 'peapod.io/usage': '{"cpu":"20m"}', keep: 'me' } },
    });
    expect(store.writeStats().rowsWritten).toBe(rows);
    expect(store.get(NODES, undefined, 'n1')?.metadata.annotations?.['peapod.io/usage']).toBe('{"cpu":"20m"}');
  });

  it('enforces optimistic concurrency against the in-memory version', () => {
    const store = temp.open(temp.dir());
    const n = store.create(NODES, node('n1', '2026-01-01T00:00:00Z'));
    store.update(NODES, beat(n, '2026-01-01T00:00:10Z'), { subresource: 'status' });
    expect(() => store.update(NODES, beat(n, '2026-01-01T00:00:20Z'), { subresource: 'status' })).toThrow(
      /the object has been modified/,
    );
  });

  it('flushes on close, so a clean restart keeps the newest heartbeat', () => {
    const dir = temp.dir();
    const store = temp.open(dir);
    const n = store.create(NODES, node('n1', '2026-01-01T00:00:00Z'));
    const last = store.update(NODES, beat(n, '2026-01-01T00:05:00Z'), { subresource: 'status' });
    store.close();
    expect(heartbeatOnDisk(dir, 'n1')).toBe('2026-01-01T00:05:00Z');
    const reopened = temp.open(dir);
    expect(reopened.get(NODES, undefined, 'n1')?.status.conditions[0].lastHeartbeatTime).toBe('2026-01-01T00:05:00Z');
    expect(reopened.get(NODES, undefined, 'n1')?.metadata.resourceVersion).toBe(last.metadata.resourceVersion);
  });

  it('flushes periodically (every heartbeatFlushSeconds) in one transaction', async () => {
    const dir = temp.dir();
    const store = temp.open(dir, { heartbeatFlushSeconds: 0.05 });
    const a = store.create(NODES, node('a', '2026-01-01T00:00:00Z'));
    const b = store.create(NODES, node('b', '2026-01-01T00:00:00Z'));
    const flushes = store.writeStats().flushes;
    store.update(NODES, beat(a, '2026-01-01T00:01:00Z'), { subresource: 'status' });
    store.update(NODES, beat(b, '2026-01-01T00:01:00Z'), { subresource: 'status' });
    await vi.waitFor(() => expect(heartbeatOnDisk(dir, 'a')).toBe('2026-01-01T00:01:00Z'), { timeout: 10_000 });
    expect(heartbeatOnDisk(dir, 'b')).toBe('2026-01-01T00:01:00Z');
    expect(store.writeStats().flushes).toBe(flushes + 1);
  });

  it('a deleted node leaves nothing pending behind', () => {
    const dir = temp.dir();
    const store = temp.open(dir);
    const n = store.create(NODES, node('n1', '2026-01-01T00:00:00Z'));
    store.update(NODES, beat(n, '2026-01-01T00:00:10Z'), { subresource: 'status' });
    store.delete(NODES, undefined, 'n1');
    expect(store.get(NODES, undefined, 'n1')).toBeUndefined();
    store.flush();
    expect(store.list(NODES).items).toEqual([]);
  });

  it('an hour of heartbeats from idle nodes costs one row per node per flush', () => {
    const store = temp.open(temp.dir());
    const nodes = Array.from({ length: 30 }, (_, i) => store.create(NODES, node(`n${i}`, '2026-01-01T00:00:00Z')));
    const before = store.writeStats();
    // One hour of 10 s heartbeats with a flush every 300 s (12 flushes).
    for (let tick = 1; tick <= 360; tick++) {
      const at = new Date(Date.parse('2026-01-01T00:00:00Z') + tick * 10_000).toISOString().replace('.000Z', 'Z');
      for (let i = 0; i < nodes.length; i++)
        nodes[i] = store.update(NODES, beat(nodes[i], at), { subresource: 'status' });
      if (tick % 30 === 0) store.flush();
    }
    const after = store.writeStats();
    const beats = 360 * nodes.length;
    expect(after.coalescedWrites - before.coalescedWrites).toBe(beats);
    // 12 flushes × one row per node, plus a resourceVersion block reservation per 1000 versions.
    const rows = after.rowsWritten - before.rowsWritten;
    expect(rows).toBeGreaterThanOrEqual(12 * nodes.length + Math.floor(beats / 1000));
    expect(rows).toBeLessThanOrEqual(12 * nodes.length + Math.ceil(beats / 1000) + 1);
  });
});

describe('event repeat coalescing', () => {
  it('keeps count/lastTimestamp-only Event bumps in memory, writes other changes through', () => {
    const store = temp.open(temp.dir());
    let event = store.create(EVENTS, {
      apiVersion: 'v1',
      kind: 'Event',
      metadata: { name: 'web.1', namespace: 'default' },
      involvedObject: { kind: 'Pod', name: 'web', namespace: 'default' },
      reason: 'BackOff',
      message: 'Back-off restarting failed container',
      type: 'Warning',
      count: 1,
      firstTimestamp: '2026-01-01T00:00:00Z',
      lastTimestamp: '2026-01-01T00:00:00Z',
    } as KubeObject);
    const rows = store.writeStats().rowsWritten;
    for (let i = 2; i <= 10; i++) {
      event = store.update(EVENTS, { ...event, count: i, lastTimestamp: `2026-01-01T00:00:${10 + i}Z` } as KubeObject, {
        keepStatus: false,
      });
    }
    expect(store.writeStats().rowsWritten - rows).toBeLessThanOrEqual(1);
    expect((store.get(EVENTS, 'default', 'web.1') as KubeObject & { count: number }).count).toBe(10);
    store.update(EVENTS, { ...event, message: 'something else' } as KubeObject, { keepStatus: false });
    expect(store.writeStats().rowsWritten - rows).toBeGreaterThanOrEqual(1);
  });
});

describe('coalescing through the service', () => {
  it('the MQTT bridge pattern (mutate with status: true) writes heartbeats to memory only', () => {
    const store = temp.open(temp.dir());
    const service = createResourceService(store);
    try {
      service.create(NODES, undefined, node('n1', '2026-01-01T00:00:00Z'));
      const rows = store.writeStats().rowsWritten;
      for (let i = 1; i <= 5; i++) {
        service.mutate(NODES, undefined, 'n1', (n) => beat(n, `2026-01-01T00:00:0${i}Z`), { status: true });
        service.mutate(NODES, undefined, 'n1', (n) => {
          n.metadata.annotations = { ...(n.metadata.annotations ?? {}), 'peapod.io/usage': `{"cpu":"${i}m"}` };
          return n;
        });
      }
      // the first usage annotation creates the annotations map: one meaningful write
      expect(store.writeStats().rowsWritten - rows).toBeLessThanOrEqual(2);
      const n = service.get(NODES, undefined, 'n1');
      expect(n.status.conditions[0].lastHeartbeatTime).toBe('2026-01-01T00:00:05Z');
      expect(n.metadata.annotations?.['peapod.io/usage']).toBe('{"cpu":"5m"}');
    } finally {
      service.close();
    }
  });
});
