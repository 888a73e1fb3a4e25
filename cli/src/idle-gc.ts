import { performance } from 'node:perf_hooks';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

/**
 * One full garbage collection when the hub has gone quiet after a burst (a rollout, a join storm).
 *
 * A burst grows V8's heap (the young generation to 32 MiB, old space toward a far limit) and V8
 * keeps it committed — counted in RSS — at idle: its own memory reducer waits for a low
 * allocation rate, which heartbeats never give. Measured at 100 nodes / 1,000 pods
 * (bench/README.md): 182 MiB at idle, 144 MiB after one GC. Shrinking the heap for good with V8
 * flags (`--optimize-for-size`, a fixed small young generation) cost throughput during bursts
 * instead; this costs one pause of a few tens of milliseconds, only when idle.
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
  /** Event-loop utilization over the last interval, 0–1. */
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

/** Starts looking; returns the function that stops. Without a usable `gc` it does nothing. */
export function startIdleCollector(options: IdleCollectorOptions = {}): () => void {
  let gc: (() => void) | undefined;
  try {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as (() => void) | undefined;
  } catch {
    gc = undefined;
  }
  if (typeof gc !== 'function') return () => undefined;
  const collect = gc;
  let baselineBytes = getHeapStatistics().total_heap_size;
  let last = performance.eventLoopUtilization();
  const timer = setInterval(() => {
    const now = performance.eventLoopUtilization();
    const utilization = performance.eventLoopUtilization(now, last).utilization;
    last = now;
    const committedBytes = getHeapStatistics().total_heap_size;
    // After a collection the heap is as small as it gets: also the right baseline when it shrank.
    if (committedBytes < baselineBytes) baselineBytes = committedBytes;
    if (!shouldCollect({ utilization, committedBytes, baselineBytes }, options)) return;
    collect();
    baselineBytes = getHeapStatistics().total_heap_size;
    last = performance.eventLoopUtilization(); // the collection itself is not load
  }, options.intervalMs ?? 10_000);
  timer.unref();
  return () => clearInterval(timer);
}
