import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeObject, ResourceType } from '@peapod/core';
import { resolveResourceType } from '@peapod/core';
import { SqliteStore, type SqliteStoreOptions } from '../src/store/sqlite.js';
import type { WatchEvent } from '../src/store/types.js';

export const PODS = resolveResourceType('pods') as ResourceType;
export const NODES = resolveResourceType('nodes') as ResourceType;
export const NAMESPACES = resolveResourceType('namespaces') as ResourceType;
export const DEPLOYMENTS = resolveResourceType('deployments') as ResourceType;
export const REPLICASETS = resolveResourceType('replicasets') as ResourceType;
export const ENDPOINTS = resolveResourceType('endpoints') as ResourceType;
export const EVENTS = resolveResourceType('events') as ResourceType;
export const SERVICES = resolveResourceType('services') as ResourceType;

/** A temp data dir per test; `cleanup` closes every store opened in it and removes it. */
export function tempStores() {
  const dirs: string[] = [];
  const stores: SqliteStore[] = [];
  return {
    dir(): string {
      const dir = mkdtempSync(join(tmpdir(), 'peapod-store-'));
      dirs.push(dir);
      return dir;
    },
    open(dir: string, options?: SqliteStoreOptions): SqliteStore {
      const store = new SqliteStore(dir, options);
      stores.push(store);
      return store;
    },
    cleanup(): void {
      for (const store of stores.splice(0)) store.close();
      for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
    },
  };
}

export function pod(
  name: string,
  extra: Partial<KubeObject['metadata']> = {},
  spec: Record<string, unknown> = {},
): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Pod',
    metadata: { name, namespace: 'default', ...extra },
    spec: { containers: [{ name: 'app', image: 'localhost/edge-test/busybox:1' }], ...spec },
  };
}

export function node(name: string, heartbeat: string, ready = 'True'): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name },
    spec: {},
    status: {
      capacity: { cpu: '4', memory: '4Gi' },
      conditions: [
        {
          type: 'Ready',
          status: ready,
          reason: ready === 'True' ? 'KubeletReady' : 'KubeletNotReady',
          lastHeartbeatTime: heartbeat,
          lastTransitionTime: '2026-01-01T00:00:00Z',
        },
      ],
    },
  };
}

/** Collects watch events. */
export function recorder() {
  const events: WatchEvent[] = [];
  return {
    events,
    listener: (event: WatchEvent) => events.push(event),
    summary: () => events.map((e) => `${e.type} ${e.object.metadata.name}`),
  };
}
