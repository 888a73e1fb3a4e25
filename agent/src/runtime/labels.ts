import { LABELS } from './driver.js';

/** Value of LABELS.owner on everything Peapod creates (the event stream filters on it). */
export const OWNER_VALUE = 'peapod';

/** Value of LABELS.containerKind on a sandbox's infra container (never reported as a container). */
export const INFRA_KIND = 'infra';

/** The caller's labels plus the owner label (and the infra marker for sandboxes). */
export function withOwnerLabels(labels: Record<string, string>, kind?: 'infra'): Record<string, string> {
  const out: Record<string, string> = { ...labels, [LABELS.owner]: OWNER_VALUE };
  if (kind) out[LABELS.containerKind] = kind;
  return out;
}

export function isInfraLabels(labels: Record<string, string> | undefined | null): boolean {
  return labels?.[LABELS.containerKind] === INFRA_KIND;
}

export function matchesLabels(
  labels: Record<string, string> | undefined | null,
  filter: Record<string, string>,
): boolean {
  return Object.entries(filter).every(([k, v]) => labels?.[k] === v);
}

/** CPU shares from a CPU request in milli-CPU, as the kubelet computes them (min 2). */
export function cpuShares(milli: number): number {
  return Math.max(2, Math.floor((milli * 1024) / 1000));
}
