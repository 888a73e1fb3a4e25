import type { ContainerEvent } from './driver.js';
import { matchesLabels } from './labels.js';

type Listener = (event: ContainerEvent) => void;

/**
 * Fans one runtime event stream out to many subscribers with their own label filters; starts the
 * stream on the first subscription and stops it after the last one leaves.
 */
export class EventHub {
  private readonly subscribers = new Set<{ filter: Record<string, string>; listener: Listener }>();

  constructor(
    private readonly startStream: () => void,
    private readonly stopStream: () => void,
  ) {}

  subscribe(filter: Record<string, string>, listener: Listener): () => void {
    const entry = { filter, listener };
    this.subscribers.add(entry);
    if (this.subscribers.size === 1) this.startStream();
    return () => {
      if (!this.subscribers.delete(entry)) return;
      if (this.subscribers.size === 0) this.stopStream();
    };
  }

  publish(event: ContainerEvent): void {
    for (const { filter, listener } of [...this.subscribers]) {
      if (!matchesLabels(event.labels, filter)) continue;
      try {
        listener(event);
      } catch {
        // A failing listener must not break the stream for the others.
      }
    }
  }
}

const EVENT_TYPES: Record<string, ContainerEvent['type']> = {
  create: 'create',
  start: 'start',
  died: 'died',
  die: 'died',
  oom: 'oom',
  remove: 'remove',
  destroy: 'remove',
};

/** Maps a runtime status word (podman `died`, docker `die`, …) to ContainerEvent['type']. */
export function containerEventType(status: string): ContainerEvent['type'] | undefined {
  return EVENT_TYPES[status];
}
