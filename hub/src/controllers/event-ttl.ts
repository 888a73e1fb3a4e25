import type { Event, KubeObject } from '@peapod/core';
import type { HubComponent, HubContext } from '../component.js';
import { EVENT_TTL_MS } from './events.js';
import { listAndWatch } from './list-watch.js';
import { EVENTS, isNotFound, objectKey, splitKey } from './objects.js';

/**
 * Deletes Events one hour (`ttlMs`) after their last occurrence. Keeps the expiry of every Event in
 * memory (fed by a watch) and arms one timer for the earliest; no periodic table scans.
 */
export function createEventTtlComponent(options: { ttlMs?: number } = {}): HubComponent {
  const ttl = options.ttlMs ?? EVENT_TTL_MS;
  const expiries = new Map<string, number>();
  let context: HubContext | undefined;
  let timer: NodeJS.Timeout | undefined;
  let timerDue = Number.POSITIVE_INFINITY;
  let unwatch: (() => void) | undefined;

  const expiryOf = (object: KubeObject): number => {
    const e = object as Event;
    const last = e.lastTimestamp ?? e.firstTimestamp ?? e.metadata.creationTimestamp;
    const at = last ? Date.parse(last) : Number.NaN;
    return (Number.isNaN(at) ? (context as HubContext).now() : at) + ttl;
  };

  /**
   * Arms the timer for the earliest expiry. With `due` (one Event added or changed) only that
   * expiry is compared: O(1) per Event. A timer left early by a changed or deleted Event fires,
   * finds nothing due and re-arms from a full scan.
   */
  const arm = (due?: number) => {
    if (due !== undefined && due >= timerDue) return;
    let earliest = due ?? Number.POSITIVE_INFINITY;
    if (due === undefined) for (const d of expiries.values()) if (d < earliest) earliest = d;
    if (earliest === timerDue) return;
    if (timer) clearTimeout(timer);
    timer = undefined;
    timerDue = earliest;
    if (earliest === Number.POSITIVE_INFINITY || !context) return;
    const delay = Math.max(0, earliest - context.now());
    timer = setTimeout(sweep, Math.min(delay, 2 ** 31 - 1));
    timer.unref?.();
  };

  const sweep = () => {
    timer = undefined;
    timerDue = Number.POSITIVE_INFINITY;
    if (!context) return;
    const now = context.now();
    for (const [key, due] of [...expiries]) {
      if (due > now) continue;
      expiries.delete(key);
      const { namespace, name } = splitKey(key);
      try {
        context.service.delete(EVENTS, namespace, name);
      } catch (error) {
        if (!isNotFound(error)) context.log.warn('event expiry failed', { event: key, error: String(error) });
      }
    }
    arm();
  };

  return {
    name: 'event-ttl',
    start(ctx) {
      context = ctx;
      unwatch = listAndWatch(ctx.service, EVENTS, (type, event) => {
        const key = objectKey(event);
        if (type === 'DELETED') {
          expiries.delete(key);
          return;
        }
        const due = expiryOf(event);
        expiries.set(key, due);
        arm(due);
      });
      sweep();
    },
    stop() {
      unwatch?.();
      if (timer) clearTimeout(timer);
      timer = undefined;
      expiries.clear();
      timerDue = Number.POSITIVE_INFINITY;
      context = undefined;
    },
  };
}
