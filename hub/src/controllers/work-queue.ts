import type { Logger } from '../component.js';

/**
 * A keyed work queue shared by the scheduler and the controllers (the client-go workqueue idea,
 * reduced to what a single-process hub needs):
 * - a key queued twice before it is processed runs once (dedupe);
 * - a key is never processed concurrently with itself; a key added while it runs is run again after;
 * - a failing key is retried with exponential back-off (base → max), reset by `forget`/success;
 * - `addAfter` schedules a key with a timer (minReadySeconds, progress deadlines, tolerations).
 * Keys are processed one at a time, in the order they became ready.
 */
export interface WorkQueue {
  add(key: string): void;
  addAfter(key: string, delayMs: number): void;
  /** Re-adds the key after its per-key back-off delay and grows that delay. */
  addRateLimited(key: string): void;
  /** Clears the key's back-off. */
  forget(key: string): void;
  /** Number of failures recorded for the key since its last success/forget. */
  failures(key: string): number;
  /** Resolves when nothing is queued or running (delayed keys are not waited for). */
  idle(): Promise<void>;
  shutDown(): void;
}

export interface WorkQueueOptions {
  name: string;
  process: (key: string) => Promise<void> | void;
  log?: Logger;
  /** First retry delay (ms). Default 5. */
  baseDelayMs?: number;
  /** Longest retry delay (ms). Default 60 000. */
  maxDelayMs?: number;
  /**
   * Up to this many ready keys are processed in one turn of the event loop (default 1), inside one
   * `group` call — e.g. one store batch, so their writes share one commit. Needs a synchronous
   * `process`; each key still succeeds or fails (and is retried) on its own.
   */
  groupSize?: number;
  group?: (work: () => void) => void;
}

export function createWorkQueue(options: WorkQueueOptions): WorkQueue {
  const baseDelay = options.baseDelayMs ?? 5;
  const maxDelay = options.maxDelayMs ?? 60_000;
  const queue: string[] = [];
  const queued = new Set<string>();
  const dirty = new Set<string>();
  const timers = new Map<string, { due: number; timer: NodeJS.Timeout }>();
  const failureCounts = new Map<string, number>();
  /** Keys of the group being processed. */
  const processing = new Set<string>();
  const groupSize = options.groupSize ?? 1;
  const group = options.group ?? ((work: () => void) => work());
  let running = false;
  let stopped = false;
  let idleWaiters: (() => void)[] = [];

  const settleIdle = () => {
    if (queue.length === 0 && processing.size === 0 && idleWaiters.length > 0) {
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    }
  };

  const pump = () => {
    if (running || stopped) return;
    running = true;
    setImmediate(async () => {
      while (!stopped && queue.length > 0) {
        const keys = queue.splice(0, groupSize);
        for (const key of keys) {
          queued.delete(key);
          processing.add(key);
        }
        const failed = (key: string, error: unknown) => {
          options.log?.warn(`${options.name}: sync of ${key} failed`, { error: String(error) });
          if (!stopped) api.addRateLimited(key);
        };
        if (keys.length === 1) {
          try {
            await options.process(keys[0]);
            failureCounts.delete(keys[0]);
          } catch (error) {
            failed(keys[0], error);
          }
        } else {
          try {
            group(() => {
              for (const key of keys) {
                try {
                  options.process(key);
                  failureCounts.delete(key);
                } catch (error) {
                  failed(key, error);
                }
              }
            });
          } catch (error) {
            // The group itself failed (e.g. its commit): every key of it is retried.
            for (const key of keys) failed(key, error);
          }
        }
        processing.clear();
        for (const key of keys) if (dirty.delete(key)) enqueue(key);
        // Yield to I/O between keys so a burst of work never starves the API server or MQTT.
        await new Promise((resolve) => setImmediate(resolve));
      }
      running = false;
      settleIdle();
    });
  };

  const enqueue = (key: string) => {
    if (stopped) return;
    if (processing.has(key)) {
      dirty.add(key);
      return;
    }
    if (queued.has(key)) return;
    queued.add(key);
    queue.push(key);
    pump();
  };

  const api: WorkQueue = {
    add(key) {
      const pending = timers.get(key);
      if (pending) {
        clearTimeout(pending.timer);
        timers.delete(key);
      }
      enqueue(key);
    },
    addAfter(key, delayMs) {
      if (stopped) return;
      if (delayMs <= 0) {
        api.add(key);
        return;
      }
      const due = Date.now() + delayMs;
      const pending = timers.get(key);
      if (pending && pending.due <= due) return;
      if (pending) clearTimeout(pending.timer);
      const timer = setTimeout(() => {
        timers.delete(key);
        enqueue(key);
      }, delayMs);
      timer.unref?.();
      timers.set(key, { due, timer });
    },
    addRateLimited(key) {
      const n = failureCounts.get(key) ?? 0;
      failureCounts.set(key, n + 1);
      api.addAfter(key, Math.min(maxDelay, baseDelay * 2 ** n));
    },
    forget(key) {
      failureCounts.delete(key);
    },
    failures(key) {
      return failureCounts.get(key) ?? 0;
    },
    idle() {
      if (queue.length === 0 && processing.size === 0 && !running) return Promise.resolve();
      return new Promise((resolve) => idleWaiters.push(resolve));
    },
    shutDown() {
      stopped = true;
      for (const { timer } of timers.values()) clearTimeout(timer);
      timers.clear();
      queue.length = 0;
      queued.clear();
      dirty.clear();
      const waiters = idleWaiters;
      idleWaiters = [];
      for (const w of waiters) w();
    },
  };
  return api;
}
