import {
  type ContainerState,
  type ContainerStatus,
  isApiError,
  type KubeObject,
  type PodCondition,
  type PodRemovedReport,
  type PodStatus,
  type PodStatusEntry,
  type PodStatusReport,
  resolveResourceType,
} from '@peapod/core';
import type { ResourceService } from '../api/service-types.js';
import type { Logger } from '../component.js';
import { rfc3339Seconds } from '../store/object-meta.js';

const PODS = resolveResourceType('pods')!;
/** Below this the agent clock is considered in sync (network latency is in the measurement). */
const SKEW_TOLERANCE_MS = 2000;

class NotThisNodesPod extends Error {}

/** Shifts an agent timestamp by the measured clock offset onto hub time. */
function shift(time: string | null | undefined, offsetMs: number): string | undefined {
  if (!time) return undefined;
  const t = Date.parse(time);
  return Number.isNaN(t) ? undefined : rfc3339Seconds(t + offsetMs);
}

function shiftState(state: ContainerState | undefined, offsetMs: number): void {
  if (state?.running?.startedAt) state.running.startedAt = shift(state.running.startedAt, offsetMs);
  if (state?.terminated) {
    if (state.terminated.startedAt) state.terminated.startedAt = shift(state.terminated.startedAt, offsetMs);
    if (state.terminated.finishedAt) state.terminated.finishedAt = shift(state.terminated.finishedAt, offsetMs);
  }
}

/** Rewrites every timestamp of a device-reported pod status into hub time. */
export function toHubTime(status: PodStatus, offsetMs: number): PodStatus {
  if (Math.abs(offsetMs) < SKEW_TOLERANCE_MS) return status;
  const s: PodStatus = structuredClone(status);
  if (s.startTime) s.startTime = shift(s.startTime, offsetMs);
  for (const c of s.conditions ?? []) {
    if (c.lastTransitionTime) c.lastTransitionTime = shift(c.lastTransitionTime, offsetMs);
    if (c.lastProbeTime) c.lastProbeTime = shift(c.lastProbeTime, offsetMs);
  }
  for (const cs of [...(s.containerStatuses ?? []), ...(s.initContainerStatuses ?? [])] as ContainerStatus[]) {
    shiftState(cs.state, offsetMs);
    shiftState(cs.lastState, offsetMs);
  }
  return s;
}

/** The agent owns everything in status except conditions it does not report (e.g. PodScheduled). */
export function mergePodStatus(stored: PodStatus | undefined, reported: PodStatus): PodStatus {
  const conditions: PodCondition[] = [...(reported.conditions ?? [])];
  for (const c of stored?.conditions ?? []) if (!conditions.some((r) => r.type === c.type)) conditions.push(c);
  const merged: PodStatus = { ...(stored ?? {}), ...reported, conditions };
  // Terminal phases are final (k8s-semantics §3.1).
  if (stored?.phase === 'Succeeded' || stored?.phase === 'Failed') merged.phase = stored.phase;
  return merged;
}

/**
 * Writes pod status reports through the status subresource, dropping stale ones (same agent process,
 * lower or equal sequence) and anything about pods not bound to the reporting node; finishes graceful
 * deletion when the agent confirms a pod's containers are gone.
 */
export class PodStatusWriter {
  private readonly lastSeen = new Map<string, { instance: string; sequence: number }>();

  constructor(
    private readonly service: ResourceService,
    private readonly log: Logger,
    private readonly clockOffsetMs: (nodeName: string) => number,
  ) {}

  handleStatus(nodeName: string, report: PodStatusReport): void {
    for (const update of report.updates) this.apply(nodeName, report.instance, update);
  }

  private apply(nodeName: string, instance: string, update: PodStatusEntry): void {
    const last = this.lastSeen.get(update.uid);
    if (last && last.instance === instance && last.sequence >= update.sequence) {
      this.log.debug('mqtt: stale pod status ignored', { node: nodeName, pod: update.name, sequence: update.sequence });
      return;
    }
    const status = toHubTime(update.status, this.clockOffsetMs(nodeName));
    try {
      this.service.mutate(
        PODS,
        update.namespace,
        update.name,
        (pod: KubeObject) => {
          if (pod.metadata.uid !== update.uid || pod.spec?.nodeName !== nodeName) throw new NotThisNodesPod();
          pod.status = mergePodStatus(pod.status, status);
          return pod;
        },
        { status: true, fieldManager: `node/${nodeName}` },
      );
      this.lastSeen.set(update.uid, { instance, sequence: update.sequence });
    } catch (err) {
      if (err instanceof NotThisNodesPod)
        this.log.warn('mqtt: pod status for a pod not bound to the node dropped', { node: nodeName, pod: update.name });
      else if (isApiError(err) && err.code === 404) this.lastSeen.delete(update.uid);
      else this.log.error('mqtt: writing pod status failed', { node: nodeName, pod: update.name, error: String(err) });
    }
  }

  handleRemoved(nodeName: string, report: PodRemovedReport): void {
    for (const ref of report.pods) {
      this.lastSeen.delete(ref.uid);
      try {
        const pod = this.service.get(PODS, ref.namespace, ref.name);
        if (pod.metadata.uid !== ref.uid || pod.spec?.nodeName !== nodeName) continue;
        // Only a pod being deleted is finished; a removal of a still-wanted pod is a runtime event.
        if (!pod.metadata.deletionTimestamp) continue;
        this.service.delete(PODS, ref.namespace, ref.name, { gracePeriodSeconds: 0, preconditions: { uid: ref.uid } });
      } catch (err) {
        if (!isApiError(err) || (err.code !== 404 && err.code !== 409))
          this.log.error('mqtt: finishing pod deletion failed', { node: nodeName, pod: ref.name, error: String(err) });
      }
    }
  }
}
