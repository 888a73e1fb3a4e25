import { createInterface } from 'node:readline';
import type { ContainerEvent } from './driver.js';
import { LABELS } from './driver.js';
import { normalizeTime } from './event-dedupe.js';
import { containerEventType } from './event-hub.js';
import type { EventSource, ParsedEvent } from './event-stream.js';
import { isInfraLabels, OWNER_VALUE } from './labels.js';
import type { PodmanCli } from './podman-cli.js';

/** One line of `podman events --format json`. */
export interface PodmanEventLine {
  ID?: string;
  Status?: string;
  Time?: string;
  Type?: string;
  ContainerExitCode?: number;
  Attributes?: Record<string, string>;
}

/** `podman events --format json` filtered on the owner label, as an EventSource. */
export function podmanEventSource(cli: PodmanCli): EventSource {
  return async (since, signal, onLine) => {
    const args = ['events', '--format', 'json', '--filter', `label=${LABELS.owner}=${OWNER_VALUE}`];
    args.push('--filter', 'type=container');
    if (since) args.push('--since', since);
    const child = cli.spawn(args, signal);
    createInterface({ input: child.stdout })
      .on('line', onLine)
      .on('error', () => undefined);
    await child.done;
  };
}

export function parsePodmanEvent(line: string): ParsedEvent | undefined {
  const raw = JSON.parse(line) as PodmanEventLine;
  const event = toContainerEvent(raw);
  if (!event || !raw.ID || !raw.Status || !raw.Time) return undefined;
  return { event, id: raw.ID, status: raw.Status, time: raw.Time };
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
