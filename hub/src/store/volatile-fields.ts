import { isDeepStrictEqual } from 'node:util';
import type { KubeObject } from '@peapod/core';

/**
 * Flash wear (anchors.md §3.5): which writes may stay in memory for a while.
 *
 * A write whose only difference from the stored copy is in volatile fields — values refreshed at
 * a steady rate that carry no state worth an SD-card write — is coalesced. Everything else is
 * meaningful and written through at once. Per kind, the function below returns the object with
 * its volatile fields removed; two versions with equal projections differ only in volatile data.
 */
type Projection = (object: KubeObject) => KubeObject;

/**
 * Volatile annotations: live monitoring samples the MQTT bridge refreshes on every heartbeat
 * (`peapod.io/usage`: CPU/memory usage and its sample time).
 */
const VOLATILE_NODE_ANNOTATIONS = ['peapod.io/usage'];

const PROJECTIONS: Record<string, Projection> = {
  /** Node: `status.conditions[*].lastHeartbeatTime` and the usage annotation. */
  Node: (object) => {
    const metadata = { ...object.metadata };
    if (metadata.annotations) {
      const annotations = { ...metadata.annotations };
      for (const key of VOLATILE_NODE_ANNOTATIONS) delete annotations[key];
      metadata.annotations = annotations;
    }
    const copy = { ...object, metadata };
    if (Array.isArray(object.status?.conditions)) {
      copy.status = {
        ...object.status,
        conditions: object.status.conditions.map((condition: Record<string, unknown>) => {
          const { lastHeartbeatTime: _beat, ...rest } = condition;
          return rest;
        }),
      };
    }
    return copy;
  },
  /** Event: a repeat of a known event only bumps `count` and `lastTimestamp` (client-go dedup). */
  Event: (object) => {
    const { count: _count, lastTimestamp: _last, ...rest } = object as KubeObject & Record<string, unknown>;
    return rest as KubeObject;
  },
};

export function isCoalescibleKind(kind: string): boolean {
  return kind in PROJECTIONS;
}

/**
 * True when `next` differs from `stored` only in volatile fields. resourceVersion and generation
 * are derived (a change that matters shows up in the fields they are derived from).
 */
export function isVolatileOnlyChange(stored: KubeObject, next: KubeObject): boolean {
  const project = PROJECTIONS[next.kind];
  if (!project) return false;
  const strip = (o: KubeObject) => {
    const { resourceVersion: _rv, generation: _generation, ...metadata } = o.metadata;
    return project({ ...o, metadata });
  };
  return isDeepStrictEqual(strip(stored), strip(next));
}
