/**
 * Per-key exponential back-off with the semantics of client-go `flowcontrol.Backoff`, as the
 * kubelet uses it for CrashLoopBackOff and image pulls (k8s-semantics §5):
 * - the first failure is not delayed (no entry yet); `next` then records a delay of `initialMs`;
 * - every later `next` doubles the delay up to `maxMs`;
 * - an entry expires when the new event happens more than `2 × maxMs` after the last update, so a
 *   container that ran for 10 minutes without failing starts again at the initial delay.
 */
export interface BackOffPolicy {
  initialMs: number;
  maxMs: number;
}

/** Kubelet defaults: 10 s doubling to 300 s (reset after 600 s). */
export const CRASH_LOOP_BACKOFF: BackOffPolicy = { initialMs: 10_000, maxMs: 300_000 };
/** Image pulls use the same base back-off. */
export const IMAGE_PULL_BACKOFF: BackOffPolicy = { initialMs: 10_000, maxMs: 300_000 };

interface Entry {
  delayMs: number;
  lastUpdate: number;
}

export class BackOff {
  private readonly entries = new Map<string, Entry>();

  constructor(
    readonly policy: BackOffPolicy,
    private readonly clock: () => number = Date.now,
  ) {}

  /** The current delay of `key` (0 when it has no entry). */
  get(key: string): number {
    return this.entries.get(key)?.delayMs ?? 0;
  }

  /** Records a failure at `eventTime` and grows (or resets) the delay. */
  next(key: string, eventTime: number): void {
    const entry = this.entries.get(key);
    if (!entry || this.hasExpired(entry, eventTime)) {
      this.entries.set(key, { delayMs: this.policy.initialMs, lastUpdate: eventTime });
      return;
    }
    entry.delayMs = Math.min(entry.delayMs * 2, this.policy.maxMs);
    entry.lastUpdate = eventTime;
  }

  /** True while less than the current delay has passed since `eventTime` (client-go `IsInBackOffSince`). */
  isInBackOffSince(key: string, eventTime: number): boolean {
    return this.remainingMs(key, eventTime) > 0;
  }

  /** Milliseconds until the back-off that started at `eventTime` is over (0 when not backing off). */
  remainingMs(key: string, eventTime: number): number {
    const entry = this.entries.get(key);
    if (!entry || this.hasExpired(entry, eventTime)) return 0;
    return Math.max(0, eventTime + entry.delayMs - this.clock());
  }

  reset(key: string): void {
    this.entries.delete(key);
  }

  private hasExpired(entry: Entry, eventTime: number): boolean {
    return eventTime - entry.lastUpdate > 2 * this.policy.maxMs;
  }
}

/** Formats milliseconds like Go's `time.Duration.String()` (`10s`, `1m20s`, `5m0s`, `500ms`). */
export function goDuration(ms: number): string {
  if (ms === 0) return '0s';
  if (ms < 1000) return `${ms}ms`;
  const totalSeconds = ms / 1000;
  const hours = Math.floor(totalSeconds / 3600);
  const minutes = Math.floor((totalSeconds % 3600) / 60);
  const seconds = Number((totalSeconds % 60).toFixed(3));
  if (hours > 0) return `${hours}h${minutes}m${seconds}s`;
  if (minutes > 0) return `${minutes}m${seconds}s`;
  return `${seconds}s`;
}
