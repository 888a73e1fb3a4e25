import type { Event, KubeObject } from '@peapod/core';
import type { ResourceService } from '../api/service-types.js';
import type { Logger } from '../component.js';
import { EVENTS, isNotFound, rfc3339 } from './objects.js';

/** How long an Event lives after its last occurrence (kube-apiserver `--event-ttl`). */
export const EVENT_TTL_MS = 60 * 60 * 1000;
/** Size of the dedupe cache (client-go `maxLruCacheEntries`). */
const CACHE_SIZE = 4096;

export interface EventRecorder {
  /** Records (or, when identical to a recent one, counts) an event about `object`. Never throws. */
  event(object: KubeObject, type: 'Normal' | 'Warning', reason: string, message: string, fieldPath?: string): void;
}

export interface EventRecorderOptions {
  now?: () => number;
  /** `source.host`, e.g. the node name for agent events. */
  host?: string;
  log?: Logger;
  /**
   * The dedupe cache, when several recorders should share one bound (the hub records the events
   * of every node: one cache per node would let memory grow with the fleet). Default: its own.
   */
  cache?: EventDedupeCache;
}

/** Recently recorded events by key (LRU, at most `CACHE_SIZE` entries). */
export class EventDedupeCache {
  readonly #entries = new Map<string, { namespace: string; name: string }>();

  get(key: string): { namespace: string; name: string } | undefined {
    return this.#entries.get(key);
  }

  remember(key: string, value: { namespace: string; name: string }): void {
    this.#entries.delete(key);
    this.#entries.set(key, value);
    if (this.#entries.size > CACHE_SIZE) this.#entries.delete(this.#entries.keys().next().value as string);
  }

  forget(key: string): void {
    this.#entries.delete(key);
  }
}

/**
 * Writes v1 Events the way client-go's recorder does: an identical event (same involved object,
 * type, reason, message and source) within the cache bumps `count` and `lastTimestamp` of the
 * existing Event instead of creating a new one. Names are `<object>.<hex timestamp>`.
 * Expiry after one hour is the job of `createEventTtlComponent`.
 */
export function createEventRecorder(
  service: ResourceService,
  component: string,
  options: EventRecorderOptions = {},
): EventRecorder {
  const now = options.now ?? Date.now;
  const cache = options.cache ?? new EventDedupeCache();
  let sequence = 0;

  return {
    event(object, type, reason, message, fieldPath) {
      const meta = object.metadata;
      const namespace = meta.namespace || 'default';
      const involvedObject = {
        apiVersion: object.apiVersion,
        kind: object.kind,
        namespace: meta.namespace ?? '',
        name: meta.name,
        uid: meta.uid,
        ...(fieldPath ? { fieldPath } : {}),
      };
      const key = JSON.stringify([involvedObject, type, reason, message, component, options.host ?? '']);
      const timestamp = rfc3339(now());
      const known = cache.get(key);
      try {
        if (known) {
          try {
            service.mutate(EVENTS, known.namespace, known.name, (stored) => {
              const e = stored as Event;
              e.count = (e.count ?? 1) + 1;
              e.lastTimestamp = timestamp;
              return e;
            });
            cache.remember(key, known);
            return;
          } catch (error) {
            if (!isNotFound(error)) throw error;
            cache.forget(key);
          }
        }
        const nanos = BigInt(now()) * 1_000_000n + BigInt(sequence++ % 1_000_000);
        const name = `${meta.name}.${nanos.toString(16)}`;
        const event: Event = {
          apiVersion: 'v1',
          kind: 'Event',
          metadata: { name, namespace },
          involvedObject,
          reason,
          message,
          type,
          count: 1,
          firstTimestamp: timestamp,
          lastTimestamp: timestamp,
          eventTime: null,
          source: { component, ...(options.host ? { host: options.host } : {}) },
          reportingComponent: component,
          reportingInstance: options.host ?? '',
        };
        service.create(EVENTS, namespace, event);
        cache.remember(key, { namespace, name });
      } catch (error) {
        options.log?.warn('could not record event', { reason, object: meta.name, error: String(error) });
      }
    },
  };
}
