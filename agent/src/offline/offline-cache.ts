import type { Pod } from '@peapod/core';
import { LocalStore, type QueuedStatus } from '../cache/local-store.js';
import type { PodStatusUpdate } from '../pods/types.js';

export interface OfflineLogger {
  info(message: string, fields?: Record<string, unknown>): void;
}

export interface OfflineCacheOptions {
  /** Agent data directory (the cache is `<dataDir>/agent-cache.db`). */
  dataDir: string;
  log: OfflineLogger;
  /** How often held status changes are written while the hub is away, ms (default 30 s). */
  statusFlushIntervalMs?: number;
  now?: () => number;
}

/**
 * Offline autonomy for one agent process (issue 8, docs/offline.md), on top of the LocalStore:
 *
 * - the hub's desired set is cached whenever it really changes, and handed to the pod manager at
 *   the next start before the hub is reached — so a device that reboots offline runs its pods;
 * - status changes seen while the link is down are held (latest per pod wins) instead of piling up
 *   in the MQTT client's memory, and published in order on the next connection; what an earlier
 *   process held is published under that process's instance, before fresher reports;
 * - logs once how long it took from start until every cached pod was Running (the bench hook).
 */
export class OfflineCache {
  readonly #store: LocalStore;
  readonly #log: OfflineLogger;
  readonly #now: () => number;
  readonly #startedAt: number;
  /** Cached pods not yet seen Running since start (undefined once measured or when nothing was cached). */
  #waitingFor?: Set<string>;
  #startupMs?: number;

  private constructor(store: LocalStore, options: OfflineCacheOptions) {
    this.#store = store;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#startedAt = this.#now();
  }

  static open(options: OfflineCacheOptions): OfflineCache {
    return new OfflineCache(
      LocalStore.open({ dataDir: options.dataDir, statusFlushIntervalMs: options.statusFlushIntervalMs }),
      options,
    );
  }

  /** The cached desired set, or undefined when the hub never sent one (then nothing is started or removed early). */
  initialDesired(): Pod[] | undefined {
    if (!this.#store.hasDesired()) return undefined;
    const pods = this.#store.desiredPods();
    const running = pods.filter((p) => !p.metadata.deletionTimestamp && wantsRunning(p));
    if (running.length > 0) this.#waitingFor = new Set(running.map((p) => p.metadata.uid!));
    this.#log.info('offline: starting cached pods before the hub is reached', { pods: pods.length });
    return pods;
  }

  /** A complete desired set from the hub: written only when it differs from the cached one. */
  desiredChanged(pods: Pod[]): void {
    this.#store.setDesiredPods(pods);
  }

  /** A status change while the hub is unreachable: held (latest per pod wins) for the reconnect. */
  hold(update: PodStatusUpdate, instance: string): void {
    this.#observe(update);
    this.#store.queueStatus(update, instance);
  }

  /**
   * What to publish on a (re)connection, before the full resync, in order. Changes an earlier agent
   * process held are kept only for pods this process does not report itself (its own, fresher
   * status supersedes them).
   */
  heldStatuses(current: PodStatusUpdate[], instance: string): QueuedStatus[] {
    const reported = new Set(current.map((u) => u.uid));
    const entries: QueuedStatus[] = [];
    for (const entry of this.#store.pendingEntries()) {
      if (entry.instance !== instance && reported.has(entry.update.uid)) this.#store.discard(entry.update.uid);
      else entries.push(entry);
    }
    return entries;
  }

  /** The broker acknowledged a status publication: it leaves the queue (if it was held). */
  acknowledged(update: PodStatusUpdate, instance: string): void {
    this.#observe(update);
    this.#store.acknowledge(update.uid, update.sequence, instance);
  }

  /** Milliseconds from agent start until every cached pod was Running (undefined until then). */
  startupMs(): number | undefined {
    return this.#startupMs;
  }

  /** Writes what is still held (one transaction) and closes the file. */
  close(): void {
    this.#store.close();
  }

  #observe(update: PodStatusUpdate): void {
    const waiting = this.#waitingFor;
    if (!waiting?.has(update.uid) || !allContainersRunning(update)) return;
    waiting.delete(update.uid);
    if (waiting.size > 0) return;
    this.#waitingFor = undefined;
    this.#startupMs = this.#now() - this.#startedAt;
    this.#log.info('offline: all cached pods running', { ms: this.#startupMs, last: update.name });
  }
}

/** Phase Running also covers restarting containers: wait until each one runs and is ready. */
function allContainersRunning(update: PodStatusUpdate): boolean {
  const containers = update.status.containerStatuses ?? [];
  return (
    update.status.phase === 'Running' && containers.length > 0 && containers.every((c) => c.state?.running && c.ready)
  );
}

/** Pods that should end up Running (a finished run-to-completion pod never will). */
function wantsRunning(pod: Pod): boolean {
  return (pod.spec.restartPolicy ?? 'Always') === 'Always';
}
