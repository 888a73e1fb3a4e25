/**
 * Current CPU use from cumulative counters: milli-CPU = Δcpu-time / Δwall-time × 1000, against the
 * previous sample of the same container. The first sample of a container has no previous one and
 * falls back to the average since start (what `podman stats --no-stream` reports).
 */
export class CpuRateTracker {
  private readonly last = new Map<string, { cpuNanos: number; wallNanos: number }>();

  milliCpu(id: string, cpuNanos: number, wallNanos: number, averageMilli: number): number {
    const previous = this.last.get(id);
    this.last.set(id, { cpuNanos, wallNanos });
    if (!previous || wallNanos <= previous.wallNanos || cpuNanos < previous.cpuNanos) {
      return Math.max(0, Math.round(averageMilli));
    }
    return Math.max(0, Math.round(((cpuNanos - previous.cpuNanos) / (wallNanos - previous.wallNanos)) * 1000));
  }

  /** Forgets a removed container. */
  forget(id: string): void {
    this.last.delete(id);
  }
}
