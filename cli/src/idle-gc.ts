import { performance } from 'node:perf_hooks';
import { getHeapStatistics } from 'node:v8';

/**
 * One full garbage collection when the hub has gone quiet after a burst (a rollout, a join storm).
 *
 * A burst grows V8's heap (the young generation to 32 MiB, old space toward a far limit) and V8
 * keeps it committed — counted in RSS — at idle: its own memory reducer waits for a low
 * allocation rate, which heartbeats never give. Measured at 100 nodes / 1,000 pods
 * (bench/README.md): 182 MiB at idle, 144 MiB after one GC. Shrinking the heap for good with V8
 * flags (`--optimize-for-size`, a fixed small young generation) cost throughput during bursts
 * instead. This costs one pause after each burst — ~0.25 s for 40 MiB of live heap (a full,
 * compacting collection of many small objects) — taken only after two quiet intervals (20 s),
 * so a client in the middle of a sequence of requests is not the one who waits.
 *
 * The collection is the inspector's `HeapProfiler.collectGarbage` (in process, no port): unlike
 * `gc()` of `--expose-gc` it also shrinks the young generation back.
 */
export interface IdleCollectorOptions {
  /** How often to look (default 10 s). */
  intervalMs?: number;
  /** Event-loop utilization below which the hub counts as idle (default 0.1). */
  idleUtilization?: number;
  /** Collect only once the committed heap grew this much since the last collection (default 16 MiB). */
  minGrowthBytes?: number;
}

export interface IdleSample {
  /** Event-loop utilization, 0–1: the higher of the last two intervals. */
  utilization: number;
  /** V8 heap committed now (`total_heap_size`). */
  committedBytes: number;
  /** V8 heap committed right after the last collection (or at start). */
  baselineBytes: number;
}

export function shouldCollect(sample: IdleSample, options: IdleCollectorOptions = {}): boolean {
  const idle = sample.utilization < (options.idleUtilization ?? 0.1);
  return idle && sample.committedBytes - sample.baselineBytes >= (options.minGrowthBytes ?? 16 * 2 ** 20);
}

/** A full, memory-reducing collection, or undefined when node has no inspector. */
async function memoryReducingCollector(): Promise<(() => Promise<void>) | undefined> {
  try {
    const { Session } = await import('node:inspector');
    return async () => {
      const session = new Session();
      session.connect();
      try {
        await new Promise<void>((resolve) => session.post('HeapProfiler.collectGarbage', () => resolve()));
      } finally {
        session.disconnect();
      }
    };
  } catch {
    return undefined; // node built without the inspector
  }
}

/** Starts looking; resolves to the function that stops. Without an inspector it does nothing. */
export async function startIdleCollector(options: IdleCollectorOptions = {}): Promise<() => void> {
  const collect = await memoryReducingCollector();
  if (!collect) return () => undefined;
  let baselineBytes = getHeapStatistics().total_heap_size;
  let last = performance.eventLoopUtilization();
  let previous = 1;
  let collecting = false;
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const current = performance.eventLoopUtilization(now, last).utilization;
    const utilization = Math.max(current, previous);
    last = now;
    previous = current;
    const committedBytes = getHeapStatistics().total_heap_size;
    // After a collection the heap is as small as it gets: also the right baseline when it shrank.
    if (committedBytes < baselineBytes) baselineBytes = committedBytes;
    if (collecting || !shouldCollect({ utilization, committedBytes, baselineBytes }, options)) return;
    collecting = true;
    collect()
      .catch(() => undefined) // a failed collection only leaves the heap as it was
      .finally(() => {
        collecting = false;
        baselineBytes = getHeapStatistics().total_heap_size;
        last = performance.eventLoopUtilization(); // the collection itself is not load
        previous = 1;
      });
  }, options.intervalMs ?? 10_000);
  timer.unref();
  return () => clearInterval(timer);
}
