import type { ContainerEvent } from './driver.js';
import { EventDeduper } from './event-dedupe.js';
import { EventHub } from './event-hub.js';

/** A runtime's raw event line turned into a ContainerEvent plus its dedupe key parts. */
export interface ParsedEvent {
  event: ContainerEvent;
  id: string;
  status: string;
  /** The runtime's own time, full precision (RFC 3339 or Unix nanoseconds). */
  time: string | number;
}

/**
 * Reads one runtime event source line by line: resolves when the source ends (it died or
 * `signal` aborted). `since` is an RFC 3339 time to replay from.
 */
export type EventSource = (
  since: string | undefined,
  signal: AbortSignal,
  onLine: (line: string) => void,
) => Promise<void>;

/**
 * One long-lived event stream per driver: started on the first subscription, fanned out by label
 * filter, deduplicated on (id, status, time), restarted with `since` = newest event seen (or the
 * subscription time) if it dies, 1 s later, doubling up to 30 s while it keeps dying without
 * delivering anything. No polling.
 */
export class RuntimeEventStream {
  private readonly hub = new EventHub(
    () => this.start(),
    () => this.stop(),
  );
  private readonly deduper = new EventDeduper();
  private abort?: AbortController;
  private restartTimer?: NodeJS.Timeout;
  private startedAt?: string;
  /** How many times the source was (re)opened; for diagnostics and tests. */
  opened = 0;
  /** How many times an open source ended on its own (the runtime went away, or its stream broke). */
  ended = 0;

  /** Restarts in a row without a single event in between (drives the restart back-off). */
  private failures = 0;

  constructor(
    private readonly source: EventSource,
    private readonly parse: (line: string) => ParsedEvent | undefined,
    private readonly restartDelayMs = 1000,
    private readonly maxRestartDelayMs = 30_000,
  ) {}

  subscribe(filter: Record<string, string>, listener: (event: ContainerEvent) => void): () => void {
    return this.hub.subscribe(filter, listener);
  }

  private start(): void {
    this.startedAt = new Date().toISOString();
    this.open();
  }

  private stop(): void {
    clearTimeout(this.restartTimer);
    this.abort?.abort();
    this.abort = undefined;
  }

  private open(): void {
    const abort = new AbortController();
    this.abort = abort;
    this.opened++;
    const since = this.deduper.newestTime() ?? this.startedAt;
    const ended = () => {
      if (this.abort !== abort || abort.signal.aborted) return;
      this.ended++;
      const delay = Math.min(this.maxRestartDelayMs, this.restartDelayMs * 2 ** this.failures);
      this.failures++;
      this.restartTimer = setTimeout(() => {
        if (this.abort === abort) this.open();
      }, delay);
      this.restartTimer.unref?.();
    };
    this.source(since, abort.signal, (line) => this.handle(line)).then(ended, ended);
  }

  private handle(line: string): void {
    this.failures = 0;
    let parsed: ParsedEvent | undefined;
    try {
      parsed = this.parse(line);
    } catch {
      return;
    }
    if (!parsed || !this.deduper.accept(parsed.id, parsed.status, parsed.time)) return;
    this.hub.publish(parsed.event);
  }
}
