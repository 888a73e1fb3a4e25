/**
 * The arithmetic of Deployment rollouts (kk-depl deployment_util.go), pure and table-tested.
 * ReplicaSets are described by the few numbers the math needs.
 */

export const DEFAULT_MAX_SURGE = '25%';
export const DEFAULT_MAX_UNAVAILABLE = '25%';

/** intstr.GetScaledValueFromIntOrPercent: `25%` of total rounded up or down; plain numbers as is. */
export function scaledValue(value: number | string | undefined, total: number, roundUp: boolean): number {
  if (value === undefined || value === null) return 0;
  if (typeof value === 'number') return value;
  const trimmed = value.trim();
  if (trimmed.endsWith('%')) {
    const percent = Number(trimmed.slice(0, -1));
    if (!Number.isFinite(percent)) throw new Error(`invalid value for IntOrString: invalid value "${value}"`);
    const exact = (percent * total) / 100;
    return roundUp ? Math.ceil(exact) : Math.floor(exact);
  }
  const n = Number(trimmed);
  if (!Number.isInteger(n)) throw new Error(`invalid value for IntOrString: invalid type: string is not a percentage`);
  return n;
}

/**
 * ResolveFenceposts: maxSurge rounds up, maxUnavailable rounds down; when both come out 0,
 * maxUnavailable becomes 1 (both explicitly 0 is rejected by validation).
 */
export function resolveFenceposts(
  maxSurge: number | string | undefined,
  maxUnavailable: number | string | undefined,
  desired: number,
): { surge: number; unavailable: number } {
  const surge = scaledValue(maxSurge ?? DEFAULT_MAX_SURGE, desired, true);
  let unavailable = scaledValue(maxUnavailable ?? DEFAULT_MAX_UNAVAILABLE, desired, false);
  if (surge === 0 && unavailable === 0) unavailable = 1;
  return { surge, unavailable };
}

export interface RolloutParams {
  replicas: number;
  strategy: 'RollingUpdate' | 'Recreate';
  maxSurge?: number | string;
  maxUnavailable?: number | string;
}

/** MaxUnavailable(deployment): 0 for Recreate or 0 replicas, never more than replicas. */
export function maxUnavailableOf(d: RolloutParams): number {
  if (d.strategy !== 'RollingUpdate' || d.replicas === 0) return 0;
  return Math.min(resolveFenceposts(d.maxSurge, d.maxUnavailable, d.replicas).unavailable, d.replicas);
}

/** MaxSurge(deployment): 0 for Recreate. */
export function maxSurgeOf(d: RolloutParams): number {
  if (d.strategy !== 'RollingUpdate') return 0;
  return resolveFenceposts(d.maxSurge, d.maxUnavailable, d.replicas).surge;
}

export interface RsNumbers {
  name: string;
  /** spec.replicas */
  replicas: number;
  /** status.availableReplicas */
  available: number;
  /** creation time (ms) for oldest-first ordering */
  created: number;
  /** deployment.kubernetes.io/max-replicas annotation, if any */
  maxReplicasAnnotation?: number;
}

/** NewRSNewReplicas for RollingUpdate: how far the new RS may grow now. */
export function newRsReplicas(d: RolloutParams, all: RsNumbers[], newRs: RsNumbers): number {
  if (d.strategy === 'Recreate') return d.replicas;
  const current = all.reduce((sum, rs) => sum + rs.replicas, 0);
  const maxTotal = d.replicas + maxSurgeOf(d);
  if (current >= maxTotal) return newRs.replicas;
  const scaleUp = Math.min(maxTotal - current, Math.max(0, d.replicas - newRs.replicas));
  return newRs.replicas + scaleUp;
}

const oldestFirst = (a: RsNumbers, b: RsNumbers) => a.created - b.created || (a.name < b.name ? -1 : 1);

/**
 * reconcileOldReplicaSets for RollingUpdate: the new spec.replicas of each old RS (by name).
 * First removes unhealthy (unavailable) old replicas, then scales down available ones while the
 * total available stays ≥ replicas − maxUnavailable.
 */
export function scaleDownOldReplicaSets(
  d: RolloutParams,
  old: RsNumbers[],
  newRs: RsNumbers | undefined,
): Map<string, number> {
  const result = new Map<string, number>(old.map((rs) => [rs.name, rs.replicas]));
  const oldPods = old.reduce((sum, rs) => sum + rs.replicas, 0);
  if (oldPods === 0) return result;
  const all = newRs ? [...old, newRs] : old;
  const allPods = all.reduce((sum, rs) => sum + rs.replicas, 0);
  const minAvailable = d.replicas - maxUnavailableOf(d);
  const newUnavailable = newRs ? newRs.replicas - newRs.available : 0;
  const maxScaledDown = allPods - minAvailable - newUnavailable;
  if (maxScaledDown <= 0) return result;

  // cleanupUnhealthyReplicas
  let cleaned = 0;
  const sorted = [...old].sort(oldestFirst);
  for (const rs of sorted) {
    if (cleaned >= maxScaledDown) break;
    const current = result.get(rs.name) as number;
    if (current === 0) continue;
    const unhealthy = current - rs.available;
    if (unhealthy <= 0) continue;
    const down = Math.min(maxScaledDown - cleaned, unhealthy);
    result.set(rs.name, current - down);
    cleaned += down;
  }

  // scaleDownOldReplicaSetsForRollingUpdate
  const available = all.reduce((sum, rs) => sum + rs.available, 0);
  if (available <= minAvailable) return result;
  let remaining = available - minAvailable;
  for (const rs of sorted) {
    if (remaining <= 0) break;
    const current = result.get(rs.name) as number;
    if (current === 0) continue;
    const down = Math.min(current, remaining);
    result.set(rs.name, current - down);
    remaining -= down;
  }
  return result;
}

/**
 * Proportional scaling (deployment sync.go `scale`): when replicas change while several
 * ReplicaSets are active, spread the difference in proportion to their sizes. Returns the new
 * spec.replicas per RS name.
 */
export function proportionalScale(d: RolloutParams, active: RsNumbers[], statusReplicas: number): Map<string, number> {
  const sizes = new Map<string, number>(active.map((rs) => [rs.name, rs.replicas]));
  const current = active.reduce((sum, rs) => sum + rs.replicas, 0);
  const surge = maxSurgeOf(d);
  const allowed = d.replicas > 0 ? d.replicas + surge : 0;
  const toAdd = allowed - current;
  if (toAdd === 0) return sizes;
  // Bigger first; on scale up newer first among equals, on scale down older first.
  const ordered = [...active].sort((a, b) => {
    if (a.replicas !== b.replicas) return b.replicas - a.replicas;
    return toAdd > 0 ? b.created - a.created : a.created - b.created;
  });
  let added = 0;
  for (const rs of ordered) {
    if (rs.replicas === 0 || added === toAdd) continue;
    let fraction: number;
    if (d.replicas === 0) fraction = -rs.replicas;
    else {
      const annotated = rs.maxReplicasAnnotation ?? statusReplicas;
      const target = annotated > 0 ? Math.ceil((rs.replicas * (d.replicas + surge)) / annotated) : rs.replicas;
      fraction = target - rs.replicas;
    }
    const left = toAdd - added;
    const proportion = toAdd > 0 ? Math.min(fraction, left) : Math.max(fraction, left);
    sizes.set(rs.name, rs.replicas + proportion);
    added += proportion;
  }
  if (ordered.length > 0 && added !== toAdd) {
    const first = ordered[0].name;
    sizes.set(first, Math.max(0, (sizes.get(first) as number) + toAdd - added));
  }
  return sizes;
}
