import {
  canonicalJson,
  type Deployment,
  type DeploymentCondition,
  type DeploymentStatus,
  type ReplicaSet,
} from '@peapod/core';
import { maxUnavailableOf, type RolloutParams } from './rollout-math.js';

/** Condition reasons and messages, byte-exact from kk-depl deployment_util.go. */
export const REASON = {
  newRsCreated: 'NewReplicaSetCreated',
  foundNewRs: 'FoundNewReplicaSet',
  rsUpdated: 'ReplicaSetUpdated',
  newRsAvailable: 'NewReplicaSetAvailable',
  timedOut: 'ProgressDeadlineExceeded',
  paused: 'DeploymentPaused',
  resumed: 'DeploymentResumed',
  minAvailable: 'MinimumReplicasAvailable',
  minUnavailable: 'MinimumReplicasUnavailable',
} as const;

export const MESSAGE = {
  newRsCreated: (rs: string) => `Created new replica set "${rs}"`,
  foundNewRs: (rs: string) => `Found new replica set "${rs}"`,
  rsUpdated: (rs: string) => `ReplicaSet "${rs}" is progressing.`,
  newRsAvailable: (rs: string) => `ReplicaSet "${rs}" has successfully progressed.`,
  timedOut: (rs: string) => `ReplicaSet "${rs}" has timed out progressing.`,
  paused: 'Deployment is paused',
  resumed: 'Deployment is resumed',
  minAvailable: 'Deployment has minimum availability.',
  minUnavailable: 'Deployment does not have minimum availability.',
} as const;

/** progressDeadlineSeconds = MaxInt32 means "no deadline" (kk-depl HasProgressDeadline). */
const MAX_INT32 = 2 ** 31 - 1;

export function rolloutParams(d: Deployment): RolloutParams {
  return {
    replicas: d.spec.replicas ?? 1,
    strategy: d.spec.strategy?.type === 'Recreate' ? 'Recreate' : 'RollingUpdate',
    maxSurge: d.spec.strategy?.rollingUpdate?.maxSurge,
    maxUnavailable: d.spec.strategy?.rollingUpdate?.maxUnavailable,
  };
}

export function getCondition(status: DeploymentStatus | undefined, type: string): DeploymentCondition | undefined {
  return status?.conditions?.find((c) => c.type === type);
}

export function newCondition(
  type: string,
  status: 'True' | 'False' | 'Unknown',
  reason: string,
  message: string,
  at: string,
): DeploymentCondition {
  return { type, status, lastUpdateTime: at, lastTransitionTime: at, reason, message };
}

/** SetDeploymentCondition: no-op when status and reason are unchanged; keeps lastTransitionTime when status is. */
export function setCondition(status: DeploymentStatus, condition: DeploymentCondition): void {
  const current = getCondition(status, condition.type);
  if (current && current.status === condition.status && current.reason === condition.reason) return;
  if (current && current.status === condition.status) condition.lastTransitionTime = current.lastTransitionTime;
  status.conditions = [...(status.conditions ?? []).filter((c) => c.type !== condition.type), condition];
}

export function removeCondition(status: DeploymentStatus, type: string): void {
  status.conditions = (status.conditions ?? []).filter((c) => c.type !== type);
}

const sum = (rss: ReplicaSet[], pick: (rs: ReplicaSet) => number | undefined) =>
  rss.reduce((total, rs) => total + (pick(rs) ?? 0), 0);

/** calculateStatus (sync.go): counts from the ReplicaSets plus the Available condition. */
export function calculateStatus(
  d: Deployment,
  all: ReplicaSet[],
  newRs: ReplicaSet | undefined,
  at: string,
): DeploymentStatus {
  const available = sum(all, (rs) => rs.status?.availableReplicas);
  const total = sum(all, (rs) => rs.spec.replicas ?? 0);
  const status: DeploymentStatus = {
    observedGeneration: d.metadata.generation,
    replicas: sum(all, (rs) => rs.status?.replicas),
    updatedReplicas: newRs?.status?.replicas ?? 0,
    readyReplicas: sum(all, (rs) => rs.status?.readyReplicas),
    availableReplicas: available,
    unavailableReplicas: Math.max(0, total - available),
    conditions: structuredClone(d.status?.conditions ?? []),
  };
  if (d.status?.collisionCount !== undefined) status.collisionCount = d.status.collisionCount;
  const params = rolloutParams(d);
  if (available >= params.replicas - maxUnavailableOf(params)) {
    setCondition(status, newCondition('Available', 'True', REASON.minAvailable, MESSAGE.minAvailable, at));
  } else {
    setCondition(status, newCondition('Available', 'False', REASON.minUnavailable, MESSAGE.minUnavailable, at));
  }
  // getReplicaFailures: a ReplicaFailure of the new ReplicaSet (else of an old one) is surfaced.
  const failing = [newRs, ...all.filter((rs) => rs !== newRs)]
    .flatMap((rs) => rs?.status?.conditions ?? [])
    .find((c) => c.type === 'ReplicaFailure');
  if (failing) {
    const since = failing.lastTransitionTime ?? at;
    setCondition(
      status,
      newCondition('ReplicaFailure', failing.status, failing.reason ?? '', failing.message ?? '', since),
    );
  } else removeCondition(status, 'ReplicaFailure');
  return status;
}

export function hasProgressDeadline(d: Deployment): boolean {
  const deadline = d.spec.progressDeadlineSeconds;
  return deadline !== undefined && deadline !== MAX_INT32;
}

/** DeploymentComplete: every desired replica updated and available, and the spec observed. */
export function isComplete(d: Deployment, s: DeploymentStatus): boolean {
  const replicas = d.spec.replicas ?? 1;
  return (
    s.updatedReplicas === replicas &&
    s.replicas === replicas &&
    s.availableReplicas === replicas &&
    (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0)
  );
}

/** DeploymentProgressing: more updated/ready/available pods, or fewer old ones, than last time. */
export function isProgressing(d: Deployment, s: DeploymentStatus): boolean {
  const old = d.status ?? {};
  const oldOld = (old.replicas ?? 0) - (old.updatedReplicas ?? 0);
  const newOld = (s.replicas ?? 0) - (s.updatedReplicas ?? 0);
  return (
    (s.updatedReplicas ?? 0) > (old.updatedReplicas ?? 0) ||
    newOld < oldOld ||
    (s.readyReplicas ?? 0) > (old.readyReplicas ?? 0) ||
    (s.availableReplicas ?? 0) > (old.availableReplicas ?? 0)
  );
}

/** Milliseconds until the progress deadline passes (≤ 0: passed); undefined when not applicable. */
export function msUntilDeadline(d: Deployment, s: DeploymentStatus, now: number): number | undefined {
  if (!hasProgressDeadline(d)) return undefined;
  const cond = getCondition(s, 'Progressing');
  if (!cond || cond.reason === REASON.newRsAvailable || cond.reason === REASON.timedOut) return undefined;
  const from = cond.lastUpdateTime ? Date.parse(cond.lastUpdateTime) : Number.NaN;
  if (Number.isNaN(from)) return undefined;
  return from + (d.spec.progressDeadlineSeconds as number) * 1000 - now;
}

/**
 * syncRolloutStatus (progress.go): the status with the Progressing condition brought up to date.
 * Paused deployments never get here (their progress is not tracked).
 */
export function rolloutStatus(
  d: Deployment,
  all: ReplicaSet[],
  newRs: ReplicaSet | undefined,
  now: number,
  at: string,
): DeploymentStatus {
  const status = calculateStatus(d, all, newRs, at);
  if (!hasProgressDeadline(d)) {
    removeCondition(status, 'Progressing');
    return status;
  }
  const current = getCondition(status, 'Progressing');
  const alreadyComplete = status.replicas === status.updatedReplicas && current?.reason === REASON.newRsAvailable;
  if (alreadyComplete) return status;
  const rsName = newRs?.metadata.name ?? '';
  if (isComplete(d, status)) {
    const message = newRs ? MESSAGE.newRsAvailable(rsName) : 'Deployment has successfully progressed.';
    setCondition(status, newCondition('Progressing', 'True', REASON.newRsAvailable, message, at));
  } else if (isProgressing(d, status)) {
    const condition = newCondition('Progressing', 'True', REASON.rsUpdated, MESSAGE.rsUpdated(rsName), at);
    if (current?.status === 'True' && current.lastTransitionTime)
      condition.lastTransitionTime = current.lastTransitionTime;
    removeCondition(status, 'Progressing');
    setCondition(status, condition);
  } else {
    const left = msUntilDeadline(d, status, now);
    if (current?.reason === REASON.timedOut || (left !== undefined && left < 0)) {
      setCondition(status, newCondition('Progressing', 'False', REASON.timedOut, MESSAGE.timedOut(rsName), at));
    }
  }
  return status;
}

/** Deep equality regardless of key order (decides whether a status write is needed). */
export function sameStatus(a: DeploymentStatus | undefined, b: DeploymentStatus): boolean {
  return canonicalJson(a ?? {}) === canonicalJson(b);
}
