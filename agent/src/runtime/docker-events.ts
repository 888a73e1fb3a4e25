import { createInterface } from 'node:readline';
import type { DockerApi } from './docker-api.js';
import type { ContainerEvent } from './driver.js';
import { LABELS } from './driver.js';
import { normalizeTime } from './event-dedupe.js';
import { containerEventType } from './event-hub.js';
import type { EventSource, ParsedEvent } from './event-stream.js';
import { isInfraLabels, OWNER_VALUE } from './labels.js';

/** Keys of Docker event attributes that are not container labels. */
const NON_LABEL_ATTRIBUTES = new Set(['exitCode', 'containerExitCode', 'image', 'name', 'podId', 'signal', 'execID']);

interface DockerEventJson {
  Type?: string;
  Action?: string;
  status?: string;
  id?: string;
  Actor?: { ID?: string; Attributes?: Record<string, string> };
  time?: number;
}

/**
 * `GET /events` filtered on the owner label. No `event=` filter: podman 4.3's compat API reports
 * `die` but only matches `event=died` (podman-notes §6 quirk 1), so the driver filters itself.
 */
export function dockerEventSource(api: DockerApi): EventSource {
  return async (since, signal, onLine) => {
    const filters = JSON.stringify({ label: [`${LABELS.owner}=${OWNER_VALUE}`], type: ['container'] });
    const sinceSeconds = since ? Math.floor(Date.parse(since) / 1000) : undefined;
    const response = await api.open('GET', '/events', { query: { filters, since: sinceSeconds }, signal });
    if ((response.statusCode ?? 0) >= 400) {
      response.resume();
      return;
    }
    // readline re-emits input errors (an aborted response) on the interface: swallow them there.
    createInterface({ input: response })
      .on('line', onLine)
      .on('error', () => undefined);
    await new Promise<void>((resolve) => {
      response.on('close', resolve);
      response.on('error', () => resolve());
    });
  };
}

export function parseDockerEvent(line: string): ParsedEvent | undefined {
  const raw = JSON.parse(line) as DockerEventJson;
  const id = raw.Actor?.ID ?? raw.id;
  const action = raw.Action ?? raw.status;
  if (raw.Type !== 'container' || !id || !action) return undefined;
  const type = containerEventType(action);
  const attributes = raw.Actor?.Attributes ?? {};
  const labels = Object.fromEntries(Object.entries(attributes).filter(([k]) => !NON_LABEL_ATTRIBUTES.has(k)));
  if (!type || isInfraLabels(labels)) return undefined;
  // timeNano exceeds 2^53: take its digits from the text, not from the parsed number.
  const time = /"timeNano":(\d+)/.exec(line)?.[1] ?? String(raw.time ?? 0);
  const event: ContainerEvent = { containerId: id, type, labels, time: normalizeTime(time) ?? '' };
  if (type === 'died') event.exitCode = Number(attributes.exitCode ?? attributes.containerExitCode ?? 0);
  return { event, id, status: action, time };
}
