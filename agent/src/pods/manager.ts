import { rm } from 'node:fs/promises';
import os from 'node:os';
import { badRequest, internalError, isApiError, notFound, type Pod } from '@peapod/core';
import { type ContainerInfo, LABELS, type RuntimeDriver, type Sandbox } from '../runtime/driver.js';
import { isRuntimeError } from '../runtime/errors.js';
import { BackOff, type BackOffPolicy, CRASH_LOOP_BACKOFF, IMAGE_PULL_BACKOFF } from './backoff.js';
import type { ContainerRecord } from './container-record.js';
import { type PodRef, podDataDir } from './container-spec.js';
import { type AdoptedObjects, PodWorker, type WorkerContext } from './pod-worker.js';
import type { PodEvent, PodManager, PodStatusUpdate } from './types.js';

export interface PodManagerOptions {
  driver: RuntimeDriver;
  nodeName: string;
  hostIP: string;
  /** Agent data directory; emptyDir volumes live under `<dataDir>/pods/<uid>/volumes/`. */
  dataDir: string;
  now?: () => number;
  /** CrashLoopBackOff schedule (default 10 s doubling to 300 s); tests shorten it. */
  crashBackOff?: BackOffPolicy;
  /** Image pull / create error retry schedule (default 10 s doubling to 300 s). */
  imageBackOff?: BackOffPolicy;
  /** For resourceFieldRef of unset limits; default: this host's CPUs and memory. */
  nodeAllocatable?: { cpuMilli: number; memoryBytes: number };
  /** Service environment variables of a namespace (from the fleet's Service table). */
  serviceEnv?: (namespace: string) => Record<string, string>;
}

/** A failing listener must not break a pod worker (its timers and queue keep going). */
function notify<T>(listener: (value: T) => void, value: T): void {
  try {
    listener(value);
  } catch {
    // the listener's own problem
  }
}

/** Runtime failures surface as Kubernetes Status errors (500 unless already an ApiError). */
function asApiError(err: unknown) {
  return isApiError(err) ? err : internalError(err instanceof Error ? err.message : String(err));
}

/** Kubelet kill grace for runtime pods it has no spec for (`minimumGracePeriodInSeconds`). */
const ORPHAN_GRACE_SECONDS = 2;

export function createPodManager(options: PodManagerOptions): PodManager {
  const { driver, nodeName, dataDir } = options;
  const now = options.now ?? Date.now;
  const nodeFilter = { [LABELS.owner]: 'peapod', [LABELS.node]: nodeName };
  const workers = new Map<string, PodWorker>();
  const latest = new Map<string, PodStatusUpdate>();
  const removedPods = new Map<string, PodRef>();
  const statusListeners = new Set<(u: PodStatusUpdate) => void>();
  const removedListeners = new Set<(p: PodRef) => void>();
  const eventListeners = new Set<(e: PodEvent) => void>();
  let adoptable = new Map<string, AdoptedObjects & { ref: PodRef }>();
  let firstSyncDone = false;
  let sequence = 0;
  let unsubscribeEvents: (() => void) | undefined;
  let stopped = false;

  const emitRemoved = (ref: PodRef) => {
    for (const l of removedListeners) notify(l, { namespace: ref.namespace, name: ref.name, uid: ref.uid });
  };

  const ctx: WorkerContext = {
    driver,
    nodeName,
    hostIP: options.hostIP,
    dataDir,
    now,
    crashBackOff: new BackOff(options.crashBackOff ?? CRASH_LOOP_BACKOFF, now),
    imageBackOff: new BackOff(options.imageBackOff ?? IMAGE_PULL_BACKOFF, now),
    nodeAllocatable: options.nodeAllocatable ?? { cpuMilli: os.cpus().length * 1000, memoryBytes: os.totalmem() },
    serviceEnv: options.serviceEnv,
    publish(worker, status) {
      const update: PodStatusUpdate = {
        ...worker.ref,
        status,
        sequence: ++sequence,
        observedAt: new Date(now()).toISOString(),
      };
      latest.set(worker.ref.uid, update);
      for (const l of statusListeners) notify(l, update);
    },
    removed(ref) {
      workers.delete(ref.uid);
      latest.delete(ref.uid);
      removedPods.set(ref.uid, ref);
      emitRemoved(ref);
    },
    event(e) {
      for (const l of eventListeners) notify(l, e);
    },
  };

  function subscribeEvents(): void {
    if (unsubscribeEvents || stopped) return;
    unsubscribeEvents = driver.events(nodeFilter, (ev) => {
      if (ev.type !== 'died' && ev.type !== 'oom') return;
      workers.get(ev.labels[LABELS.podUid] ?? '')?.onContainerDied(ev.containerId);
    });
  }

  /** Containers and sandboxes of a pod this node should no longer run: stop, remove, confirm. */
  async function removeOrphan(uid: string, objects: AdoptedObjects & { ref: PodRef }): Promise<void> {
    await Promise.all(
      objects.containers
        .filter((c) => c.state === 'running')
        .map((c) => driver.stopContainer(c.id, ORPHAN_GRACE_SECONDS).catch(() => undefined)),
    );
    for (const c of objects.containers) await driver.removeContainer(c.id).catch(() => undefined);
    for (const sb of objects.sandboxes) await driver.removeSandbox(sb.id).catch(() => undefined);
    await rm(podDataDir(dataDir, uid), { recursive: true, force: true });
    emitRemoved(objects.ref);
  }

  function findWorker(pod: { namespace: string; name: string }): PodWorker {
    for (const w of workers.values()) {
      if (w.ref.namespace === pod.namespace && w.ref.name === pod.name && !w.finished) return w;
    }
    throw notFound('pods', pod.name);
  }

  function findRecord(w: PodWorker, container: string): ContainerRecord {
    const apps = w.pod.spec.containers;
    const name = container || (apps.length === 1 ? apps[0].name : '');
    if (!name) {
      throw badRequest(
        `a container name must be specified for pod ${w.ref.name}, choose one of: [${apps.map((c) => c.name).join(' ')}]`,
      );
    }
    const rec = w.record(name);
    if (!rec) throw badRequest(`container ${name} is not valid for pod ${w.ref.name}`);
    return rec;
  }

  return {
    sync(desired: Pod[]): void {
      if (stopped) return;
      subscribeEvents();
      const desiredUids = new Set<string>();
      for (const pod of desired) {
        const uid = pod.metadata.uid;
        if (!uid) continue;
        desiredUids.add(uid);
        const existing = workers.get(uid);
        if (existing) {
          existing.update(pod);
          continue;
        }
        const tomb = removedPods.get(uid);
        if (tomb && pod.metadata.deletionTimestamp) {
          emitRemoved(tomb); // at-least-once confirmation while the hub still lists it
          continue;
        }
        removedPods.delete(uid);
        const adopted = adoptable.get(uid);
        adoptable.delete(uid);
        workers.set(uid, new PodWorker(ctx, pod, adopted));
      }
      for (const [uid, w] of workers) if (!desiredUids.has(uid)) w.terminate();
      for (const uid of removedPods.keys()) if (!desiredUids.has(uid)) removedPods.delete(uid);
      if (!firstSyncDone) {
        firstSyncDone = true;
        const orphans = adoptable;
        adoptable = new Map();
        for (const [uid, objects] of orphans) void removeOrphan(uid, objects);
      }
    },

    async start(): Promise<void> {
      stopped = false;
      subscribeEvents();
      const [containers, sandboxes] = await Promise.all([
        driver.listContainers(nodeFilter),
        driver.listSandboxes(nodeFilter),
      ]);
      const found = new Map<string, AdoptedObjects & { ref: PodRef }>();
      const entry = (labels: Record<string, string>) => {
        const uid = labels[LABELS.podUid];
        if (!uid || workers.has(uid)) return undefined;
        let e = found.get(uid);
        if (!e) {
          const ref = { uid, namespace: labels[LABELS.namespace] ?? '', name: labels[LABELS.podName] ?? '' };
          e = { ref, sandboxes: [] as Sandbox[], containers: [] as ContainerInfo[] };
          found.set(uid, e);
        }
        return e;
      };
      for (const c of containers) entry(c.labels)?.containers.push(c);
      for (const sb of sandboxes) entry(sb.labels)?.sandboxes.push(sb);
      if (firstSyncDone) {
        for (const [uid, objects] of found) await removeOrphan(uid, objects);
      } else adoptable = found;
    },

    async stop(): Promise<void> {
      stopped = true;
      unsubscribeEvents?.();
      unsubscribeEvents = undefined;
      await Promise.all([...workers.values()].map((w) => w.stop()));
      workers.clear();
      latest.clear();
      // A later start() adopts again, exactly like a fresh agent process.
      firstSyncDone = false;
      adoptable = new Map();
    },

    onStatus(listener) {
      statusListeners.add(listener);
      return () => statusListeners.delete(listener);
    },

    statuses(): PodStatusUpdate[] {
      return [...latest.values()];
    },

    onRemoved(listener) {
      removedListeners.add(listener);
      return () => removedListeners.delete(listener);
    },

    onEvent(listener) {
      eventListeners.add(listener);
      return () => eventListeners.delete(listener);
    },

    async logs(pod, container, options, onChunk, signal): Promise<void> {
      const w = findWorker(pod);
      const rec = findRecord(w, container);
      const { previous, ...logOptions } = options;
      const instance = previous ? rec.lastTerminated() : rec.current;
      if (!instance) {
        if (previous) throw badRequest(`previous terminated container "${rec.name}" in pod "${pod.name}" not found`);
        const reason = rec.waiting?.reason ?? 'ContainerCreating';
        throw badRequest(`container "${rec.name}" in pod "${pod.name}" is waiting to start: ${reason}`);
      }
      try {
        await driver.logs(instance.id, logOptions, (chunk) => onChunk(chunk), signal);
      } catch (err) {
        if (!isRuntimeError(err, 'NotFound')) throw asApiError(err);
        if (previous) throw badRequest(`previous terminated container "${rec.name}" in pod "${pod.name}" not found`);
        throw badRequest(`container "${rec.name}" in pod "${pod.name}" is not available`);
      }
    },

    async exec(pod, container, command) {
      const w = findWorker(pod);
      const rec = findRecord(w, container);
      if (!rec.running) throw badRequest(`container not found ("${rec.name}")`);
      try {
        return await driver.exec(rec.current!.id, command);
      } catch (err) {
        if (isRuntimeError(err, 'NotFound') || isRuntimeError(err, 'NotRunning')) {
          throw badRequest(`container not found ("${rec.name}")`);
        }
        throw asApiError(err);
      }
    },

    async stats() {
      const running = [...workers.values()].flatMap((w) =>
        w.records().flatMap((rec) => (rec.running ? [{ w, rec, id: rec.current!.id }] : [])),
      );
      if (running.length === 0) return [];
      const stats = await driver.stats(running.map((r) => r.id)).catch((err) => {
        throw asApiError(err);
      });
      const byId = new Map(stats.map((s) => [s.containerId, s]));
      const pods = new Map<
        string,
        { namespace: string; name: string; containers: Awaited<ReturnType<PodManager['stats']>>[number]['containers'] }
      >();
      for (const { w, rec, id } of running) {
        const s = byId.get(id);
        if (!s) continue;
        let p = pods.get(w.ref.uid);
        if (!p) {
          p = { namespace: w.ref.namespace, name: w.ref.name, containers: [] };
          pods.set(w.ref.uid, p);
        }
        p.containers.push({ ...s, name: rec.name });
      }
      return [...pods.values()];
    },
  };
}
