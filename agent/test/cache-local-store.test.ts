import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod } from '@peapod/core';
import { afterEach, describe, expect, it } from 'vitest';
import { LocalStore } from '../src/cache/local-store.js';
import type { PodStatusUpdate } from '../src/pods/types.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'peapod-cache-'));
  dirs.push(d);
  return d;
}

function pod(name: string, image = 'localhost/edge-test/httpd:1'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}`, resourceVersion: '1' },
    spec: { containers: [{ name: 'c', image }], nodeName: 'n1' },
  };
}

function status(name: string, sequence: number, phase: 'Pending' | 'Running'): PodStatusUpdate {
  return {
    namespace: 'default',
    name,
    uid: `uid-${name}`,
    sequence,
    observedAt: '2026-01-01T00:00:00Z',
    status: { phase },
  };
}

describe('LocalStore', () => {
  it('keeps the desired set across a reopen (a reboot) and writes only real changes', () => {
    const dir = tmp();
    const a = LocalStore.open({ dataDir: dir });
    expect(a.setDesiredPods([pod('x'), pod('y')])).toBe(true);
    expect(a.setDesiredPods([pod('y'), pod('x')])).toBe(false); // same set, other order
    expect(a.setDesiredPods([pod('x'), pod('y', 'localhost/edge-test/busybox:1')])).toBe(true);
    expect(a.stats().writes).toBe(2);
    a.close();

    const b = LocalStore.open({ dataDir: dir });
    expect(b.desiredPods().map((p) => [p.metadata.name, p.spec.containers[0].image])).toEqual([
      ['x', 'localhost/edge-test/httpd:1'],
      ['y', 'localhost/edge-test/busybox:1'],
    ]);
    expect(b.setDesiredPods(b.desiredPods())).toBe(false);
    b.close();
  });

  it('queues status changes, latest per pod wins, in order; flushes in one batch', () => {
    const dir = tmp();
    const s = LocalStore.open({ dataDir: dir, statusFlushIntervalMs: 3_600_000 });
    s.queueStatus(status('x', 1, 'Pending'));
    s.queueStatus(status('y', 2, 'Pending'));
    s.queueStatus(status('x', 3, 'Running'));
    s.queueStatus(status('x', 2, 'Pending')); // stale: ignored
    expect(s.pendingStatuses().map((u) => [u.name, u.sequence, u.status.phase])).toEqual([
      ['y', 2, 'Pending'],
      ['x', 3, 'Running'],
    ]);
    expect(s.stats().writes).toBe(0); // nothing written per change
    s.flush();
    s.flush(); // nothing new: no second write
    expect(s.stats().writes).toBe(1);
    s.acknowledge('uid-y', 2);
    s.acknowledge('uid-x', 1); // older ack does not drop the newer change
    expect(s.pendingStatuses().map((u) => u.name)).toEqual(['x']);
    s.close();

    const again = LocalStore.open({ dataDir: dir });
    expect(again.pendingStatuses().map((u) => [u.name, u.sequence])).toEqual([['x', 3]]);
    again.close();
  });

  it('stores small metadata values and skips identical writes', () => {
    const s = LocalStore.open({ dataDir: tmp() });
    s.setMeta('sequence', '10');
    s.setMeta('sequence', '10');
    expect(s.getMeta('sequence')).toBe('10');
    expect(s.stats().writes).toBe(1);
    s.close();
  });
});

describe('LocalStore across agent processes', () => {
  it('orders changes by process then sequence and acknowledges per process', () => {
    const dir = tmp();
    const s = LocalStore.open({ dataDir: dir, statusFlushIntervalMs: 3_600_000 });
    s.queueStatus(status('x', 40, 'Pending'), 'old');
    s.queueStatus(status('y', 41, 'Running'), 'old');
    s.queueStatus(status('x', 2, 'Running'), 'new'); // another process: replaces despite the lower sequence
    expect(s.pendingEntries().map((e) => [e.instance, e.update.name, e.update.sequence])).toEqual([
      ['old', 'y', 41],
      ['new', 'x', 2],
    ]);
    s.acknowledge('uid-y', 41, 'new'); // not the process that queued it
    expect(s.pendingStatuses().map((u) => u.name)).toEqual(['y', 'x']);
    s.acknowledge('uid-y', 41, 'old');
    s.discard('uid-x');
    expect(s.pendingStatuses()).toEqual([]);
    s.flush();
    expect(s.stats().writes).toBe(0); // nothing was ever on disk and nothing is now: no write
    s.close();
  });

  it('remembers that the hub sent a set, even an empty one', () => {
    const dir = tmp();
    const s = LocalStore.open({ dataDir: dir });
    expect(s.hasDesired()).toBe(false);
    expect(s.setDesiredPods([])).toBe(true);
    expect(s.setDesiredPods([])).toBe(false);
    s.close();
    const again = LocalStore.open({ dataDir: dir });
    expect(again.hasDesired()).toBe(true);
    expect(again.desiredPods()).toEqual([]);
    again.close();
  });
});
