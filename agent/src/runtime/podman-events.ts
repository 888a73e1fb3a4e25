import { createInterface } from 'node:readline';
import type { ContainerEvent } from './driver.js';
import { LABELS } from './driver.js';
import { EventDeduper, normalizeTime } from './event-dedupe.js';
import { containerEventType, EventHub } from './event-hub.js';
import { isInfraLabels, OWNER_VALUE } from './labels.js';
import type { PodmanCli } from './podman-cli.js';

/** One line of `podman events --format json`. */
interface PodmanEventLine {
  ID?: string;
  Status?: string;
  Time?: string;
  Type?: string;
  ContainerExitCode?: number;
  Attributes?: Record<string, string>;
}

/**
 * One long-lived `podman events` process for the whole agent (filtered on the owner label),
 * deduplicated, restarted with `--since <newest seen>` if it dies. No polling.
 */
export class PodmanEventStream {
  private readonly hub = new EventHub(
    () => this.start(),
    () => this.stop(),
  );
  private readonly deduper = new EventDeduper();
  private abort?: AbortController;
  private running = false;
  private restartTimer?: NodeJS.Timeout;
  private startedAt?: string;

  constructor(
    private readonly cli: PodmanCli,
    private readonly restartDelayMs = 1000,
  ) {}

  subscribe(filter: Record<string, string>, listener: (event: ContainerEvent) => void): () => void {
    return this.hub.subscribe(filter, listener);
  }

  private start(): void {
    this.running = true;
    this.startedAt = new Date().toISOString();
    this.spawn();
  }

  private stop(): void {
    this.running = false;
    clearTimeout(this.restartTimer);
    this.abort?.abort();
    this.abort = undefined;
  }

  private spawn(): void {
    const abort = new AbortController();
    this.abort = abort;
    // --since covers the gap between subscribing (or the stream dying) and podman reading the log.
    const since = this.deduper.newestTime() ?? this.startedAt;
    const args = ['events', '--format', 'json', '--filter', `label=${LABELS.owner}=${OWNER_VALUE}`];
    args.push('--filter', 'type=container');
    if (since) args.push('--since', since);
    const child = this.cli.spawn(args, abort.signal);
    const lines = createInterface({ input: child.stdout });
    lines.on('line', (line) => this.handleLine(line));
    child.then(
      () => this.onExit(abort),
      () => this.onExit(abort),
    );
  }

  private onExit(abort: AbortController): void {
    if (!this.running || this.abort !== abort) return;
    this.restartTimer = setTimeout(() => {
      if (this.running && this.abort === abort) this.spawn();
    }, this.restartDelayMs);
    this.restartTimer.unref?.();
  }

  private handleLine(line: string): void {
    let raw: PodmanEventLine;
    try {
      raw = JSON.parse(line) as PodmanEventLine;
    } catch {
      return;
    }
    const event = toContainerEvent(raw);
    if (!event || !raw.ID || !raw.Status || !raw.Time) return;
    if (!this.deduper.accept(raw.ID, raw.Status, raw.Time)) return;
    this.hub.publish(event);
  }
}

export function toContainerEvent(raw: PodmanEventLine): ContainerEvent | undefined {
  if (raw.Type !== 'container' || !raw.ID || !raw.Status || !raw.Time) return undefined;
  const type = containerEventType(raw.Status);
  const labels = raw.Attributes ?? {};
  if (!type || isInfraLabels(labels)) return undefined;
  const event: ContainerEvent = { containerId: raw.ID, type, labels, time: normalizeTime(raw.Time) ?? raw.Time };
  // podman omits ContainerExitCode when it is 0 (podman-notes §4.8).
  if (type === 'died') event.exitCode = raw.ContainerExitCode ?? 0;
  return event;
}
