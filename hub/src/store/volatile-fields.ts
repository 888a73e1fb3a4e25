import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '@peapod/core';

/**
 * Flash wear (anchors.md §3.5): which writes may stay in memory for a while.
 *
 * A Node write whose only difference from the stored copy is in volatile fields — the
 * timestamps an agent refreshes on every heartbeat — carries no information worth an SD-card
 * write. Everything else (a condition flipping, an address, capacity, labels, taints…) is
 * meaningful and written through at once.
 */
const COALESCED_KINDS = new Set(['Node']);

/** Volatile per-condition fields: `status.conditions[*].lastHeartbeatTime`. */
const VOLATILE_CONDITION_FIELDS = ['lastHeartbeatTime'];

/**
 * Volatile annotations: live monitoring samples the MQTT bridge refreshes on every heartbeat
 * (`peapod.io/usage`: CPU/memory usage and its sample time).
 */
const VOLATILE_ANNOTATIONS = ['peapod.io/usage'];

export function isCoalescibleKind(kind: string): boolean {
  return COALESCED_KINDS.has(kind);
}

// biome-ignore lint/suspicious/noExplicitAny: walking an open-ended JSON document
function withoutVolatileFields(object: KubeObject): any {
  const { resourceVersion: _rv, ...metadata } = object.metadata;
  if (metadata.annotations) {
    const annotations = { ...metadata.annotations };
    for (const key of VOLATILE_ANNOTATIONS) delete annotations[key];
    metadata.annotations = annotations;
  }
  const copy = { ...object, metadata };
  if (Array.isArray(object.status?.conditions)) {
    copy.status = {
      ...object.status,
      conditions: object.status.conditions.map((condition: Record<string, unknown>) => {
        const rest = { ...condition };
        for (const field of VOLATILE_CONDITION_FIELDS) delete rest[field];
        return rest;
      }),
    };
  }
  return copy;
}

/** True when `next` differs from `stored` only in volatile fields (and resourceVersion). */
export function isHeartbeatOnlyChange(stored: KubeObject, next: KubeObject): boolean {
  return isDeepStrictEqual(withoutVolatileFields(stored), withoutVolatileFields(next));
}
