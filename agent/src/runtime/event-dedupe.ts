/**
 * Drops replayed runtime events. podman's shared events log re-emits the retained half of the old
 * file on rotation (podman-notes §4.8), and a restarted stream replays from `--since`: an event is
 * passed on once per (id, status, time), and events far older than the newest one seen are dropped.
 */
export class EventDeduper {
  private readonly seen = new Map<string, bigint>();
  private newest = 0n;

  /** @param windowMs events older than newest − window are dropped without lookup. */
  constructor(private readonly windowMs = 10_000) {}

  /** True when the event is new (and records it). */
  accept(id: string, status: string, time: string | number): boolean {
    const nanos = parseTimeNanos(time);
    const window = BigInt(this.windowMs) * 1_000_000n;
    if (nanos < this.newest - window) return false;
    const key = `${id}|${status}|${nanos}`;
    if (this.seen.has(key)) return false;
    this.seen.set(key, nanos);
    if (nanos > this.newest) {
      this.newest = nanos;
      this.prune(window);
    }
    return true;
  }

  /** The newest event time seen, as an RFC 3339 string (for `--since` on a restarted stream). */
  newestTime(): string | undefined {
    if (this.newest === 0n) return undefined;
    return new Date(Number(this.newest / 1_000_000n)).toISOString();
  }

  private prune(window: bigint): void {
    if (this.seen.size < 1024) return;
    for (const [key, nanos] of this.seen) if (nanos < this.newest - window) this.seen.delete(key);
  }
}

/**
 * Nanoseconds since the epoch of an RFC 3339 time with any number of fraction digits
 * (`2026-11-22T12:01:47.684560472Z`, `…+01:00`), or of Unix seconds/nanoseconds (number or digit string).
 */
export function parseTimeNanos(time: string | number): bigint {
  if (typeof time === 'number') return time > 1e14 ? BigInt(Math.round(time)) : BigInt(Math.round(time * 1e9));
  if (/^\d+$/.test(time)) return time.length > 14 ? BigInt(time) : BigInt(time) * 1_000_000_000n;
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d+))?(.*)$/.exec(time);
  if (!match) {
    const ms = Date.parse(time);
    return Number.isNaN(ms) ? 0n : BigInt(ms) * 1_000_000n;
  }
  const seconds = Date.parse(`${match[1]}${match[3] || 'Z'}`);
  if (Number.isNaN(seconds)) return 0n;
  const fraction = (match[2] ?? '').slice(0, 9).padEnd(9, '0');
  return BigInt(seconds) * 1_000_000n + BigInt(fraction);
}

/** RFC 3339 (ms precision) of a runtime time, or undefined for podman/docker's zero time. */
export function normalizeTime(time: string | number | undefined | null): string | undefined {
  if (time === undefined || time === null || time === '' || time === 0) return undefined;
  const nanos = parseTimeNanos(time);
  if (nanos <= 0n) return undefined;
  return new Date(Number(nanos / 1_000_000n)).toISOString();
}
