import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pod, PodStatus } from '@peapod/core';
import { afterEach, describe, expect, it } from 'vitest';
import { OfflineCache } from '../src/offline/offline-cache.js';
import type { PodStatusUpdate } from '../src/pods/types.js';

/** OfflineCache over a real SQLite file: what survives a restart, what is replayed, what is written. */
const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function tmp(): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'peapod-offline-'));
  dirs.push(d);
  return d;
}

const logged = { lines: [] as { message: string; fields?: Record<string, unknown> }[] };
const log = { info: (message: string, fields?: Record<string, unknown>) => logged.lines.push({ message, fields }) };

function pod(name: string, restartPolicy: 'Always' | 'Never' = 'Always'): Pod {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', uid: `uid-${name}` },
    spec: { nodeName: 'n1', restartPolicy, containers: [{ name: 'c', image: 'localhost/edge-test/busybox:1' }] },
  };
}

function update(name: string, sequence: number, running: boolean): PodStatusUpdate {
  const status: PodStatus = {
    phase: running ? 'Running' : 'Pending',
    containerStatuses: [
      {
        name: 'c',
        ready: running,
        restartCount: 0,
        image: 'localhost/edge-test/busybox:1',
        imageID: '',
        state: running
          ? { running: { startedAt: '2026-01-01T00:00:00Z' } }
          : { waiting: { reason: 'ContainerCreating' } },
      },
    ],
  };
  return { namespace: 'default', name, uid: `uid-${name}`, status, sequence, observedAt: '2026-01-01T00:00:00Z' };
}

describe('OfflineCache', () => {
  it('knows nothing before the hub spoke, then hands the cached set to the next process', () => {
    const dir = tmp();
    const first = OfflineCache.open({ dataDir: dir, log });
    expect(first.initialDesired()).toBeUndefined(); // never "run nothing" on a first start
    first.desiredChanged([]);
    first.close();

    const second = OfflineCache.open({ dataDir: dir, log });
    expect(second.initialDesired()).toEqual([]); // an empty set from the hub is knowledge too
    second.desiredChanged([pod('a'), pod('b')]);
    second.close();

    const third = OfflineCache.open({ dataDir: dir, log });
    expect(third.initialDesired()?.map((p) => p.metadata.name)).toEqual(['a', 'b']);
    third.close();
  });

  it('measures start → every cached pod running and ready, ignoring run-to-completion pods', () => {
    const dir = tmp();
    const seed = OfflineCache.open({ dataDir: dir, log });
    seed.desiredChanged([pod('a'), pod('b'), pod('job', 'Never')]);
    seed.close();

    let clock = 1_000;
    const cache = OfflineCache.open({ dataDir: dir, log, now: () => clock });
    cache.initialDesired();
    clock = 1_500;
    cache.hold(update('a', 1, true), 'i1');
    cache.hold(update('b', 2, false), 'i1'); // Pending: not yet
    expect(cache.startupMs()).toBeUndefined();
    clock = 3_250;
    cache.acknowledged(update('b', 3, true), 'i1'); // seen through the online path
    expect(cache.startupMs()).toBe(2_250);
    expect(logged.lines.at(-1)).toEqual({
      message: 'offline: all cached pods running',
      fields: { ms: 2_250, last: 'b' },
    });
    cache.close();
  });

  it('replays held changes in order, drops what a fresher process reports, and writes only on flush', () => {
    const dir = tmp();
    const old = OfflineCache.open({ dataDir: dir, log, statusFlushIntervalMs: 3_600_000 });
    old.hold(update('a', 5, false), 'old');
    old.hold(update('gone', 6, true), 'old');
    old.hold(update('a', 7, true), 'old'); // latest per pod wins
    old.close(); // one write of the queue

    const cache = OfflineCache.open({ dataDir: dir, log, statusFlushIntervalMs: 3_600_000 });
    cache.hold(update('c', 1, true), 'new');
    // This process reports 'a' itself: the old process's 'a' is dropped; 'gone' is replayed under 'old'.
    const held = cache.heldStatuses([update('a', 2, true), update('c', 1, true)], 'new');
    expect(held.map((e) => [e.instance, e.update.name, e.update.sequence])).toEqual([
      ['old', 'gone', 6],
      ['new', 'c', 1],
    ]);
    for (const e of held) cache.acknowledged(e.update, e.instance);
    expect(cache.heldStatuses([], 'new')).toEqual([]);
    cache.close();

    const reopened = OfflineCache.open({ dataDir: dir, log });
    expect(reopened.heldStatuses([], 'newest')).toEqual([]); // the acknowledged queue was written empty
    reopened.close();
  });
});
